"""output/ is the golden record: current, deterministic, written atomically, and checked for drift."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from derive import build as build_mod
from derive.pdf import have_pdflatex


def test_committed_output_is_current(repo):
    differ = build_mod.check(Path(repo) / "output")
    assert not differ, f"run 'derive build': {differ}"


def _build(out, seed, pdf=True):
    env = dict(os.environ, PYTHONHASHSEED=str(seed))
    args = [sys.executable, "-m", "derive", "build", "--out", str(out)] + ([] if pdf else ["--no-pdf"])
    subprocess.run(args, check=True, env=env, capture_output=True)
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_build_is_byte_identical_across_hash_seeds(tmp_path):
    a = _build(tmp_path / "a", 1, pdf=have_pdflatex())
    b = _build(tmp_path / "b", 4242, pdf=have_pdflatex())
    assert a.keys() == b.keys()
    assert [k for k in a if a[k] != b[k]] == []
    assert any(k.endswith(".py") for k in a) and any(k.endswith(".md") for k in a)


def test_check_lists_changed_missing_and_stale_files(tmp_path):
    out = tmp_path / "o"
    build_mod.build(out, with_pdf=False)
    assert build_mod.check(out, with_pdf=False) == []
    (out / "markdown" / "entropy-normal.md").write_text("edited by hand\n")
    (out / "code" / "numpy" / "sigma" / "kl_normal_normal.py").unlink()
    (out / "code" / "numpy" / "old.py").write_text("\n")
    differ = build_mod.check(out, with_pdf=False)
    assert "markdown/entropy-normal.md (differs)" in differ
    assert "code/numpy/sigma/kl_normal_normal.py (missing)" in differ
    assert any(d.startswith("code/numpy/old.py (stale") for d in differ)
    r = subprocess.run([sys.executable, "-m", "derive", "check", "--out", str(out)], capture_output=True, text=True)
    assert r.returncode == 1 and "entropy-normal.md" in r.stdout


def test_failed_build_writes_nothing(tmp_path, monkeypatch):
    from derive.render import documents

    def boom():
        raise RuntimeError("template exploded")

    monkeypatch.setattr(documents, "article", boom)
    with pytest.raises(RuntimeError):
        build_mod.build(tmp_path / "o", with_pdf=False)
    assert not (tmp_path / "o").exists()


def test_build_into_unwritable_location_is_one_line_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    r = subprocess.run([sys.executable, "-m", "derive", "build", "--no-pdf", "--out", str(blocker / "o")],
                       capture_output=True, text=True)
    assert r.returncode == 1
    assert r.stderr.startswith("derive: error: cannot write") and r.stderr.count("\n") == 1
