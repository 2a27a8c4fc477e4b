"""``--spec FILE.toml`` on the command line: declared families are listed, derived, rendered, emitted and verified;
the emitted code agrees with scipy.stats and with quadrature of the definition written out here by hand; bad or
malicious spec files are refused with one line and exit 2, before anything is written."""

import importlib.util
import json
import os
import subprocess
import sys
import textwrap

import mpmath
import numpy as np
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HL = os.path.join(REPO, "examples", "half-logistic.toml")
MX = os.path.join(REPO, "examples", "maxwell.toml")

#: a child process runs every command through derive.cli.main (one start-up, shared derivation caches) and reports
#: each one's exit code, standard output and standard error
_RUNNER = textwrap.dedent("""
    import contextlib, io, json, sys
    from derive.cli import main

    results = {}
    for label, argv in json.load(sys.stdin):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                rc = main(argv)
            except SystemExit as exc:
                rc = exc.code
        results[label] = [rc, out.getvalue(), err.getvalue()]
    print(json.dumps(results))
""")

CODE = ("entropy-half-logistic", "entropy-maxwell", "kl-half-logistic-half-logistic", "kl-maxwell-maxwell",
        "kl-maxwell-gamma")


def _spec(directory, name, density, extra=""):
    path = directory / f"{name}.toml"
    path.write_text(f'name = "{name}"\nvariable = "z"\nsupport = ["0", "oo"]\n{density}\n{extra}'
                    '[parameters]\nscale = "positive"\n', encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def cli(tmp_path_factory):
    """label -> (exit code, stdout, stderr) of every command below, and the directory code was written to."""
    tmp = tmp_path_factory.mktemp("spec-cli")
    marker = tmp / "pwned"
    bad = {
        "unnormalised": _spec(tmp, "unnormalised", 'density = "exp(-z/scale)"'),
        "import": _spec(tmp, "evil-import", 'density = "__import__(\'os\')"'),
        "payload": _spec(tmp, "evil-payload", f'density = "__import__(\'os\').system(\'touch {marker}\')"'),
        "attribute": _spec(tmp, "evil-attribute", 'log_density = "z.__class__.__mro__"'),
        "builtin-name": _spec(tmp, "laplace", 'density = "exp(-z/scale)/scale"'),
        "poisson": str(tmp / "poisson.toml"),
    }
    (tmp / "poisson.toml").write_text(
        'name = "poisson-spec"\nvariable = "k"\nvariable_domain = "integer"\nsupport = ["0", "oo"]\n'
        'density = "rate**k * exp(-rate) / factorial(k)"\n[parameters]\nrate = "positive"\n', encoding="utf-8")
    both = ["--spec", HL, "--spec", MX]
    commands = [
        ("list-plain", ["list"]),  # first: in one process, a declared family stays registered
        ("list", ["list", *both]),
        ("show-entropy", ["show", "entropy-half-logistic", "--spec", HL]),
        ("show-kept", ["show", "kl-half-logistic-half-logistic", "--spec", HL]),
        ("latex", ["latex", "entropy-maxwell", "--standalone", "--spec", MX]),
        ("markdown", ["markdown", "kl-maxwell-maxwell", "--spec", MX]),
        *((f"code {name}", ["code", name, "--target", "numpy", *both, "-o", str(tmp / f"{name}.py")])
          for name in CODE),
        ("torch-closed", ["code", "entropy-maxwell", "--target", "torch", "--spec", MX]),
        ("torch-kept", ["code", "kl-half-logistic-half-logistic", "--target", "torch", "--spec", HL]),
        ("grad-kept", ["code", "kl-half-logistic-half-logistic", "--grad", "--spec", HL]),
        ("verify", ["verify", "entropy-half-logistic", "entropy-maxwell", "kl-maxwell-maxwell", *both]),
        ("unnormalised", ["code", "entropy-unnormalised", "--spec", bad["unnormalised"], "-o", str(tmp / "u.py")]),
        ("import", ["show", "entropy-evil-import", "--spec", bad["import"]]),
        ("payload", ["code", "entropy-evil-payload", "--spec", bad["payload"]]),
        ("attribute", ["latex", "entropy-evil-attribute", "--spec", bad["attribute"], "-o", str(tmp / "a.tex")]),
        ("builtin-name", ["list", "--spec", bad["builtin-name"]]),
        ("missing-file", ["list", "--spec", str(tmp / "nowhere.toml")]),
        ("build", ["build", "--spec", HL, "--out", str(tmp / "out")]),
        ("poisson-show", ["show", "entropy-poisson-spec", "--spec", bad["poisson"]]),
        ("poisson-code", ["code", "entropy-poisson-spec", "--target", "torch", "--spec", bad["poisson"]]),
        ("poisson-code-numpy", ["code", "entropy-poisson-spec", "--spec", bad["poisson"]]),
    ]
    proc = subprocess.run([sys.executable, "-c", _RUNNER], input=json.dumps(commands), capture_output=True,
                          text=True, cwd=REPO, timeout=1800, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    results["_dir"] = tmp
    results["_marker"] = marker
    return results


def _ok(cli, label):
    rc, out, err = cli[label]
    assert rc == 0, f"{label}: exit {rc}: {err}"
    return out


def _refused(cli, label):
    """The one-line error of a refused command (exit 2)."""
    rc, _, err = cli[label]
    assert rc == 2, f"{label}: exit {rc}, stderr {err!r}"
    assert err.startswith("derive: error: ") and err.count("\n") == 1, err
    return err


def _function(cli, name):
    path = cli["_dir"] / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name.replace("-", "_"), path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name.replace("-", "_"))


# --- the commands -------------------------------------------------------------------------------------------


def test_list_shows_the_declared_families_derivations(cli):
    out = _ok(cli, "list")
    rows = {line.split()[0]: line.split()[1] for line in out.splitlines()}
    for name in ("entropy-half-logistic", "cross-entropy-half-logistic-half-logistic", "kl-half-logistic-half-logistic",
                 "kl-half-logistic-exponential", "kl-exponential-half-logistic", "kl-half-logistic-gamma",
                 "kl-half-normal-half-logistic", "kl-half-logistic-normal", "kl-normal-half-logistic",
                 "entropy-maxwell", "kl-maxwell-maxwell", "kl-maxwell-half-logistic", "kl-gamma-maxwell"):
        assert rows.get(name) == "derivation", name
    assert rows["lemma-maxwell-log-density"] == "lemma"
    assert "entropy-normal" in rows  # the built-ins are still there
    plain = _ok(cli, "list-plain")
    assert "half-logistic" not in plain and "maxwell" not in plain


def test_show_derives_the_entropy_in_closed_form(cli):
    out = _ok(cli, "show-entropy")
    for word in ("(1) definition", "expand-log-density", "linearity", "expectations", "sympy.integrate",
                 "lemma-half-logistic-log-density", "H(q) ="):
        assert word in out, word
    last = out.split("simplify:")[-1]
    assert "2 - log(2) + log(scale)" in last and "⌠" not in last


def test_an_expectation_without_closed_form_stays_an_integral_and_says_so(cli):
    out = _ok(cli, "show-kept")
    assert "no closed form" in out and "not a closed form" in out
    assert "⌠" in out.split("simplify:")[-1]  # the last step keeps the integral


def test_latex_and_markdown(cli):
    tex = _ok(cli, "latex")
    assert tex.startswith("\\documentclass") and "\\begin{align*}" in tex and "\\operatorname{Maxwell}" in tex
    md = _ok(cli, "markdown")
    assert "$$" in md and "\\begin{aligned}" in md and "\\operatorname{KL}" in md


def test_code_for_every_target_when_closed_and_numpy_only_when_an_integral_is_kept(cli):
    assert "def entropy_maxwell(scale, validate=False):" in _ok(cli, "torch-closed")
    assert "import torch" in _ok(cli, "torch-closed")
    assert "--target numpy" in _refused(cli, "torch-kept")
    assert "--grad" in _refused(cli, "grad-kept")
    source = (cli["_dir"] / "kl-half-logistic-half-logistic.py").read_text()
    assert "scipy.integrate.quad" in source and "--spec" in source


def test_verify_passes(cli):
    out = _ok(cli, "verify")
    assert out.rstrip().endswith("all checks passed")
    rows = [line.split() for line in out.splitlines()[1:-1]]
    assert {(r[0], r[1]) for r in rows} == {(n, c) for n in ("entropy-half-logistic", "entropy-maxwell",
                                                             "kl-maxwell-maxwell")
                                            for c in ("steps", "sympy.integrate", "mpmath")}
    assert all(r[2] == "pass" for r in rows), out


# --- the emitted code against independent references ---------------------------------------------------------

SCALES = np.array([1e-3, 0.1, 0.7, 1.0, 2.5, 40.0, 1e4])


def test_entropies_agree_with_scipy_stats(cli):
    from scipy import stats

    for name, law in (("entropy-half-logistic", stats.halflogistic), ("entropy-maxwell", stats.maxwell)):
        ours = _function(cli, name)(SCALES)
        theirs = law(scale=SCALES).entropy()
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=0, err_msg=name)


