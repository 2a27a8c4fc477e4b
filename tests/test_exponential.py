"""The exponential family (first family beyond the normal): its code agrees with torch.distributions, scipy.stats
and mpmath, in every target, and stays accurate where the KL goes to zero."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

from derive.emit.code import emit_module
from derive.emit.params import ParamError
from derive.emit.targets import TARGETS
from generated import function

RNG = np.random.default_rng(20261126)
NAMES = ("entropy-exponential", "cross-entropy-exponential-exponential", "kl-exponential-exponential")


def exact(name, r1, r2=None):
    """The defining integral by mpmath quadrature (50 digits), with the density written out here."""
    with mpmath.workdps(50):
        r1 = mpmath.mpf(float(r1))
        q = lambda z: r1 * mpmath.exp(-r1 * z)  # noqa: E731
        log_p = (lambda z: mpmath.log(r1) - r1 * z) if r2 is None else (
            lambda z: mpmath.log(mpmath.mpf(float(r2))) - mpmath.mpf(float(r2)) * z)
        cross = -mpmath.quad(lambda z: q(z) * log_p(z), [0, 1 / r1, mpmath.inf])
        if name != "kl-exponential-exponential":
            return cross
        return cross + mpmath.quad(lambda z: q(z) * (mpmath.log(r1) - r1 * z), [0, 1 / r1, mpmath.inf])


def call(name, fn, r1, r2):
    return np.asarray(fn(r1) if name == "entropy-exponential" else fn(r1, r2))


@pytest.mark.parametrize("target", list(TARGETS))
@pytest.mark.parametrize("name", NAMES)
def test_every_target_matches_the_defining_integral(name, target):
    pytest.importorskip({"numpy": "numpy", "torch": "torch", "jax": "jax", "tensorflow": "tensorflow"}[target])
    r1, r2 = RNG.uniform(0.1, 10, 5), RNG.uniform(0.1, 10, 5)
    got = call(name, function(name, target), r1, r2)
    expected = [float(exact(name, a, None if name == "entropy-exponential" else b)) for a, b in zip(r1, r2)]
    # JAX computes in float32 unless x64 is enabled
    np.testing.assert_allclose(got, expected, rtol=1e-6 if target == "jax" else 1e-12)


def test_numpy_agrees_with_torch_distributions_and_scipy():
    torch = pytest.importorskip("torch")
    scipy_stats = pytest.importorskip("scipy.stats")
    from torch.distributions import Exponential, kl_divergence

    r1, r2 = RNG.uniform(0.1, 10, 50), RNG.uniform(0.1, 10, 50)
    kl = function("kl-exponential-exponential")(r1, r2)
    theirs = kl_divergence(Exponential(torch.tensor(r1)), Exponential(torch.tensor(r2))).numpy()
    # torch's -log(r) + r - 1 cancels where the KL is small (absolute error ~1e-16 of its terms)
    np.testing.assert_allclose(kl, theirs, rtol=1e-12, atol=1e-14)
    entropy = function("entropy-exponential")(r1)
    np.testing.assert_allclose(entropy, Exponential(torch.tensor(r1)).entropy().numpy(), rtol=1e-12)
    np.testing.assert_allclose(entropy, scipy_stats.expon(scale=1 / r1).entropy(), rtol=1e-12)
    np.testing.assert_allclose(function("cross-entropy-exponential-exponential")(r1, r2), entropy + kl, rtol=1e-12)


@pytest.mark.parametrize("dtype, step", [("float64", 1e-8), ("float32", 1e-5)])
def test_kl_near_zero_within_4_ulp(dtype, step):
    """rate2 = rate1 (1 + step): the KL is ~step²/2 and the textbook formula cancels most digits; ours keeps them."""
    r1 = RNG.uniform(0.1, 10, 20).astype(dtype)
    r2 = (r1.astype(np.float64) * (1 + step)).astype(dtype)
    got = function("kl-exponential-exponential")(r1, r2)
    assert got.dtype == np.dtype(dtype)
    with mpmath.workdps(60):
        truth = [mpmath.log(mpmath.mpf(float(a)) / mpmath.mpf(float(b))) + mpmath.mpf(float(b)) / mpmath.mpf(float(a))
                 - 1 for a, b in zip(r1, r2)]
    ulp = [abs(mpmath.mpf(float(g)) - t) / mpmath.mpf(float(np.spacing(np.array(float(t), dtype=dtype))))
           for g, t in zip(got, truth)]
    assert max(ulp) <= 4, max(ulp)
    textbook = np.log(r1 / r2) + r2 / r1 - 1
    assert max(abs(float(a) - float(t)) / float(t) for a, t in zip(textbook, truth) if t > 0) > 1e-3


def test_rate_is_the_only_parameterisation_and_validate_checks_it():
    assert "def kl_exponential_exponential(rate1, rate2, validate=False)" in emit_module("kl-exponential-exponential")
    with pytest.raises(ParamError, match="'sigma' is for univariate normals; for kl-exponential-exponential use one "
                                         "of: rate"):
        emit_module("kl-exponential-exponential", "numpy", "sigma")
    kl = function("kl-exponential-exponential")
    with pytest.raises(ValueError, match="kl_exponential_exponential: rate2 must be positive"):
        kl(np.array([1.0]), np.array([-1.0]), validate=True)
