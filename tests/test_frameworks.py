"""Emitted code for every target runs under its framework and agrees with the framework's own KL/entropy."""

import mpmath
import numpy as np
import pytest

from derive.emit.targets import TARGETS
from generated import function, load

DERIVATIONS = ("entropy-normal", "cross-entropy-normal-std-normal", "kl-normal-std-normal",
               "kl-normal-std-normal-diag", "cross-entropy-normal-normal", "kl-normal-normal")
PARAMS = ("sigma", "var", "logvar", "logstd")
RNG = np.random.default_rng(20261126)


def ordinary(n=200, pair=True):
    m1, m2 = RNG.uniform(-3, 3, n), RNG.uniform(-3, 3, n)
    s1, s2 = RNG.uniform(0.1, 10, n), RNG.uniform(0.1, 10, n)
    return (m1, s1, m2, s2) if pair else (m1, s1)


def exact_kl(m1, s1, m2, s2):
    with mpmath.workdps(50):
        return mpmath.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - mpmath.mpf(1) / 2


def as_param(sigma, param):
    return {"sigma": sigma, "var": sigma**2, "logvar": np.log(sigma**2), "logstd": np.log(sigma)}[param]


def framework(target):
    mod = {"numpy": "numpy", "torch": "torch", "jax": "jax", "tensorflow": "tensorflow"}[target]
    return pytest.importorskip(mod)


@pytest.mark.parametrize("target", list(TARGETS))
@pytest.mark.parametrize("param", PARAMS)
@pytest.mark.parametrize("name", DERIVATIONS)
def test_every_module_imports_and_matches_numpy_float64(name, param, target):
    fw = framework(target)
    if target == "jax":
        fw.config.update("jax_enable_x64", True)
    reference = function(name, "numpy", "sigma")
    ours = function(name, target, param)
    m1, s1, m2, s2 = ordinary(50)
    if name in ("kl-normal-normal", "cross-entropy-normal-normal"):
        expected = reference(m1, s1, m2, s2)
        got = ours(m1, as_param(s1, param), m2, as_param(s2, param))
    elif name == "kl-normal-std-normal-diag":
        m, s = m1.reshape(5, 10), s1.reshape(5, 10)
        expected = reference(m, s)
        got = ours(m, as_param(s, param))
    else:
        expected = reference(m1, s1)
        got = ours(m1, as_param(s1, param))
    got = np.asarray(got)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0)


@pytest.mark.parametrize("dtype, rtol", [("float32", 1e-6), ("float64", 1e-12)])
@pytest.mark.parametrize("param", ["sigma", "logvar"])
def test_torch_kl_agrees_with_torch_distributions(dtype, rtol, param):
    torch = pytest.importorskip("torch")
    from torch.distributions import Normal, kl_divergence

    kl = function("kl-normal-normal", "torch", param)
    m1, s1, m2, s2 = (torch.as_tensor(a, dtype=getattr(torch, dtype)) for a in ordinary(500))
    if param == "sigma":
        args = (s1, s2)
    else:  # the logvar inputs are the given floats; torch.distributions gets exp(logvar/2) rounded
        args = (torch.log(s1**2), torch.log(s2**2))
        s1, s2 = torch.exp(args[0] / 2), torch.exp(args[1] / 2)
    theirs = kl_divergence(Normal(m1, s1), Normal(m2, s2))
    ours = kl(m1, args[0], m2, args[1])
    assert ours.dtype == getattr(torch, dtype)
    agree = (ours - theirs).abs() <= rtol * theirs.abs()
    # Where they differ by more than rtol, torch.distributions has lost digits to cancellation (small KL):
    # ours must then be the closer one to the exact value of its inputs (mpmath, 50 digits).
    for i in torch.nonzero(~agree).flatten().tolist():
        m_1, m_2 = (mpmath.mpf(float(t[i])) for t in (m1, m2))
        if param == "sigma":
            ours_exact = theirs_exact = exact_kl(m_1, mpmath.mpf(float(s1[i])), m_2, mpmath.mpf(float(s2[i])))
        else:
            lv1, lv2 = (mpmath.mpf(float(t[i])) for t in args)
            ours_exact = exact_kl(m_1, mpmath.exp(lv1 / 2), m_2, mpmath.exp(lv2 / 2))
            theirs_exact = exact_kl(m_1, mpmath.mpf(float(s1[i])), m_2, mpmath.mpf(float(s2[i])))
        assert abs(float(ours[i]) - ours_exact) < abs(float(theirs[i]) - theirs_exact), i
    assert agree.float().mean() > 0.9


