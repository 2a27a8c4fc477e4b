"""derive compare: formulas (EXPR, SymPy syntax or LaTeX) and functions (--code) against the derived closed forms.

Values the tests rely on are recomputed independently: KL by scipy quadrature of the definition with scipy.stats
densities, formulas by plain Python functions written here, references for --code by mpmath from formulas typed
here (not derive's closed forms).
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import mpmath
import numpy as np
import pytest
from scipy import integrate, stats

from derive import compare
from derive.cli import main
from derive.compare import EQUAL, NOT_EQUAL, UNDER_ASSUMPTIONS, CompareError, compare_formula, report
from derive.compare_code import compare_code, report_code, rounded, ulps

REPO = Path(__file__).resolve().parent.parent
NUMPY_KL = REPO / "output" / "code" / "numpy" / "sigma" / "kl_normal_normal.py"
NUMPY_KL_GAMMA = REPO / "output" / "code" / "numpy" / "concentration_and_rate" / "kl_gamma_gamma.py"


def integrand(q, p):
    """z -> q(z) (log q(z) - log p(z)) for frozen scipy.stats distributions (0 where q underflows)."""
    return lambda z: 0.0 if q.pdf(z) == 0 else q.pdf(z) * (q.logpdf(z) - p.logpdf(z))


def kl_by_quadrature(q, p):
    """KL(q || p): quad of q (log q - log p) over the real line."""
    return integrate.quad(integrand(q, p), -np.inf, np.inf, epsabs=1e-13, epsrel=1e-12, limit=200)[0]


def kl_normal(mu1, sigma1, mu2, sigma2):
    return kl_by_quadrature(stats.norm(mu1, sigma1), stats.norm(mu2, sigma2))


def kl_laplace(loc1, scale1, loc2, scale2):
    q, p = stats.laplace(loc1, scale1), stats.laplace(loc2, scale2)
    a, b = sorted((loc1, loc2))
    pieces = [(-np.inf, a), (a, b), (b, np.inf)] if a < b else [(-np.inf, a), (a, np.inf)]
    return sum(integrate.quad(integrand(q, p), lo, hi, epsabs=1e-13, epsrel=1e-12, limit=200)[0]
               for lo, hi in pieces)


def floats(point):
    return {str(s): float(v) for s, v in point.items()}


# -- equal formulas in different shapes -----------------------------------------------------------------------------

EQUAL_FORMULAS = [
    ("kl-normal-normal", "log(sigma2/sigma1) + (sigma1**2 + (mu1 - mu2)**2)/(2*sigma2**2) - 1/2"),
    ("kl-normal-normal", "(log(sigma2^2) - log(sigma1^2))/2 + (sigma1^2 + (mu2 - mu1)^2)/(2*sigma2^2) - 0.5"),
    ("kl-normal-normal", "log(sigma2) - log(sigma1) + sigma1**2/(2*sigma2**2) + mu1**2/(2*sigma2**2)"
                         " - mu1*mu2/sigma2**2 + mu2**2/(2*sigma2**2) - 1/2"),
    ("kl-normal-normal", "((sigma1/sigma2)**2 + ((mu1 - mu2)/sigma2)**2 - 1 - log(sigma1**2/sigma2**2))/2"),
    ("kl-normal-std-normal", "-(1 + log(sigma**2) - mu**2 - sigma**2)/2"),
    ("kl-normal-std-normal", "(mu**2 + sigma**2 - 1)/2 - log(sigma)"),
    ("entropy-normal", "log(sigma*sqrt(2*pi*e))"),
    ("kl-gamma-gamma", "(concentration1 - concentration2)*digamma(concentration1) - loggamma(concentration1)"
                       " + loggamma(concentration2) + concentration2*(log(rate1) - log(rate2))"
                       " + concentration1*(rate2 - rate1)/rate1"),
    ("kl-laplace-laplace", "log(scale2/scale1) + abs(loc1 - loc2)/scale2"
                           " + scale1/scale2*exp(-abs(loc1 - loc2)/scale1) - 1"),
]


@pytest.mark.parametrize("name, text", EQUAL_FORMULAS)
def test_equal_formulas_in_other_shapes_are_equal(name, text):
    v = compare_formula(name, text)
    assert v.status == EQUAL and v.exit_code == 0, report(v)
    assert "shown symbolically" in v.how and f"{compare.POINTS} random admissible points" in v.how


def test_equal_falls_back_to_numbers_when_sympy_cannot_settle_and_says_so(monkeypatch):
    monkeypatch.setattr(compare, "symbolically_zero", lambda a, b: False)
    v = compare_formula("kl-normal-std-normal", "(mu**2 + sigma**2 - 1)/2 - log(sigma)")
    assert v.status == EQUAL
    assert v.how.startswith("shown numerically") and "did not reach 0" in v.how


def test_symbolic_zero_is_not_trusted_over_the_numbers(monkeypatch):
    """A simplification that claims 0 for a wrong formula does not make it equal: the numbers decide."""
    monkeypatch.setattr(compare, "symbolically_zero", lambda a, b: True)
    v = compare_formula("kl-normal-std-normal", "(mu**2 + sigma**2 - 1)/2")
    assert v.status != EQUAL and v.mismatch is not None


def test_probabilities_are_known_to_lie_in_0_1_for_the_symbolic_check():
    v = compare_formula("kl-bernoulli-bernoulli",
                        "probs1*log(probs1/probs2) + (1 - probs1)*log((1 - probs1)/(1 - probs2))")
    assert v.status == EQUAL and v.how.startswith("shown symbolically") and "probs1, probs2 in (0, 1)" in v.how


def test_a_conditional_closed_form_is_compared_where_it_is_finite():
    v = compare_formula("kl-uniform-uniform", "log((high2 - low2)/(high1 - low1))")
    assert v.status == EQUAL, report(v)
    assert "(where (low1 >= low2) & (high1 <= high2); +oo elsewhere)" in report(v)
    v = compare_formula("kl-uniform-uniform", "log((high2 - low2)/(high1 + low1))")
    at = floats(v.mismatch.point)
    assert at["low2"] <= at["low1"] < at["high1"] <= at["high2"]  # a point where the KL is finite
    assert float(v.mismatch.closed) == pytest.approx(math.log((at["high2"] - at["low2"]) / (at["high1"] - at["low1"])))


def test_an_infinite_closed_form_equals_only_infinity():
    assert compare_formula("kl-normal-gamma", "oo").status == EQUAL
    v = compare_formula("kl-normal-gamma", "1")
    assert v.status == NOT_EQUAL and v.exit_code == 1 and "+inf" in report(v)


# -- planted errors -------------------------------------------------------------------------------------------------

PLANTED = [
    # (what, formula as text, the same formula in Python, expected status, assumption named)
    ("dropped 1/2", "log(sigma2/sigma1) + (sigma1**2 + (mu1 - mu2)**2)/sigma2**2 - 1/2",
     lambda mu1, sigma1, mu2, sigma2: math.log(sigma2 / sigma1) + (sigma1**2 + (mu1 - mu2) ** 2) / sigma2**2 - 0.5,
     NOT_EQUAL, None),
    ("flipped sign of -1/2", "log(sigma2/sigma1) + (sigma1**2 + (mu1 - mu2)**2)/(2*sigma2**2) + 1/2",
     lambda mu1, sigma1, mu2, sigma2: math.log(sigma2 / sigma1) + (sigma1**2 + (mu1 - mu2) ** 2) / (2 * sigma2**2) + 0.5,
     NOT_EQUAL, None),
    ("flipped sign of the mean term", "log(sigma2/sigma1) + (sigma1**2 - (mu1 - mu2)**2)/(2*sigma2**2) - 1/2",
     lambda mu1, sigma1, mu2, sigma2: math.log(sigma2 / sigma1) + (sigma1**2 - (mu1 - mu2) ** 2) / (2 * sigma2**2) - 0.5,
     UNDER_ASSUMPTIONS, "mu1 = mu2"),
    ("sigma1/sigma2 swapped", "log(sigma1/sigma2) + (sigma2**2 + (mu1 - mu2)**2)/(2*sigma1**2) - 1/2",
     lambda mu1, sigma1, mu2, sigma2: math.log(sigma1 / sigma2) + (sigma2**2 + (mu1 - mu2) ** 2) / (2 * sigma1**2) - 0.5,
     UNDER_ASSUMPTIONS, "sigma1 = sigma2"),
    ("right only for p = N(0, 1)", "mu1**2/2 + sigma1**2/2 - log(sigma1) - 1/2",
     lambda mu1, sigma1, mu2, sigma2: mu1**2 / 2 + sigma1**2 / 2 - math.log(sigma1) - 0.5,
     UNDER_ASSUMPTIONS, "mu2 = 0 and sigma2 = 1"),
]


@pytest.mark.parametrize("what, text, python, status, assumption", PLANTED, ids=[p[0] for p in PLANTED])
def test_planted_errors_have_a_counterexample_whose_values_really_differ(what, text, python, status, assumption):
    v = compare_formula("kl-normal-normal", text)
    assert v.status == status and v.exit_code == 1, report(v)
    at = floats(v.mismatch.point)
    truth, written = kl_normal(**at), python(**at)
    assert abs(float(v.mismatch.closed) - truth) <= 1e-9 * max(1, abs(truth))
    assert abs(float(v.mismatch.formula) - written) <= 1e-12 * max(1, abs(written))
    assert abs(truth - written) > 1e-6 * max(1, abs(truth))
    text_out = report(v)
    assert "counterexample: " in text_out and compare.show_number(v.mismatch.closed) in text_out
    if assumption is None:
        assert not v.assumptions and "no extra assumption makes them equal" in text_out
    else:
        assert [f.text for f in v.assumptions] == [assumption]
        assert f"equal only when {assumption} (shown symbolically" in text_out


def test_named_assumptions_hold_independently():
    """mu2 = 0, sigma2 = 1: the formula matches the quadrature KL there at other points than derive's."""
    formula = PLANTED[-1][2]
    rng = np.random.default_rng(5)
    for _ in range(5):
        mu1, sigma1 = rng.uniform(-2, 2), rng.uniform(0.3, 3)
        assert formula(mu1, sigma1, 0.0, 1.0) == pytest.approx(kl_normal(mu1, sigma1, 0.0, 1.0), rel=1e-9, abs=1e-12)
        assert abs(formula(mu1, sigma1, 0.5, 1.5) - kl_normal(mu1, sigma1, 0.5, 1.5)) > 1e-3


