"""The command line: contract names, one-line errors with exit codes, nothing half-written."""

import os
import subprocess
import sys


from derive.cli import main


def run(*args, cwd=None, env=None):
    return subprocess.run(
        [sys.executable, "-m", "derive", *args], capture_output=True, text=True, cwd=cwd, env=env
    )


def test_help_does_not_import_sympy():
    code = "import sys; from derive.cli import main\ntry:\n main(['--help'])\nexcept SystemExit: pass\n" \
           "print('sympy' in sys.modules, 'jinja2' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "False False"


def test_list_names_every_contract_derivation():
    out = run("list").stdout
    for name in ("entropy-normal", "cross-entropy-normal-std-normal", "kl-normal-std-normal",
                 "kl-normal-std-normal-diag", "cross-entropy-normal-normal", "kl-normal-normal",
                 "lemma-normal-second-moment", "lemma-product-marginalisation"):
        assert name in out


def test_unknown_derivation_is_one_line_with_closest_names():
    r = run("show", "kl-normal-norml")
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1
    assert "unknown derivation 'kl-normal-norml'" in r.stderr and "kl-normal-normal" in r.stderr


def test_unknown_target_is_exit_2():
    r = run("code", "kl-normal-normal", "--target", "fortran")
    assert r.returncode == 2 and "unknown target 'fortran'" in r.stderr and "numpy" in r.stderr


def test_show_prints_steps_rules_and_lemmas():
    out = run("show", "entropy-normal").stdout
    for word in ("(1) definition", "expand-log-density", "linearity", "moment-lemmas",
                 "lemma-normal-variance", "H(q) ="):
        assert word in out


def test_latex_markdown_code_write_files(tmp_path):
    tex, md, py = tmp_path / "e.tex", tmp_path / "e.md", tmp_path / "e.py"
    assert run("latex", "entropy-normal", "--standalone", "-o", str(tex)).returncode == 0
    assert run("markdown", "entropy-normal", "-o", str(md)).returncode == 0
    assert run("code", "entropy-normal", "--target", "numpy", "-o", str(py)).returncode == 0
    assert tex.read_text().startswith("\\documentclass") and "\\begin{align*}" in tex.read_text()
    assert "$$" in md.read_text() and "\\begin{aligned}" in md.read_text()
    assert "def entropy_normal(mu, sigma, validate=False):" in py.read_text()


def test_unwritable_output_path_fails_cleanly(tmp_path):
    target = tmp_path / "missing-dir" / "x.tex"
    r = run("latex", "entropy-normal", "-o", str(target))
    assert r.returncode == 1 and r.stderr.startswith("derive: error: cannot write")
    assert not target.parent.exists()


def test_code_for_a_lemma_is_refused():
    r = run("code", "lemma-normal-mean")
    assert r.returncode == 2 and "lemma" in r.stderr


def test_verify_exit_codes(monkeypatch, capsys):
    assert main(["verify", "lemma-normal-log-density"]) == 0
    assert "pass" in capsys.readouterr().out

    import dataclasses

    from sympy import S

    from derive import registry

    good = registry.get("lemma-normal-log-density")
    bad = dataclasses.replace(good, steps=good.steps[:-1] + (
        dataclasses.replace(good.steps[-1], expr=good.steps[-1].expr + S.Half),))
    monkeypatch.setitem(registry._BUILT, "lemma-normal-log-density", bad)
    assert main(["verify", "lemma-normal-log-density"]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "check(s) failed" in out


def test_verify_unknown_name_exit_2(capsys):
    assert main(["verify", "nope"]) == 2


def test_python_dash_m_and_console_script_agree():
    env = dict(os.environ)
    a = run("list", env=env).stdout
    b = subprocess.run(["derive", "list"], capture_output=True, text=True, env=env).stdout
    assert a == b
