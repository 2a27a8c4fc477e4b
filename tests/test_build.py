"""output/ is the golden record: current, deterministic, written atomically, and checked for drift."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from derive import build as build_mod
from derive import cache
from derive.pdf import have_pdflatex


def test_committed_output_is_current_and_check_lists_drift(repo, tmp_path):
    """One full build from an empty cache (every job computed), by the CLI in a fresh process (which forks its
    workers after deriving: this process has imported torch and JAX, where workers would start from scratch): it
    equals the committed output/, which another process wrote under another hash seed (so this is also the full
    build's determinism check); then ``check``, with the cache the build filled, lists hand edits, missing and
    stale files in a copy."""
    out = tmp_path / "o"
    env = dict(os.environ, **{cache.ENV: str(tmp_path / "cache"), "PYTHONHASHSEED": "7"})
    pdf = [] if have_pdflatex() else ["--no-pdf"]
    subprocess.run([sys.executable, "-m", "derive", "build", "--out", str(out), *pdf], check=True, env=env,
                   capture_output=True, cwd=repo)
    committed = Path(repo) / "output"
    fresh = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    old = {p.relative_to(committed).as_posix(): p.read_bytes() for p in sorted(committed.rglob("*")) if p.is_file()}
    assert fresh.keys() == old.keys(), f"run 'derive build': {sorted(fresh.keys() ^ old.keys())[:5]}"
    assert [k for k in fresh if fresh[k] != old[k]] == [], "run 'derive build'"
    (out / "markdown" / "entropy-normal.md").write_text("edited by hand\n")
    (out / "code" / "numpy" / "sigma" / "kl_normal_normal.py").unlink()
    (out / "code" / "numpy" / "old.py").write_text("\n")
    r = subprocess.run([sys.executable, "-m", "derive", "check", "--out", str(out)], env=env, capture_output=True,
                       text=True, cwd=repo)
    assert r.returncode == 1
    differ = r.stdout.splitlines()
    assert "markdown/entropy-normal.md (differs)" in differ
    assert "code/numpy/sigma/kl_normal_normal.py (missing)" in differ
    assert any(d.startswith("code/numpy/old.py (stale") for d in differ)


#: a sample of every kind of artefact: Gaussian, multivariate, declared families (conditional, kept series, +oo),
#: vector families, lemmas; documents and code for every target
SAMPLE = ("kl-normal-normal", "kl-mvn-mvn", "kl-gamma-gamma", "kl-uniform-uniform", "entropy-poisson",
          "kl-normal-pareto", "kl-dirichlet-dirichlet", "lemma-gamma-log-mean")
_RENDER = """
import hashlib, sys
from derive.emit.code import emit_module, refused
from derive.emit.targets import TARGETS
from derive.registry import entry
from derive.render import documents
for name in sys.argv[1:]:
    texts = [documents.latex(name, standalone=True), documents.markdown(name)]
    if entry(name).kind == "derivation":
        texts += [emit_module(name, t) for t in TARGETS if not refused(name, t)]
    print(name, hashlib.sha256("\\x00".join(texts).encode()).hexdigest())
"""


def _render(seed):
    env = dict(os.environ, PYTHONHASHSEED=str(seed))
    r = subprocess.run([sys.executable, "-c", _RENDER, *SAMPLE], check=True, env=env, capture_output=True, text=True)
    return r.stdout


def test_artefacts_are_byte_identical_across_hash_seeds():
    a, b = _render(1), _render(4242)
    assert a == b and len(a.splitlines()) == len(SAMPLE)


def test_failed_build_writes_nothing(tmp_path, monkeypatch):
    from derive.render import documents

    def boom():
        raise RuntimeError("template exploded")

    monkeypatch.setattr(documents, "article", boom)
    monkeypatch.setattr(build_mod, "_code_jobs", lambda early: [])  # no workers: the documents fail first
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