def test_a_sign_region_is_found_and_its_boundary_not_listed_beside_it():
    """Laplace's |loc1 - loc2| written as loc1 - loc2: equal only where loc1 > loc2."""
    v = compare_formula("kl-laplace-laplace",
                        "log(scale2/scale1) + (loc1 - loc2)/scale2 + scale1/scale2*exp(-(loc1 - loc2)/scale1) - 1")
    assert v.status == UNDER_ASSUMPTIONS
    assert [f.text for f in v.assumptions] == ["loc1 > loc2"]
    at = floats(v.mismatch.point)
    assert at["loc1"] < at["loc2"]  # the counterexample lies outside the region
    assert float(v.mismatch.closed) == pytest.approx(kl_laplace(**at), rel=1e-9)
    for loc1, loc2 in ((1.0, 0.2), (0.3, -1.7)):  # inside: the written formula is the KL
        written = math.log(2 / 1.5) + (loc1 - loc2) / 2 + 1.5 / 2 * math.exp(-(loc1 - loc2) / 1.5) - 1
        assert written == pytest.approx(kl_laplace(loc1, 1.5, loc2, 2.0), rel=1e-9)


def test_a_region_of_a_positive_parameter():
    """log(sigma) written as abs(log(sigma)): right only for sigma > 1."""
    v = compare_formula("entropy-normal", "log(2*pi*e)/2 + abs(log(sigma))")
    assert v.status == UNDER_ASSUMPTIONS and [f.text for f in v.assumptions] == ["sigma > 1"]


