"""Emitted code for multivariate normals (derive/emit/mvn.py): every target and parameterisation runs, agrees with
torch.distributions, scipy.stats and a 50-digit mpmath evaluation of the textbook formula, also where p ≈ q."""

import mpmath
import numpy as np
import pytest
from generated import function

from derive.emit.code import CodeError, emit_module
from derive.emit.params import ParamError
from derive.emit.targets import TARGETS

NAMES = ("entropy-mvn", "cross-entropy-mvn-mvn", "kl-mvn-mvn", "kl-mvn-std-normal")
PAIRS = ("cross-entropy-mvn-mvn", "kl-mvn-mvn")
PARAMS = ("scale_tril", "cov", "precision")
RNG = np.random.default_rng(20261205)


def framework(target):
    fw = pytest.importorskip(target)
    if target == "jax":
        fw.config.update("jax_enable_x64", True)  # else float64 inputs are silently cut to float32
    return fw


def random_tril(k, batch=(), rng=RNG):
    """Lower triangular factors with a positive diagonal, condition numbers of order 10."""
    off = np.tril(rng.normal(size=(*batch, k, k)), -1) / np.sqrt(k)
    return off + np.eye(k) * rng.uniform(0.5, 2.0, size=(*batch, k))[..., None]


def cov_of(tril):
    return tril @ np.swapaxes(tril, -1, -2)


def as_param(tril, param):
    """The same distribution's matrix in ``param`` (precision by solving against the identity, in float64)."""
    if param == "scale_tril":
        return tril
    cov = cov_of(tril)
    if param == "cov":
        return cov
    precision = np.linalg.solve(cov, np.broadcast_to(np.eye(tril.shape[-1]), cov.shape))
    return (precision + np.swapaxes(precision, -1, -2)) / 2


def call(name, fn, mu1, m1, mu2=None, m2=None, **kw):
    return np.asarray(fn(mu1, m1, mu2, m2, **kw) if name in PAIRS else fn(mu1, m1, **kw))


def mp_matrix(a):
    return mpmath.matrix([[mpmath.mpf(float(x)) for x in row] for row in np.asarray(a, dtype=np.float64)])


def mp_vector(a):
    return mpmath.matrix([mpmath.mpf(float(x)) for x in np.asarray(a, dtype=np.float64)])


def mp_cov(a, param):
    """The covariance of the given (float) ``param`` matrix, exactly, as an mpmath matrix at the current precision:
    L Lᵀ, the matrix itself, or the inverse of the precision."""
    m = mp_matrix(a)
    return m * m.T if param == "scale_tril" else m if param == "cov" else m**-1


def exact(name, mu1, a1, mu2=None, a2=None, param="scale_tril"):
    """The textbook closed form at 50 digits with mpmath matrices (inverse and determinant: an independent route)."""
    with mpmath.workdps(50):
        k = len(mu1)
        s1, m1 = mp_cov(a1, param), mp_vector(mu1)
        entropy = k * (1 + mpmath.log(2 * mpmath.pi)) / 2 + mpmath.log(mpmath.det(s1)) / 2
        if name == "entropy-mvn":
            return entropy
        if name == "kl-mvn-std-normal":
            return (sum(s1[i, i] for i in range(k)) - k + (m1.T * m1)[0] - mpmath.log(mpmath.det(s1))) / 2
        s2, d = mp_cov(a2, param), mp_vector(mu2) - m1
        s2inv = s2**-1
        tr = sum((s2inv * s1)[i, i] for i in range(k))
        kl = (tr - k + (d.T * s2inv * d)[0] + mpmath.log(mpmath.det(s2) / mpmath.det(s1))) / 2
        return kl if name == "kl-mvn-mvn" else entropy + kl