def _half_logistic(z, s):
    return 2 * mpmath.exp(-z / s) / (s * (1 + mpmath.exp(-z / s)) ** 2)


def _maxwell(z, s):
    return mpmath.sqrt(2 / mpmath.pi) * z**2 * mpmath.exp(-(z**2) / (2 * s**2)) / s**3


def _gamma(z, a, r):
    return r**a * z ** (a - 1) * mpmath.exp(-r * z) / mpmath.gamma(a)


def _kl(q, p, bulk):
    """∫ q log(q/p) dz over (0, ∞) by 30-digit tanh-sinh quadrature, split around the bulk of q."""
    with mpmath.workdps(30):
        return float(mpmath.quad(lambda z: q(z) * (mpmath.log(q(z)) - mpmath.log(p(z))),
                                 [0, bulk / 10, bulk, 5 * bulk, 20 * bulk, mpmath.inf]))


@pytest.mark.parametrize("s1, s2", [(1.0, 1.5), (0.3, 2.0), (2.0, 0.5), (5.0, 0.05), (1.0, 1.2)])
def test_kl_with_a_kept_integral_agrees_with_quadrature_of_the_definition(cli, s1, s2):
    ours = float(_function(cli, "kl-half-logistic-half-logistic")(s1, s2))
    reference = _kl(lambda z: _half_logistic(z, mpmath.mpf(s1)), lambda z: _half_logistic(z, mpmath.mpf(s2)), s1)
    assert ours == pytest.approx(reference, rel=1e-10, abs=0)