def test_a_formula_that_is_not_real_somewhere():
    """log(mu) for a real mu: complex where mu < 0, so equal only where mu > 0; the value says 'not real'."""
    v = compare_formula("entropy-normal", "log(2*pi*e)/2 + log(abs(mu)*sigma) - log(mu)")
    assert v.status == UNDER_ASSUMPTIONS and [f.text for f in v.assumptions] == ["mu > 0"]
    assert float(v.mismatch.point[compare.target("entropy-normal").params[0]]) < 0
    assert "(not real)" in report(v)


def test_a_formula_that_divides_by_zero_is_refused():
    with pytest.raises(CompareError, match="undefined"):
        compare_formula("entropy-normal", "log(sigma) + 1/(mu - mu)")


# -- --code ---------------------------------------------------------------------------------------------------------

NAIVE = '''import math

def textbook(mu1, sigma1, mu2, sigma2):
    return math.log(sigma2 / sigma1) + (sigma1**2 + (mu1 - mu2)**2) / (2 * sigma2**2) - 0.5

def returns_numpy_array(mu1, sigma1, mu2, sigma2):
    import numpy
    return numpy.asarray([textbook(mu1, sigma1, mu2, sigma2)])

def wrong_names(a, b):
    return 0.0

def raises(mu1, sigma1, mu2, sigma2):
    raise RuntimeError("no")
'''


