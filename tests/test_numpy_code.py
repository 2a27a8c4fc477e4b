"""The emitted NumPy code, checked against references that do not share its derivation.

Every module is rendered afresh with ``derive.emit.code.emit_module`` into a temporary directory and imported
from there, so these tests exercise what ``derive build`` would write, not the committed files under ``output/``.

Numerical references are the *defining integrals* evaluated by quadrature with the normal density written out
directly (mpmath at 30 digits, and SciPy's float64 ``quad`` as a second opinion), plus SciPy's own closed-form
normal entropy. None of them uses SymPy or any closed form produced by ``derive``.
"""

from __future__ import annotations

import importlib.util
import inspect
import math

import numpy as np
import pytest
import scipy.integrate
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st
from generated import is_formatted
from mpmath import mp

from derive.emit.code import emit_module

# derivation name -> (function name, [(parameter name, default or inspect.Parameter.empty), ...])
EMPTY = inspect.Parameter.empty
CONTRACT = {
    "entropy-normal": ("entropy_normal", [("mu", EMPTY), ("sigma", EMPTY)]),
    "cross-entropy-normal-std-normal": ("cross_entropy_normal_std_normal", [("mu", EMPTY), ("sigma", EMPTY)]),
    "kl-normal-std-normal": ("kl_normal_std_normal", [("mu", EMPTY), ("sigma", EMPTY)]),
    "kl-normal-std-normal-diag": (
        "kl_normal_std_normal_diag",
        [("mu", EMPTY), ("sigma", EMPTY), ("axis", -1), ("reduce", "sum")],
    ),
    "cross-entropy-normal-normal": (
        "cross_entropy_normal_normal",
        [("mu1", EMPTY), ("sigma1", EMPTY), ("mu2", EMPTY), ("sigma2", EMPTY)],
    ),
    "kl-normal-normal": ("kl_normal_normal", [("mu1", EMPTY), ("sigma1", EMPTY), ("mu2", EMPTY), ("sigma2", EMPTY)]),
}
NAMES = tuple(CONTRACT)

RTOL = 1e-12
# Only matters if a reference value happens to be ~0 (e.g. the entropy near sigma = 1/sqrt(2*pi*e)).
ATOL = 1e-15
N_POINTS = 12


# ---- loading the generated code -----------------------------------------------------------------------------


def _load(name: str, directory):
    """Render the module for derivation `name` into `directory`, import it, return (module, source)."""
    fname = CONTRACT[name][0]
    source = emit_module(name, "numpy")
    path = directory / f"{fname}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(f"_generated_{fname}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module, source


def _function(name: str, tmp_path):
    module, _ = _load(name, tmp_path)
    return getattr(module, CONTRACT[name][0])


# ---- independent references ---------------------------------------------------------------------------------


def _mp_pdf(m, s):
    """The normal density of N(m, s^2), written out: z -> exp(-(z - m)^2 / (2 s^2)) / sqrt(2 pi s^2)."""
    two_var = 2 * s**2
    norm = 1 / mp.sqrt(mp.pi * two_var)
    return lambda z: norm * mp.exp(-((z - m) ** 2) / two_var)


def _mp_quad(integrand, centre):
    value, err = mp.quad(integrand, [-mp.inf, centre, mp.inf], error=True)
    assert err < mp.mpf(10) ** -20, f"mpmath quadrature did not converge (error estimate {err})"
    return value


def ref_entropy(mu, sigma):
    """-∫ q log q, q = N(mu, sigma^2)."""
    with mp.workdps(30):
        m, s = mp.mpf(mu), mp.mpf(sigma)
        q = _mp_pdf(m, s)

        def f(z):
            qz = q(z)
            return -qz * mp.log(qz)

        return float(_mp_quad(f, m))


def ref_cross_entropy(mu1, sigma1, mu2, sigma2):
    """-∫ q log p, q = N(mu1, sigma1^2), p = N(mu2, sigma2^2)."""
    with mp.workdps(30):
        m1, s1, m2, s2 = (mp.mpf(x) for x in (mu1, sigma1, mu2, sigma2))
        q, p = _mp_pdf(m1, s1), _mp_pdf(m2, s2)
        return float(_mp_quad(lambda z: -q(z) * mp.log(p(z)), m1))