@pytest.mark.parametrize("dtype, rtol", [("float32", 1e-6), ("float64", 1e-12)])
def test_torch_entropy_and_std_normal_kl_agree_with_torch_distributions(dtype, rtol):
    torch = pytest.importorskip("torch")
    from torch.distributions import Normal, kl_divergence

    m, s = (torch.as_tensor(a, dtype=getattr(torch, dtype)) for a in ordinary(500, pair=False))
    # a value near 0 (entropy at sigma near 0.24, KL near N(0, 1)) has no relative accuracy in float32 in torch
    atol = 1e-6 if dtype == "float32" else 0
    torch.testing.assert_close(function("entropy-normal", "torch")(m, s), Normal(m, s).entropy(), rtol=rtol,
                               atol=atol)
    std = Normal(torch.zeros_like(m), torch.ones_like(s))
    torch.testing.assert_close(function("kl-normal-std-normal", "torch")(m, s), kl_divergence(Normal(m, s), std),
                               rtol=rtol, atol=atol)  # torch's float32 KL near 0 cancels (ours is tested in ulp)


@pytest.mark.parametrize("target", ["jax", "tensorflow"])
def test_float32_agrees_with_numpy(target):
    fw = framework(target)
    kl_np = function("kl-normal-normal", "numpy", "logvar")
    kl = function("kl-normal-normal", target, "logvar")
    m1, s1, m2, s2 = (a.astype(np.float32) for a in ordinary(300))
    lv1, lv2 = np.log(s1**2), np.log(s2**2)
    got = np.asarray(kl(m1, lv1, m2, lv2))
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, kl_np(m1, lv1, m2, lv2), rtol=1e-6)
    assert fw is not None


@pytest.mark.parametrize("target", list(TARGETS))
def test_reduce_options(target):
    framework(target)
    kl = function("kl-normal-std-normal-diag", target, "logvar")
    m = RNG.normal(size=(4, 6))
    lv = RNG.normal(size=(4, 6))
    none = np.asarray(kl(m, lv, reduce="none"))
    assert none.shape == (4, 6)
    np.testing.assert_allclose(np.asarray(kl(m, lv)), none.sum(-1), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(kl(m, lv, reduce="mean")), none.mean(-1), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(kl(m, lv, axis=0)), none.sum(0), rtol=1e-12)
    with pytest.raises(ValueError, match="reduce must be one of sum, mean, none"):
        kl(m, lv, reduce="max")


@pytest.mark.parametrize("target", list(TARGETS))
def test_validate_raises_on_nonpositive_scale(target):
    framework(target)
    kl = function("kl-normal-normal", target, "sigma")
    ok = kl(np.array([0.0]), np.array([1.0]), np.array([0.5]), np.array([2.0]), validate=True)
    assert np.isfinite(np.asarray(ok)).all()
    with pytest.raises(ValueError, match="kl_normal_normal: sigma2 must be positive"):
        kl(np.array([0.0]), np.array([1.0]), np.array([0.5]), np.array([-2.0]), validate=True)
    # without validate the framework's own rules apply: log of a negative ratio is NaN
    with np.errstate(all="ignore"):
        assert np.isnan(np.asarray(kl(np.array([0.0]), np.array([1.0]), np.array([0.5]), np.array([-2.0])))).all()


def test_numpy_integer_inputs_are_promoted():
    kl = function("kl-normal-normal", "numpy", "sigma")
    assert kl(0, 1, 1, 2).dtype == np.float64
    np.testing.assert_allclose(kl(0, 1, 1, 2), np.log(2) + 2 / 8 - 0.5, rtol=1e-15)