@pytest.fixture()
def naive(tmp_path):
    path = tmp_path / "naive.py"
    path.write_text(NAIVE)
    return path


def reference(mu1, sigma1, mu2, sigma2):
    """KL of two normals from the float64 inputs, typed here, in 60-digit mpmath."""
    with mpmath.workdps(60):
        m1, s1, m2, s2 = map(mpmath.mpf, (mu1, sigma1, mu2, sigma2))
        return mpmath.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - mpmath.mpf(1) / 2


def test_committed_numpy_module_agrees_within_a_few_ulp():
    v = compare_code("kl-normal-normal", f"{NUMPY_KL}:kl_normal_normal")
    assert v.agrees and v.exit_code == 0, report_code(v)
    assert v.worst.ulp <= 4
    kinds = {s.kind for s in v.samples}
    assert {"random admissible", "near KL = 0, 1e-03", "near KL = 0, 1e-09"} <= kinds
    for s in v.samples:  # the references are right, by a formula typed here
        at = floats(s.point)
        assert rounded(reference(**at)) == rounded(s.reference)


def test_committed_gamma_module_keeps_its_digits_near_kl_zero():
    """Near KL = 0 the emitted kl_gamma_gamma switches to the integral remainder (<= 8 ulp, README); outside that
    window its closed form cancels a little (measured: 29 ulp at concentration 0.9 vs 1.264), which --code reports."""
    v = compare_code("kl-gamma-gamma", f"{NUMPY_KL_GAMMA}:kl_gamma_gamma")
    near = [s for s in v.samples if s.kind.startswith("near KL = 0")]
    assert len(near) == 12 and max(s.ulp for s in near) <= 8, report_code(v)
    assert max(s.ulp for s in v.samples) < 100, report_code(v)


def test_near_zero_points_are_near():
    v = compare_code("kl-normal-normal", f"{NUMPY_KL}:kl_normal_normal")
    for s in v.samples:
        if s.kind.startswith("near KL = 0, "):
            distance = float(s.kind.rpartition(", ")[2])
            at = floats(s.point)
            assert 0 < abs(at["sigma2"] / at["sigma1"] - 1) <= 1.01 * distance
            assert s.reference < 1e-2 * distance  # KL is O(distance^2) there


def test_naive_formula_is_fine_far_away_and_loses_every_digit_near_kl_zero(naive):
    v = compare_code("kl-normal-normal", f"{naive}:textbook")
    assert not v.agrees and v.exit_code == 1
    far = [s for s in v.samples if s.kind == "random admissible"]
    near = [s for s in v.samples if s.kind == "near KL = 0, 1e-09"]
    assert max(s.ulp for s in far) < 1e4
    assert min(s.ulp for s in near) > 1e12
    worst = v.worst
    at = floats(worst.point)
    ref = reference(**at)
    got = worst.got
    assert got == pytest.approx(math.log(at["sigma2"] / at["sigma1"]) + (at["sigma1"] ** 2 + (
        at["mu1"] - at["mu2"]) ** 2) / (2 * at["sigma2"] ** 2) - 0.5, rel=0, abs=0)
    if got != 0:  # the ulp distance, recomputed with numpy's spacing (same binade up to a factor 2)
        in_spacings = abs(got - float(ref)) / np.spacing(abs(float(ref)))
        assert 0.25 <= worst.ulp / in_spacings <= 4 or abs(got) > 2 * abs(float(ref))
    assert float(abs(mpmath.mpf(got) - ref) / abs(ref)) == pytest.approx(float(worst.relative), rel=1e-6)
    text = report_code(v)
    assert "disagrees" in text and "worst point (near KL = 0" in text and "--tol 16" in text


def test_numpy_arrays_are_accepted_and_tol_decides(naive):
    v = compare_code("kl-normal-normal", f"{naive}:returns_numpy_array", tol=1e30)
    assert v.agrees and v.returned == ("float64",)