def ref_kl(mu1, sigma1, mu2, sigma2):
    """∫ q log(q / p), q = N(mu1, sigma1^2), p = N(mu2, sigma2^2)."""
    with mp.workdps(30):
        m1, s1, m2, s2 = (mp.mpf(x) for x in (mu1, sigma1, mu2, sigma2))
        q, p = _mp_pdf(m1, s1), _mp_pdf(m2, s2)

        def f(z):
            qz = q(z)
            return qz * mp.log(qz / p(z))

        return float(_mp_quad(f, m1))


def scipy_cross_entropy(mu1, sigma1, mu2, sigma2):
    """-∫ q log p in float64 with SciPy's normal logpdf (tails beyond 20 sigma1 contribute < 1e-80)."""
    q, p = scipy.stats.norm(mu1, sigma1), scipy.stats.norm(mu2, sigma2)
    value, _ = scipy.integrate.quad(
        lambda z: -q.pdf(z) * p.logpdf(z), mu1 - 20 * sigma1, mu1 + 20 * sigma1, points=[mu1],
        epsabs=0, epsrel=1e-13, limit=200,
    )
    return value


def scipy_kl(mu1, sigma1, mu2, sigma2):
    """∫ q (log q - log p) in float64 with SciPy's normal logpdf."""
    q, p = scipy.stats.norm(mu1, sigma1), scipy.stats.norm(mu2, sigma2)

    def f(z):
        lq = q.logpdf(z)
        return math.exp(lq) * (lq - p.logpdf(z))

    value, _ = scipy.integrate.quad(
        f, mu1 - 20 * sigma1, mu1 + 20 * sigma1, points=[mu1], epsabs=0, epsrel=1e-13, limit=200
    )
    return value


def _close(actual, expected, rtol=RTOL, atol=ATOL):
    return abs(float(actual) - expected) <= rtol * abs(expected) + atol


