"""Families beyond the normal (exponential, half-normal): the code agrees with torch.distributions, scipy.stats and
mpmath quadrature of the defining integrals, in every target, and stays accurate where the KL goes to zero."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

from derive.emit.code import emit_module, function_name
from derive.emit.params import ParamError
from derive.emit.targets import TARGETS
from generated import function

RNG = np.random.default_rng(20261126)


def _exponential(r):
    return lambda z: r * mpmath.exp(-r * z)


def _half_normal(s):
    return lambda z: mpmath.sqrt(2 / mpmath.pi) / s * mpmath.exp(-(z**2) / (2 * s**2))


# family -> (argument name, density of mpmath parameter, torch.distributions class name, scipy.stats frozen law)
FAMILIES = {
    "exponential": ("rate", _exponential, "Exponential", lambda stats, r: stats.expon(scale=1 / r)),
    "half-normal": ("scale", _half_normal, "HalfNormal", lambda stats, s: stats.halfnorm(scale=s)),
}


def names(family):
    return (f"entropy-{family}", f"cross-entropy-{family}-{family}", f"kl-{family}-{family}")


def exact(family, name, a, b=None):
    """The defining integral by mpmath quadrature (50 digits), with the densities written out here."""
    density = FAMILIES[family][1]
    with mpmath.workdps(50):
        a = mpmath.mpf(float(a))
        q = density(a)
        p = q if b is None else density(mpmath.mpf(float(b)))
        points = [0, 1 / a, 1, mpmath.inf]
        cross = -mpmath.quad(lambda z: q(z) * mpmath.log(p(z)), sorted(set(points)))
        if not name.startswith("kl-"):
            return cross
        return cross + mpmath.quad(lambda z: q(z) * mpmath.log(q(z)), sorted(set(points)))


def call(name, fn, a, b):
    return np.asarray(fn(a) if name.startswith("entropy-") else fn(a, b))


CASES = [(f, n) for f in FAMILIES for n in names(f)]


@pytest.mark.parametrize("target", list(TARGETS))
@pytest.mark.parametrize("family, name", CASES)
def test_every_target_matches_the_defining_integral(family, name, target):
    pytest.importorskip(target)
    a, b = RNG.uniform(0.1, 10, 5), RNG.uniform(0.1, 10, 5)
    got = call(name, function(name, target), a, b)
    expected = [float(exact(family, name, x, None if name.startswith("entropy-") else y)) for x, y in zip(a, b)]
    # JAX computes in float32 unless x64 is enabled
    np.testing.assert_allclose(got, expected, rtol=1e-6 if target == "jax" else 1e-12)


@pytest.mark.parametrize("family", list(FAMILIES))
def test_numpy_agrees_with_torch_distributions_and_scipy(family):
    torch = pytest.importorskip("torch")
    stats = pytest.importorskip("scipy.stats")
    from torch.distributions import kl_divergence

    law = getattr(torch.distributions, FAMILIES[family][2])
    entropy_name, cross_name, kl_name = names(family)
    a, b = RNG.uniform(0.1, 10, 50), RNG.uniform(0.1, 10, 50)
    kl = function(kl_name)(a, b)
    # torch's closed forms cancel where the KL is small (absolute error ~1e-16 of their terms)
    np.testing.assert_allclose(kl, kl_divergence(law(torch.tensor(a)), law(torch.tensor(b))).numpy(), rtol=1e-12,
                               atol=1e-14)
    entropy = function(entropy_name)(a)
    np.testing.assert_allclose(entropy, law(torch.tensor(a)).entropy().numpy(), rtol=1e-12)
    np.testing.assert_allclose(entropy, FAMILIES[family][3](stats, a).entropy(), rtol=1e-12)
    np.testing.assert_allclose(function(cross_name)(a, b), entropy + kl, rtol=1e-12)


@pytest.mark.parametrize("family", list(FAMILIES))
@pytest.mark.parametrize("dtype, step", [("float64", 1e-8), ("float32", 1e-5)])
def test_kl_near_zero_within_4_ulp(family, dtype, step):
    """parameter2 = parameter1 (1 + step): the KL is ~step²/2 and the textbook formula cancels most digits; ours
    keeps them (truth: the closed form at 60 digits, which the quadrature test above pins)."""
    kl_name = names(family)[2]
    a = RNG.uniform(0.1, 10, 20).astype(dtype)
    b = (a.astype(np.float64) * (1 + step)).astype(dtype)
    got = function(kl_name)(a, b)
    assert got.dtype == np.dtype(dtype)
    with mpmath.workdps(60):
        ratio = [mpmath.mpf(float(y)) / mpmath.mpf(float(x)) for x, y in zip(a, b)]
        # exponential: r - 1 - log r with r = rate2/rate1; half-normal: (1/r² - 1 - log(1/r²))/2, r = scale2/scale1
        truth = [t - 1 - mpmath.log(t) if family == "exponential" else (1 / t**2 - 1 + 2 * mpmath.log(t)) / 2
                 for t in ratio]
    ulp = [abs(mpmath.mpf(float(g)) - t) / mpmath.mpf(float(np.spacing(np.array(float(t), dtype=dtype))))
           for g, t in zip(got, truth)]
    assert max(ulp) <= 4, max(ulp)


@pytest.mark.parametrize("family", list(FAMILIES))
def test_the_only_parameterisation_and_validate(family):
    arg, kl_name = FAMILIES[family][0], names(family)[2]
    fn = function_name(kl_name)
    assert f"def {fn}({arg}1, {arg}2, validate=False)" in emit_module(kl_name)
    with pytest.raises(ParamError, match=f"'sigma' is for univariate normals; for {kl_name} use one of: {arg}"):
        emit_module(kl_name, "numpy", "sigma")
    with pytest.raises(ValueError, match=f"{fn}: {arg}2 must be positive"):
        function(kl_name)(np.array([1.0]), np.array([-1.0]), validate=True)


@pytest.mark.parametrize("target", ["numpy", "torch"])
@pytest.mark.parametrize("name", ["kl-bernoulli-bernoulli", "kl-binomial-binomial"])
def test_validate_names_a_probability_s_range(name, target):
    """A probability is checked against (0, 1), not only against 0 (a closed form, and a kept series)."""
    pytest.importorskip(target)
    kl = function(name, target)
    counts = [np.array([3.0])] if "binomial" in name else []
    q, p = [*counts, np.array([0.3])], [*counts, np.array([0.6])]
    assert np.all(np.isfinite(np.asarray(kl(*q, *p, validate=True))))
    for bad in (1.2, 1.0, 0.0):
        with pytest.raises(ValueError, match=rf"{function_name(name)}: probs2 must be in \(0, 1\)"):
            kl(*q, *counts, np.array([bad]), validate=True)