@pytest.mark.parametrize("target", list(TARGETS))
@pytest.mark.parametrize("param", PARAMS)
@pytest.mark.parametrize("name", NAMES)
def test_every_module_runs_and_matches_mpmath(name, param, target):
    """All targets and parameterisations give the 50-digit textbook value of their inputs (float64, batch of 6,
    k = 4)."""
    framework(target)
    k = 4
    L1, L2 = random_tril(k, (6,)), random_tril(k, (6,))
    mu1, mu2 = RNG.normal(size=(6, k)), RNG.normal(size=(6, k))
    a1, a2 = as_param(L1, param), as_param(L2, param)
    got = call(name, function(name, target, param), mu1, a1, mu2, a2)
    assert got.shape == (6,) and got.dtype == np.float64
    expected = [float(exact(name, mu1[i], a1[i], mu2[i], a2[i], param)) for i in range(6)]
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0)


def test_default_param_is_scale_tril_and_params_are_checked():
    assert "scale_tril1" in emit_module("kl-mvn-mvn", "numpy")
    assert "def kl_mvn_mvn(mu1, cov1, mu2, cov2, validate=False)" in emit_module("kl-mvn-mvn", "numpy", "cov")
    with pytest.raises(ParamError, match="for kl-mvn-mvn use one of: scale_tril, cov, precision"):
        emit_module("kl-mvn-mvn", "numpy", "sigma")
    with pytest.raises(ParamError, match="for kl-normal-normal use one of: sigma, var, logvar, logstd"):
        emit_module("kl-normal-normal", "numpy", "cov")
    with pytest.raises(CodeError, match="not available for mvn"):
        emit_module("kl-mvn-mvn", "numpy", grad=True)


@pytest.mark.parametrize("target", ["numpy", "torch"])
@pytest.mark.parametrize("k", [1, 3, 16])
def test_agrees_with_torch_distributions_and_scipy(target, k):
    torch = framework("torch")
    from scipy.stats import multivariate_normal
    from torch.distributions import MultivariateNormal, kl_divergence

    L1, L2 = random_tril(k, (20,)), random_tril(k, (20,))
    mu1, mu2 = RNG.normal(size=(20, k)), RNG.normal(size=(20, k))
    q = MultivariateNormal(torch.tensor(mu1), scale_tril=torch.tensor(L1))
    p = MultivariateNormal(torch.tensor(mu2), scale_tril=torch.tensor(L2))
    std = MultivariateNormal(torch.zeros(k, dtype=torch.float64), scale_tril=torch.eye(k, dtype=torch.float64))
    kl = call("kl-mvn-mvn", function("kl-mvn-mvn", target), mu1, L1, mu2, L2)
    entropy = call("entropy-mvn", function("entropy-mvn", target), mu1, L1)
    cross = call("cross-entropy-mvn-mvn", function("cross-entropy-mvn-mvn", target), mu1, L1, mu2, L2)
    kl_std = call("kl-mvn-std-normal", function("kl-mvn-std-normal", target), mu1, L1)
    np.testing.assert_allclose(kl, kl_divergence(q, p).numpy(), rtol=1e-12, atol=0)
    np.testing.assert_allclose(entropy, q.entropy().numpy(), rtol=1e-12, atol=0)
    np.testing.assert_allclose(kl_std, kl_divergence(q, std).numpy(), rtol=1e-12, atol=0)
    np.testing.assert_allclose(cross, entropy + kl, rtol=1e-12, atol=0)
    scipy_entropy = [multivariate_normal(mu1[i], cov_of(L1[i])).entropy() for i in range(20)]
    np.testing.assert_allclose(entropy, scipy_entropy, rtol=1e-12, atol=0)