def _points(n_params: int, seed: int):
    """N_POINTS rows of (mu, sigma[, mu, sigma]) with mu in [-3, 3], sigma in [0.2, 4]."""
    rng = np.random.default_rng(seed)
    cols = []
    for _ in range(n_params // 2):
        cols.append(rng.uniform(-3.0, 3.0, N_POINTS))
        cols.append(rng.uniform(0.2, 4.0, N_POINTS))
    return [tuple(float(c[i]) for c in cols) for i in range(N_POINTS)]


# ---- 1. names and signatures --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_function_name_and_signature(name, tmp_path):
    module, _ = _load(name, tmp_path)
    fname, expected = CONTRACT[name]
    assert hasattr(module, fname), f"{fname} not defined in the module generated for {name}"
    fn = getattr(module, fname)
    assert callable(fn)
    assert fn.__name__ == fname
    assert module.__all__ == [fname]
    params = list(inspect.signature(fn).parameters.values())
    # the contract's arguments, then the optional validate flag (issue 4)
    assert [(p.name, p.default) for p in params] == expected + [("validate", False)]
    assert all(p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD for p in params)


# ---- 2. values against the defining integrals ---------------------------------------------------------------

# derivation name -> (mpmath reference taking the function's positional arguments, seed)
UNIVARIATE_REFERENCES = {
    "entropy-normal": (ref_entropy, 1),
    "cross-entropy-normal-std-normal": (lambda m, s: ref_cross_entropy(m, s, 0.0, 1.0), 2),
    "kl-normal-std-normal": (lambda m, s: ref_kl(m, s, 0.0, 1.0), 3),
    "cross-entropy-normal-normal": (ref_cross_entropy, 4),
    "kl-normal-normal": (ref_kl, 5),
}


@pytest.mark.parametrize("name", tuple(UNIVARIATE_REFERENCES))
def test_values_match_mpmath_quadrature(name, tmp_path):
    fn = _function(name, tmp_path)
    reference, seed = UNIVARIATE_REFERENCES[name]
    n_params = len(CONTRACT[name][1])
    failures = []
    for args in _points(n_params, seed):
        got, want = fn(*args), reference(*args)
        assert np.ndim(got) == 0
        if not _close(got, want):
            failures.append((args, float(got), want))
    assert not failures, f"{name}: (args, generated, quadrature) mismatches: {failures}"


def test_entropy_matches_scipy(tmp_path):
    fn = _function("entropy-normal", tmp_path)
    for mu, sigma in _points(2, 7):
        want = float(scipy.stats.norm(mu, sigma).entropy())
        assert _close(fn(mu, sigma), want), (mu, sigma, fn(mu, sigma), want)


def test_entropy_vectorised_matches_scipy(tmp_path):
    fn = _function("entropy-normal", tmp_path)
    rng = np.random.default_rng(8)
    mu = rng.uniform(-3.0, 3.0, 50)
    sigma = rng.uniform(0.2, 4.0, 50)
    np.testing.assert_allclose(fn(mu, sigma), scipy.stats.norm(mu, sigma).entropy(), rtol=RTOL, atol=ATOL)


def test_cross_entropy_normal_normal_matches_scipy_quad(tmp_path):
    fn = _function("cross-entropy-normal-normal", tmp_path)
    for args in _points(4, 9):
        got, want = fn(*args), scipy_cross_entropy(*args)
        assert _close(got, want, rtol=1e-10, atol=1e-12), (args, got, want)


@pytest.mark.parametrize(
    "name, reference",
    [
        ("kl-normal-normal", scipy_kl),
        ("kl-normal-std-normal", lambda m, s: scipy_kl(m, s, 0.0, 1.0)),
        ("cross-entropy-normal-std-normal", lambda m, s: scipy_cross_entropy(m, s, 0.0, 1.0)),
    ],
)
def test_kl_and_cross_entropy_match_scipy_quad(name, reference, tmp_path):
    # scipy has no closed-form normal KL (scipy.stats.entropy is for discrete distributions), so SciPy's float64
    # quadrature of the defining integral with norm.logpdf is the second reference.
    fn = _function(name, tmp_path)
    for args in _points(len(CONTRACT[name][1]), 10)[:6]:
        got, want = fn(*args), reference(*args)
        assert _close(got, want, rtol=1e-10, atol=1e-12), (args, got, want)


def test_known_values(tmp_path):
    """Hand-checkable values: KL of a distribution from itself is 0; H(N(0,1)) = (1 + log 2π) / 2."""
    h = _function("entropy-normal", tmp_path)
    kl_std = _function("kl-normal-std-normal", tmp_path)
    kl = _function("kl-normal-normal", tmp_path)
    ce_std = _function("cross-entropy-normal-std-normal", tmp_path)
    assert h(0.0, 1.0) == pytest.approx(0.5 * (1 + math.log(2 * math.pi)), rel=1e-15)
    assert ce_std(0.0, 1.0) == pytest.approx(0.5 * (1 + math.log(2 * math.pi)), rel=1e-15)
    assert kl_std(0.0, 1.0) == 0.0
    assert kl(1.5, 2.0, 1.5, 2.0) == 0.0
    # KL(N(0,1) || N(0, 2^2)) = log 2 + 1/8 - 1/2; KL(N(1,1) || N(0,1)) = 1/2.
    assert kl(0.0, 1.0, 0.0, 2.0) == pytest.approx(math.log(2) + 0.125 - 0.5, rel=1e-14)
    assert kl_std(1.0, 1.0) == pytest.approx(0.5, rel=1e-15)


# ---- 3. broadcasting ----------------------------------------------------------------------------------------


def test_kl_normal_normal_broadcasts(tmp_path):
    fn = _function("kl-normal-normal", tmp_path)
    rng = np.random.default_rng(11)
    mu1, sigma1 = rng.uniform(-3, 3, (5, 1)), rng.uniform(0.2, 4, (5, 1))
    mu2, sigma2 = rng.uniform(-3, 3, (1, 3)), rng.uniform(0.2, 4, (1, 3))
    out = fn(mu1, sigma1, mu2, sigma2)
    assert out.shape == (5, 3)
    for i, j in [(0, 0), (4, 2), (2, 1)]:
        want = ref_kl(mu1[i, 0], sigma1[i, 0], mu2[0, j], sigma2[0, j])
        assert _close(out[i, j], want), (i, j, out[i, j], want)
    # every entry is the scalar call on the corresponding arguments
    for i in range(5):
        for j in range(3):
            assert out[i, j] == pytest.approx(fn(mu1[i, 0], sigma1[i, 0], mu2[0, j], sigma2[0, j]), rel=1e-15)


def test_kl_diag_axis(tmp_path):
    fn = _function("kl-normal-std-normal-diag", tmp_path)
    rng = np.random.default_rng(12)
    mu = rng.uniform(-3, 3, (4, 6))
    sigma = rng.uniform(0.2, 4, (4, 6))

    last = fn(mu, sigma, axis=-1)
    assert last.shape == (4,)
    assert fn(mu, sigma).shape == (4,)  # default axis is -1
    np.testing.assert_array_equal(fn(mu, sigma), last)
    for i in (0, 3):
        want = math.fsum(ref_kl(mu[i, j], sigma[i, j], 0.0, 1.0) for j in range(6))
        assert _close(last[i], want), (i, last[i], want)

    first = fn(mu, sigma, axis=0)
    assert first.shape == (6,)
    want = math.fsum(ref_kl(mu[i, 2], sigma[i, 2], 0.0, 1.0) for i in range(4))
    assert _close(first[2], want), (first[2], want)
    # both reductions add up the same 24 terms
    assert last.sum() == pytest.approx(first.sum(), rel=1e-13)


def test_kl_diag_broadcasts_before_reducing(tmp_path):
    """A shared scale of shape (3,) broadcasts against means of shape (4, 3)."""
    fn = _function("kl-normal-std-normal-diag", tmp_path)
    mu = np.linspace(-2, 2, 12).reshape(4, 3)
    sigma = np.linspace(0.5, 3, 3)
    out = fn(mu, sigma)
    assert out.shape == (4,)
    want = math.fsum(ref_kl(mu[1, j], sigma[j], 0.0, 1.0) for j in range(3))
    assert _close(out[1], want), (out[1], want)


# ---- 4. source hygiene --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_source_is_formatted_compiles_and_documents_its_derivation(name, tmp_path):
    module, source = _load(name, tmp_path)
    assert is_formatted(source)
    compile(source, f"{CONTRACT[name][0]}.py", "exec")
    assert module.__doc__ is not None and f"``{name}``" in module.__doc__
    assert (tmp_path / f"{CONTRACT[name][0]}.py").read_text(encoding="utf-8") == source


# ---- 5. property test ---------------------------------------------------------------------------------------

_MU = st.floats(min_value=-10, max_value=10, allow_nan=False, allow_infinity=False)
_SIGMA = st.floats(min_value=0.1, max_value=10, allow_nan=False, allow_infinity=False)


@pytest.fixture(scope="module")
def kl_normal_normal(tmp_path_factory):
    module, _ = _load("kl-normal-normal", tmp_path_factory.mktemp("kl_normal_normal"))
    return module.kl_normal_normal


@settings(max_examples=50, deadline=None)
@given(mu1=_MU, sigma1=_SIGMA, mu2=_MU, sigma2=_SIGMA)
def test_kl_normal_normal_is_zero_on_the_diagonal_and_nonnegative(kl_normal_normal, mu1, sigma1, mu2, sigma2):
    assert abs(kl_normal_normal(mu1, sigma1, mu1, sigma1)) <= 1e-12
    value = kl_normal_normal(mu1, sigma1, mu2, sigma2)
    assert np.isfinite(value)
    assert value >= -1e-12


def test_plain_lists_are_accepted(tmp_path):
    entropy = _function("entropy-normal", tmp_path)
    diag = _function("kl-normal-std-normal-diag", tmp_path)
    got = entropy([0, 1], [1.0, 2.0])
    assert np.allclose(got, [scipy.stats.norm(0, 1).entropy(), scipy.stats.norm(1, 2).entropy()], rtol=1e-12)
    assert diag([[0.0, 1.0]], [[1.0, 2.0]]).shape == (1,)


def test_tiny_and_huge_scales_stay_finite(tmp_path):
    # log(sigma**2) would underflow/overflow; the emitted code uses 2*log(sigma).
    entropy = _function("entropy-normal", tmp_path)
    kl = _function("kl-normal-std-normal", tmp_path)
    for sigma in (1e-170, 1e150):
        expected = float(mp.log(2 * mp.pi * mp.e) / 2 + mp.log(mp.mpf(sigma)))
        assert _close(entropy(0.0, sigma), expected)
    expected = float(-(1 + 2 * mp.log(mp.mpf("1e-170")) - mp.mpf("1e-170") ** 2) / 2)
    assert _close(kl(0.0, 1e-170), expected)