def test_a_function_that_raises_disagrees_and_says_why(naive):
    v = compare_code("kl-normal-normal", f"{naive}:raises")
    assert not v.agrees and v.worst.error == "RuntimeError: no"
    assert "raised RuntimeError: no" in report_code(v)


def test_ulps_and_rounding():
    assert ulps(1.0, np.nextafter(1.0, 2.0)) == 1
    assert ulps(-0.0, 0.0) == 0
    assert ulps(5e-324, -5e-324) == 2
    assert ulps(float("nan"), 1.0) == float("inf")
    with mpmath.workdps(50):
        x = mpmath.mpf(1) / 3
        assert rounded(x) == 1 / 3
        assert rounded(mpmath.mpf(2) / 3) == 2 / 3  # float() of an mpf truncates; 2/3 rounds up


@pytest.mark.slow
def test_torch_example_disagrees_near_kl_zero():
    pytest.importorskip("torch")
    v = compare_code("kl-normal-normal", f"{REPO / 'examples' / 'torch_kl.py'}:torch_kl_normal_normal")
    assert not v.agrees and v.returned == ("torch.float64",)
    assert max(s.ulp for s in v.samples if s.kind == "random admissible") < 1e4


# -- LaTeX ----------------------------------------------------------------------------------------------------------

LATEX_EQUAL = [
    ("kl-normal-std-normal", r"\frac{1}{2}\left(\mu^2 + \sigma^2 - 1 - \log \sigma^2\right)"),
    ("kl-normal-normal", r"\log\frac{\sigma_2}{\sigma_1} + \frac{\sigma_1^2 + (\mu_1-\mu_2)^2}{2\sigma_2^2} - \frac12"),
]


@pytest.mark.parametrize("name, text", LATEX_EQUAL)
def test_latex_input(name, text):
    pytest.importorskip("derive.audit.latex")
    assert compare_formula(name, text).status == EQUAL


def test_latex_planted_error_and_unknown_name():
    pytest.importorskip("derive.audit.latex")
    v = compare_formula("kl-normal-std-normal", r"\frac{1}{2}\left(\mu^2 + \sigma^2 - 1 - \log \sigma\right)")
    assert v.status != EQUAL
    with pytest.raises(CompareError, match=r"unknown name tau .*derive show kl-normal-std-normal"):
        compare_formula("kl-normal-std-normal", r"\frac{1}{2}\left(\mu^2 + \tau^2\right)")


# -- command line ---------------------------------------------------------------------------------------------------