@pytest.mark.parametrize("target", list(TARGETS))
@pytest.mark.parametrize("param", PARAMS)
def test_batch_dimensions_broadcast(target, param):
    """(3, 1) batch against (4,) batch gives (3, 4), each element the value of its own unbatched call."""
    framework(target)
    k = 3
    L1, L2 = random_tril(k, (3, 1)), random_tril(k, (4,))
    mu1, mu2 = RNG.normal(size=(3, 1, k)), RNG.normal(size=(4, k))
    for name in NAMES:
        fn = function(name, target, param)
        m1, m2 = as_param(L1, param), as_param(L2, param)
        got = call(name, fn, mu1, m1, mu2, m2)
        shape = (3, 4) if name in PAIRS else (3, 1)
        assert got.shape == shape, name
        for i, j in np.ndindex(*shape):
            jj = j if name in PAIRS else 0
            one = call(name, fn, mu1[i, 0], m1[i, 0], mu2[jj], m2[jj])
            np.testing.assert_allclose(got[i, j], one, rtol=1e-13, err_msg=name)
    # a mean with a batch and one shared matrix: the batch shape of torch's MultivariateNormal, also for the entropy
    # (which does not depend on the mean)
    for name in ("kl-mvn-std-normal", "entropy-mvn"):
        got = np.asarray(call(name, function(name, target, param), RNG.normal(size=(5, k)), as_param(L2[0], param)))
        assert got.shape == (5,), name
        assert np.all(got == got[0]) or name != "entropy-mvn"


@pytest.mark.parametrize("target", list(TARGETS))
def test_sizes_that_do_not_match_raise(target):
    """mu of size 2 with a 3x3 factor (or a non-square matrix) is an error naming both shapes, as in torch."""
    framework(target)
    for name in NAMES:
        fn = function(name, target)
        with pytest.raises(ValueError, match=r"mu1? has shape \(2,\) and scale_tril1? \(3, 3\)"):
            call(name, fn, np.zeros(2), np.eye(3), np.zeros(2), np.eye(3))
        with pytest.raises(ValueError, match="must be \\(..., k\\) and \\(..., k, k\\)"):
            call(name, fn, np.zeros(3), np.eye(3)[:, :2], np.zeros(3), np.eye(3)[:, :2])


@pytest.mark.parametrize("target", ["numpy", "torch", "jax"])
def test_integer_inputs_are_promoted(target):
    """Integer arrays give the values of the same numbers as floats (NumPy used to truncate in its solve)."""
    framework(target)
    mu1, mu2 = np.array([0, 1]), np.array([1, -2])
    L1, L2 = np.array([[2, 0], [1, 3]]), np.array([[3, 0], [1, 1]])
    for name in NAMES:
        fn = function(name, target)
        got = float(call(name, fn, mu1, L1, mu2, L2))
        ref = float(exact(name, mu1.astype(float), L1.astype(float), mu2.astype(float), L2.astype(float)))
        assert got == pytest.approx(ref, rel=1e-6), name  # torch promotes to float32


@pytest.mark.parametrize("target", list(TARGETS))
def test_cov_and_precision_read_only_their_lower_triangle(target):
    """As documented (and as Cholesky routines do): junk above the diagonal changes nothing."""
    framework(target)
    k = 3
    L1, L2 = random_tril(k), random_tril(k)
    mu1, mu2 = RNG.normal(size=k), RNG.normal(size=k)
    for param in ("cov", "precision"):
        a1, a2 = as_param(L1, param), as_param(L2, param)
        junk1, junk2 = a1 + np.triu(np.full((k, k), 7.0), 1), a2 + np.triu(np.full((k, k), -5.0), 1)
        for name in NAMES:
            fn = function(name, target, param)
            np.testing.assert_allclose(call(name, fn, mu1, junk1, mu2, junk2), call(name, fn, mu1, a1, mu2, a2),
                                       rtol=1e-12, err_msg=f"{name} {param}")


def near(k, dtype, param, rng):
    """p ≈ q: Σ2 = Σ1 (1 + 1e-4) (L2 = L1 sqrt(1 + 1e-4)), μ2 = μ1 + 1e-6; inputs rounded to ``dtype``."""
    L1 = random_tril(k, rng=rng)
    mu1 = rng.normal(size=k)
    a1, a2 = (as_param(L, param).astype(dtype) for L in (L1, L1 * np.sqrt(1 + 1e-4)))
    return mu1.astype(dtype), a1, (mu1 + 1e-6).astype(dtype), a2