def test_mismatched_shapes_raise():
    kl = function("kl-normal-normal", "numpy", "sigma")
    with pytest.raises(ValueError):
        kl(np.zeros(3), np.ones(4), np.zeros(3), np.ones(3))


def test_gradient_functions_match_finite_differences():
    mod = load("kl-normal-normal", "numpy", "logvar", grad=True)
    args = dict(mu1=0.3, logvar1=0.7, mu2=-0.4, logvar2=-0.2)
    for name in args:
        g = getattr(mod, f"kl_normal_normal_grad_{name}")(**args)
        h = 1e-6
        up, down = dict(args), dict(args)
        up[name] += h
        down[name] -= h
        fd = (mod.kl_normal_normal(**up) - mod.kl_normal_normal(**down)) / (2 * h)
        assert abs(g - fd) < 1e-8 * max(1, abs(fd)), name


@pytest.mark.parametrize("target", ["numpy", "torch"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_blockwise_evaluation_matches_small_calls(target, dtype):
    """Inputs larger than a block (and broadcast) give the values of small, one-piece calls, bit for bit."""
    framework(target)
    kl = function("kl-normal-normal", target, "sigma")
    m1 = RNG.normal(size=(400, 1)).astype(dtype)
    s1 = RNG.uniform(0.1, 3, size=(400, 1)).astype(dtype)
    m2 = RNG.normal(size=(1, 500)).astype(dtype)
    s2 = RNG.uniform(0.1, 3, size=(1, 500)).astype(dtype)
    big = np.asarray(kl(m1, s1, m2, s2))  # 200,000 elements: several blocks
    assert big.shape == (400, 500) and big.dtype == np.dtype(dtype)
    rows = np.stack([np.asarray(kl(m1[i], s1[i], m2[0], s2[0])) for i in range(0, 400, 37)])
    np.testing.assert_array_equal(big[::37], rows)

    diag = function("kl-normal-std-normal-diag", target, "logvar")
    m, lv = RNG.normal(size=(3000, 64)).astype(dtype), RNG.normal(size=(3000, 64)).astype(dtype)
    summed = np.asarray(diag(m, lv))
    per_row = np.array([np.asarray(diag(m[i], lv[i])) for i in range(0, 3000, 101)])
    np.testing.assert_allclose(summed[::101], per_row, rtol=4 * np.finfo(dtype).eps)


def test_torch_float32_traces_whole_under_torch_compile():
    """Eager float32 recomputes the rare |x| < 2**-12 elements in place (mask.any() is a graph break); under
    torch.compile the helper takes its where() form, so the function traces as one graph and gives the same values."""
    torch = pytest.importorskip("torch")
    kl = function("kl-normal-normal", "torch", "sigma")
    s1 = torch.tensor([1.0, 1.0, 2.0, 0.5], dtype=torch.float32)
    s2 = s1 * torch.tensor([1.0, 1 + 2**-20, 1.0001, 3.0])  # x = 2 log(s1/s2): 0, tiny, small, ordinary
    m1, m2 = torch.zeros(4), torch.tensor([0.0, 1e-6, 1e-3, 1.0])
    traced = torch.compile(kl, backend="eager", fullgraph=True)  # dynamo tracing, no C++ toolchain needed
    eager = kl(m1, s1, m2, s2)
    assert (s1 / s2 != 1).sum() == 3 and eager[0] == 0
    torch.testing.assert_close(traced(m1, s1, m2, s2), eager, rtol=0, atol=0)


@pytest.mark.parametrize("target", list(TARGETS))
def test_values_and_gradients_have_the_shape_of_all_arguments(target):
    """The entropy does not depend on mu, and its derivative in mu is 0: both still come out with the broadcast
    shape of all arguments and a float dtype (as torch.distributions.Normal(mu, sigma).entropy() does), small or
    large (blockwise) alike."""
    framework(target)
    mod = load("entropy-normal", target, "sigma", grad=True)
    for mu, sigma in ((np.zeros((2, 1)), np.full(3, 2.0)), (np.zeros(70000), np.ones(1)),
                      (np.zeros(4, np.float32), np.float32(1.5) * np.ones(1, np.float32))):
        shape = np.broadcast_shapes(mu.shape, sigma.shape)
        value = np.asarray(mod.entropy_normal(mu, sigma))
        assert value.shape == shape and value.dtype == mu.dtype
        np.testing.assert_allclose(value, np.broadcast_to(0.5 * np.log(2 * np.pi * np.e * sigma**2), shape),
                                   rtol=1e-6)
        d_mu = np.asarray(mod.entropy_normal_grad_mu(mu, sigma))
        assert d_mu.shape == shape and d_mu.dtype == mu.dtype and not d_mu.any()


def test_torch_float32_works_under_vmap_and_jacrev():
    """The in-place recomputation branches on the data; under functorch transforms the where() form is used, so
    vmap and jacrev work and give the eager values (checked against mpmath: d/dsigma2 of the exact KL)."""
    torch = pytest.importorskip("torch")
    kl = function("kl-normal-normal", "torch", "sigma")
    s1 = torch.tensor([1.0, 1.0, 2.0, 0.5], dtype=torch.float32)
    s2 = s1 * torch.tensor([1.0, 1 + 2**-20, 1.0001, 3.0])
    m1, m2 = torch.zeros(4), torch.tensor([0.0, 1e-6, 1e-3, 1.0])
    torch.testing.assert_close(torch.func.vmap(kl)(m1, s1, m2, s2), kl(m1, s1, m2, s2), rtol=0, atol=0)
    jac = torch.func.jacrev(kl, argnums=3)(m1, s1, m2, s2).diagonal()
    for i in range(4):
        a, b, c, e = (float(t[i]) for t in (m1, s1, m2, s2))
        with mpmath.workdps(30):
            exact = mpmath.diff(lambda x: exact_kl(a, b, c, x), mpmath.mpf(e))
        assert float(jac[i]) == pytest.approx(float(exact), rel=1e-5, abs=1e-12), i


def test_documented_bad_input_behaviour_torch():
    torch = pytest.importorskip("torch")
    kl = function("kl-normal-normal", "torch", "sigma")
    # integer tensors are promoted to torch's default float dtype
    out = kl(torch.tensor([0]), torch.tensor([1]), torch.tensor([1]), torch.tensor([2]))
    assert out.dtype == torch.get_default_dtype()
    torch.testing.assert_close(out, torch.tensor([float(np.log(2) + 2 / 8 - 0.5)]))
    with pytest.raises(RuntimeError):
        kl(torch.zeros(3), torch.ones(4), torch.zeros(3), torch.ones(3))
    assert torch.isnan(kl(torch.zeros(1), torch.ones(1), torch.zeros(1), -torch.ones(1))).all()


def test_documented_bad_input_behaviour_jax():
    jax = pytest.importorskip("jax")
    kl = function("kl-normal-normal", "jax", "sigma")
    out = kl(jax.numpy.array([0]), jax.numpy.array([1]), jax.numpy.array([1]), jax.numpy.array([2]))
    assert jax.numpy.issubdtype(out.dtype, jax.numpy.floating)
    np.testing.assert_allclose(np.asarray(out), np.log(2) + 2 / 8 - 0.5, rtol=1e-6)
    with pytest.raises(TypeError):
        kl(np.zeros(3), np.ones(4), np.zeros(3), np.ones(3))


def test_documented_bad_input_behaviour_tensorflow():
    tf = pytest.importorskip("tensorflow")
    kl = function("kl-normal-normal", "tensorflow", "sigma")
    with pytest.raises(Exception, match="(?i)int|dtype|type"):
        kl(tf.constant([0]), tf.constant([1]), tf.constant([1]), tf.constant([2]))
    with pytest.raises(tf.errors.InvalidArgumentError):
        kl(np.zeros(3), np.ones(4), np.zeros(3), np.ones(3))