def run_main(capsys, *args):
    code = main(["compare", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_exit_codes(capsys, naive):
    assert run_main(capsys, "kl-normal-std-normal", "(mu**2 + sigma**2 - 1)/2 - log(sigma)")[0] == 0
    assert run_main(capsys, "kl-normal-std-normal", "(mu**2 + sigma**2 - 1)/2")[0] == 1
    assert run_main(capsys, "kl-normal-normal", "mu1**2/2 + sigma1**2/2 - log(sigma1) - 1/2")[0] == 1
    assert run_main(capsys, "kl-normal-normal", "--code", f"{NUMPY_KL}:kl_normal_normal")[0] == 0
    assert run_main(capsys, "kl-normal-normal", "--code", f"{naive}:textbook")[0] == 1
    assert run_main(capsys, "kl-normal-normal", "--code", f"{naive}:textbook", "--tol", "1e30")[0] == 0


@pytest.mark.parametrize("args, words", [
    (("kl-normal-normal", "mu1 + x"), ["unknown name 'x'", "mu1, mu2, sigma1, sigma2"]),
    (("kl-normal-norml", "mu1"), ["unknown derivation 'kl-normal-norml'", "kl-normal-normal"]),
    (("kl-normal-normal", "mu1 +* 2"), ["invalid syntax", "parameters: mu1, sigma1, mu2, sigma2"]),
    (("kl-normal-normal", "__import__('os')"), ["not allowed"]),
    (("kl-normal-std-normal", r"\frac{1}{2}(\mu^2 + \sigma^2"), ["expected ')'", "parameters: mu, sigma"]),
    (("kl-normal-std-normal", r"\frac{1}{2}\tau^2"), ["unknown name tau", "parameters: mu, sigma"]),
    (("kl-normal-normal",), ["give either the formula EXPR or --code"]),
    (("kl-normal-normal", "mu1", "--code", "x.py:f"), ["give either the formula EXPR or --code"]),
    (("kl-normal-normal", "mu1", "--tol", "3"), ["--tol goes with --code"]),
    (("kl-mvn-mvn", "k"), ["scalar parameters", "kl-normal-normal"]),
    (("kl-normal-normal", "--code", "nofile.py:f"), ["no file 'nofile.py'"]),
    (("kl-normal-normal", "--code", "nocolon.py"), ["FILE.py:FUNC"]),
    (("kl-normal-normal", "--code", "{naive}:nope"), ["no function 'nope'", "textbook", "wrong_names"]),
    (("kl-normal-normal", "--code", "{naive}:wrong_names"), ["cannot take the parameters", "mu1, sigma1, mu2"]),
    (("kl-normal-normal", "--code", "{naive}:textbook", "--tol", "-1"), ["--tol takes a number of ulp >= 0"]),
])
def test_cli_errors_are_one_line_exit_2(capsys, naive, args, words):
    code, out, err = run_main(capsys, *(a.replace("{naive}", str(naive)) for a in args))
    assert code == 2 and out == ""
    assert err.startswith("derive: error: ") and err.count("\n") == 1
    for word in words:
        assert word in err


def test_output_is_deterministic_across_hash_seeds(naive):
    """Both modes in one process per hash seed (the registry loads once); the outputs are byte-identical."""
    code = ("import sys; from derive.cli import main\n"
            "a = main(['compare', 'kl-normal-normal', "
            "'log(sigma1/sigma2) + (sigma2**2 + (mu1 - mu2)**2)/(2*sigma1**2) - 1/2'])\n"
            f"b = main(['compare', 'kl-normal-normal', '--code', {str(naive) + ':textbook'!r}])\n"
            "print(a, b)")
    outs = []
    for seed in ("0", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=REPO)
        assert r.returncode == 0 and r.stdout.endswith("1 1\n"), r.stderr
        outs.append(r.stdout)
    assert outs[0] == outs[1]
    assert "equal only when sigma1 = sigma2" in outs[0] and "disagrees" in outs[0]


def test_the_reference_at_a_removable_singularity_is_its_limit():
    """The continuous Bernoulli's cross-entropy against a normal has terms of size 1/(2p - 1)^3 that cancel at
    p = 1/2: the reference there is the limit (CB(1/2) is U(0, 1): E z = 1/2, E z^2 = 1/3), not 0.9375 (the
    terms' cancellation at 3 x 50 digits with a step of 1e-50)."""
    from derive.compare import Evaluator
    from derive.compare_code import target

    tgt = target("cross-entropy-continuous-bernoulli-normal")
    point = dict(zip(tgt.params, (0.5, -0.023, 0.732)))
    value = Evaluator(tgt.params, 50)(tgt.value, point)
    mu, sigma = -0.023, 0.732
    uniform = 0.5 * math.log(2 * math.pi * sigma**2) + (1 / 3 - mu + mu**2) / (2 * sigma**2)
    assert abs(float(value) - uniform) <= 1e-15 * uniform


def test_the_reference_at_the_end_of_a_support_is_a_one_sided_limit():
    """cross-entropy-uniform-beta at low1 = 0: the closed form's 0·log 0 is nan in mpmath, and low1 - h is outside
    the support (log of a negative number); the reference is the limit from inside, against quadrature of the
    definition. A log of 0 that is not multiplied by 0 stays undefined."""
    tgt = compare.target("cross-entropy-uniform-beta")
    point = {s: v for s, v in zip(tgt.params, (0.0, 0.743, 1.186, 1.839))}
    value = compare.Evaluator(tgt.params, 50)(tgt.value, point)
    a, b = 1.186, 1.839
    with mpmath.workdps(30):
        def log_p(z):
            return (a - 1) * mpmath.log(z) + (b - 1) * mpmath.log(1 - z) - mpmath.log(mpmath.beta(a, b))
        expected = -mpmath.quad(log_p, [0, 0.743]) / mpmath.mpf(0.743)
    assert abs(value - expected) < 1e-20
    from sympy import Symbol, log

    x = Symbol("x", positive=True)
    got = compare.Evaluator((x,), 50)(log(x), {x: 0.0})
    assert isinstance(got, compare.Undefined) or got == -mpmath.inf