@pytest.mark.parametrize("target", list(TARGETS))
@pytest.mark.parametrize("param", PARAMS)
@pytest.mark.parametrize("dtype, rtol", [("float64", 1e-10), ("float32", 1e-3)])
@pytest.mark.parametrize("k", [3, 16])
def test_near_p_equals_q_against_mpmath(k, dtype, rtol, param, target):
    """Where KL ~ 1e-8 the textbook formula in floating point cancels eight digits; ours must not. The reference is
    the textbook formula at 50 digits on the very inputs the function gets (after rounding to ``dtype``).
    JAX computes float32 in float32 (the others in float64): the terms are non-negative, so that is enough, to
    a few times float32's own limit there: 2.3e-3 for the precision parameter at k = 3 on an AVX-512 machine (XLA's
    code depends on the CPU; 2026-11-27), hence 5e-3 for JAX's float32."""
    framework(target)
    rtol = 5e-3 if (target, dtype) == ("jax", "float32") else rtol
    mu1, a1, mu2, a2 = near(k, dtype, param, np.random.default_rng(k))
    for name in NAMES:
        got = call(name, function(name, target, param), mu1, a1, mu2, a2)
        assert got.dtype == np.dtype(dtype), name
        ref = exact(name, mu1, a1, mu2, a2, param)
        rel = abs(float(got) - ref) / abs(ref)
        assert rel < rtol, (name, float(got), float(ref), rel)
        if name == "kl-mvn-mvn":
            assert 1e-12 < ref < 1e-5  # the regime this test is about


@pytest.mark.parametrize("target", ["numpy", "torch"])
def test_textbook_float64_would_fail_near_p_equals_q(target):
    """The check above can fail: the textbook formula in float64 misses the 1e-10 bound at k = 16."""
    mu1, L1, mu2, L2 = near(16, "float64", "scale_tril", np.random.default_rng(16))
    c1, c2 = cov_of(L1), cov_of(L2)
    inv2 = np.linalg.inv(c2)
    d = mu2 - mu1
    textbook = 0.5 * (np.trace(inv2 @ c1) - 16 + d @ inv2 @ d + np.log(np.linalg.det(c2) / np.linalg.det(c1)))
    ref = exact("kl-mvn-mvn", mu1, L1, mu2, L2)
    assert abs(textbook - ref) / ref > 1e-10
    ours = call("kl-mvn-mvn", function("kl-mvn-mvn", target), mu1, L1, mu2, L2)
    assert abs(float(ours) - ref) / ref < 1e-10


def ill_conditioned(k, rng, condition=1e8):
    """A covariance with eigenvalues from 1 to 1/condition (random rotation), and its Cholesky factor."""
    q, _ = np.linalg.qr(rng.normal(size=(k, k)))
    cov = (q * np.logspace(0, -np.log10(condition), k)) @ q.T
    cov = (cov + cov.T) / 2
    return cov, np.linalg.cholesky(cov)


ILL_CONDITIONED = [pytest.param(t, "float64", 1e-6, id=f"{t}-float64") for t in TARGETS] + [
    pytest.param(t, "float32", 1e-5, id=f"{t}-float32") for t in ("numpy", "torch", "tensorflow")]


@pytest.mark.parametrize("target, dtype, rtol", ILL_CONDITIONED)
@pytest.mark.parametrize("param", ["scale_tril", "cov"])
def test_ill_conditioned_covariance_is_finite_and_accurate(target, dtype, rtol, param):
    """cond(Σ) = 1e8 for both: the value stays finite and within ``rtol`` of the 50-digit textbook value of the very
    (rounded) inputs. Rounding errors are magnified at most ~cond(L) = 1e4 times; a float32 Cholesky of such a cov is
    off by 5%, so a float32 cov is factored in float64, while torch's float32 solves with a scale_tril stay accurate.
    (JAX computes float32 in float32: NaN there, documented.)"""
    framework(target)
    rng = np.random.default_rng(8)
    k = 8
    (c1, L1), (c2, L2) = ill_conditioned(k, rng), ill_conditioned(k, rng)
    mu1, mu2 = rng.normal(size=k), rng.normal(size=k)
    a1, a2 = (L1, L2) if param == "scale_tril" else (c1, c2)
    args = [x.astype(dtype) for x in (mu1, a1, mu2, a2)]
    for name in NAMES:
        got = call(name, function(name, target, param), *args)
        assert got.dtype == np.dtype(dtype) and np.isfinite(got), name
        ref = exact(name, *(x.astype(np.float64) for x in args), param)
        assert abs(float(got) - ref) / abs(ref) < rtol, (name, float(got), float(ref))