@pytest.mark.parametrize("s1, s2", [(1.0, 1.5), (0.3, 2.0), (2.0, 0.5), (5.0, 0.05), (1.0, 1.0001)])
def test_maxwell_kl_agrees_with_quadrature_of_the_definition(cli, s1, s2):
    ours = float(_function(cli, "kl-maxwell-maxwell")(s1, s2))
    reference = _kl(lambda z: _maxwell(z, mpmath.mpf(s1)), lambda z: _maxwell(z, mpmath.mpf(s2)), s1)
    assert ours == pytest.approx(reference, rel=1e-10, abs=0)


@pytest.mark.parametrize("s1, a2, r2", [(1.0, 2.0, 1.5), (0.4, 0.7, 3.0), (3.0, 5.0, 0.2)])
def test_maxwell_gamma_kl_agrees_with_quadrature_of_the_definition(cli, s1, a2, r2):
    ours = float(_function(cli, "kl-maxwell-gamma")(s1, a2, r2))
    s1m, a2m, r2m = (mpmath.mpf(x) for x in (s1, a2, r2))
    reference = _kl(lambda z: _maxwell(z, s1m), lambda z: _gamma(z, a2m, r2m), s1)
    assert ours == pytest.approx(reference, rel=1e-10, abs=0)


def test_quadrature_code_broadcasts_and_validates(cli):
    kl = _function(cli, "kl-half-logistic-half-logistic")
    value = kl(np.array([[0.5], [2.0]]), np.array([0.5, 1.0, 3.0]))
    assert value.shape == (2, 3) and value[0, 0] == pytest.approx(0.0, abs=1e-12) and np.all(value[:, 1:] > 0)
    with pytest.raises(ValueError, match="scale2 must be positive"):
        kl(1.0, -1.0, validate=True)


# --- refusals ------------------------------------------------------------------------------------------------


def test_a_density_that_does_not_normalise_is_refused_and_nothing_is_written(cli):
    err = _refused(cli, "unnormalised")
    assert "unnormalised.toml" in err and "integrates to" in err and "not 1" in err
    assert not (cli["_dir"] / "u.py").exists()


def test_malicious_expressions_are_refused_without_running(cli):
    assert "name '__import__' is not allowed" in _refused(cli, "import")
    assert "attribute access" in _refused(cli, "payload")
    assert not cli["_marker"].exists()
    assert "attribute access" in _refused(cli, "attribute")
    assert not (cli["_dir"] / "a.tex").exists()


def test_name_clashes_missing_files_and_build_are_refused(cli):
    assert "built-in family" in _refused(cli, "builtin-name")
    assert "cannot read" in _refused(cli, "missing-file")
    assert "does not take --spec" in _refused(cli, "build")
    assert not (cli["_dir"] / "out").exists()


def test_a_discrete_family_keeps_a_sum_it_cannot_do_and_sums_it_on_every_target(cli):
    out = _ok(cli, "poisson-show")
    assert "sympy.summation" in out and "not a closed form" in out
    torch_code = _ok(cli, "poisson-code")  # all elements at once, in chunks (derive.emit.series)
    assert "def _series_0(" in torch_code and "torch.arange(start, start + 256" in torch_code
    assert "_sum_each(" in _ok(cli, "poisson-code-numpy")


def test_a_clash_with_a_built_in_derivation_name_is_refused(tmp_path):
    path = _spec(tmp_path, "std-normal", 'density = "exp(-z/scale)/scale"')  # cross-entropy-normal-std-normal
    r = subprocess.run([sys.executable, "-m", "derive", "list", "--spec", path], capture_output=True, text=True,
                       cwd=REPO, check=False)
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    assert "'cross-entropy-normal-std-normal'" in r.stderr and "already registered" in r.stderr


# --- derive verify when SymPy itself fails -------------------------------------------------------------------


def _with_integrate(error):
    import dataclasses

    from derive import registry

    def integrate(definition, n):
        raise error

    return dataclasses.replace(registry.get("lemma-normal-log-density"), integrate=integrate)


def test_verify_reports_a_sympy_crash_as_not_settled_and_a_derivation_error_as_a_failure():
    from derive.prove import DerivationError
    from derive.verify import verify

    crashed = {r.check: r for r in verify(_with_integrate(TypeError("Invalid comparison of non-real zoo")))}
    assert crashed["sympy.integrate"].status == "n/a" and "TypeError" in crashed["sympy.integrate"].detail
    failed = {r.check: r for r in verify(_with_integrate(DerivationError("wrong")))}
    assert failed["sympy.integrate"].status == "FAIL"