@pytest.mark.parametrize("target", list(TARGETS))
def test_validate_raises(target):
    framework(target)
    k = 3
    L = random_tril(k)
    mu = np.zeros(k)
    kl = function("kl-mvn-mvn", target, "scale_tril")
    assert np.isfinite(float(np.asarray(kl(mu, L, mu, L * 2, validate=True))))
    upper = L.copy()
    upper[0, 2] = 0.1
    with pytest.raises(ValueError, match="kl_mvn_mvn: scale_tril2 must be lower triangular"):
        kl(mu, L, mu, upper, validate=True)
    negative = L.copy()
    negative[1, 1] = -1.0
    with pytest.raises(ValueError, match="kl_mvn_mvn: scale_tril1 must have a positive diagonal"):
        kl(mu, negative, mu, L, validate=True)
    for param in ("cov", "precision"):
        fn = function("kl-mvn-std-normal", target, param)
        good = as_param(L, param)
        assert np.isfinite(float(np.asarray(fn(mu, good, validate=True))))
        asymmetric = good.copy()
        asymmetric[2, 0] += 0.5
        with pytest.raises(ValueError, match=f"kl_mvn_std_normal: {param} must be symmetric"):
            fn(mu, asymmetric, validate=True)
        indefinite = good - 10 * np.eye(k) * np.abs(good).max()
        with pytest.raises(ValueError, match=f"kl_mvn_std_normal: {param} must be positive definite"):
            fn(mu, indefinite, validate=True)


@pytest.mark.parametrize("target", ["numpy", "torch", "tensorflow"])
def test_float32_in_float32_out(target):
    framework(target)
    L1, L2 = (random_tril(4, (5,)).astype(np.float32) for _ in range(2))
    mu1, mu2 = (RNG.normal(size=(5, 4)).astype(np.float32) for _ in range(2))
    got = call("kl-mvn-mvn", function("kl-mvn-mvn", target), mu1, L1, mu2, L2)
    assert got.dtype == np.float32
    expected = [float(exact("kl-mvn-mvn", mu1[i], L1[i], mu2[i], L2[i])) for i in range(5)]
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_torch_gradients_agree_with_torch_distributions():
    """Autograd through the emitted kl_mvn_mvn (float64) against autograd through torch's own KL, for the means
    and the lower triangles of the factors (torch's implementation is independent of ours)."""
    torch = pytest.importorskip("torch")
    from torch.distributions import MultivariateNormal, kl_divergence

    k = 4
    L1, L2 = (torch.tensor(random_tril(k, (3,))) for _ in range(2))
    mu1, mu2 = (torch.tensor(RNG.normal(size=(3, k))) for _ in range(2))
    grads = []
    for fn in (function("kl-mvn-mvn", "torch"),
               lambda a, b, c, d: kl_divergence(MultivariateNormal(a, scale_tril=b), MultivariateNormal(c, scale_tril=d))):
        args = [t.clone().requires_grad_(True) for t in (mu1, L1, mu2, L2)]
        fn(*args).sum().backward()
        grads.append([a.grad if a.dim() == 2 else torch.tril(a.grad) for a in args])
    for ours, theirs in zip(*grads):
        torch.testing.assert_close(ours, theirs, rtol=1e-10, atol=1e-12)
