"""The continuous Bernoulli near probs = 1/2 (the uniform distribution): its closed forms are 0/0 there and cancel
nearby; the emitted code goes through atanh_excess (derive.emit.cbern). References: mpmath quadrature of the
definition at 40 digits, independent of the closed form."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from generated import function, load

from derive.emit.cbern import atanh_excess, centred, rewrite


def _density(p):
    p = mpmath.mpf(p)
    c = 2 if p == mpmath.mpf(1) / 2 else 2 * mpmath.atanh(1 - 2 * p) / (1 - 2 * p)
    return lambda z: c * p**z * (1 - p) ** (1 - z)


def _cross_entropy(p1, p2):
    with mpmath.workdps(40):
        q, p = _density(p1), _density(p2)
        return -mpmath.quad(lambda z: q(z) * mpmath.log(p(z)), [0, 1])


@pytest.mark.parametrize("offset", [0.0, 1e-9, -1e-6, 1e-3, -0.02, 0.2])
def test_entropy_and_cross_entropy_near_one_half(offset):
    entropy = function("entropy-continuous-bernoulli")
    cross = function("cross-entropy-continuous-bernoulli-continuous-bernoulli")
    p = 0.5 + offset
    for got, truth in ((entropy(p), _cross_entropy(p, p)), (cross(0.3, p), _cross_entropy(0.3, p)),
                       (cross(p, 0.7), _cross_entropy(p, 0.7))):
        got = float(got)
        assert np.isfinite(got)
        assert abs(got - truth) <= 1e-13 * abs(truth) + 1e-40, (p, got, truth)  # 1e-40: quadrature's 0


def test_rewrite_removes_the_pole_and_keeps_the_value():
    from sympy import Rational, Symbol, atanh, log, zoo

    p = Symbol("p", positive=True)
    x = 2 * p - 1
    original = (p / x - 1 / (2 * atanh(x))) * log(p) + log(atanh(x) / x)  # the mean is 0/0 at p = 1/2
    r = rewrite(original)
    assert r.has(atanh_excess, centred)
    at_half = r.xreplace({centred(p): 0, p: Rational(1, 2)}).replace(lambda e: isinstance(e, atanh_excess),
                                                                      lambda e: Rational(1, 3))
    assert at_half.is_finite and not at_half.has(zoo)
    back = r.replace(lambda e: isinstance(e, centred), lambda e: 2 * e.args[0] - 1)
    back = back.replace(lambda e: isinstance(e, atanh_excess), lambda e: (atanh(e.args[0]) - e.args[0]) / e.args[0] ** 3)
    for value in (Rational(1, 10), Rational(37, 100), Rational(4, 5)):
        assert abs((back - original).subs(p, value).evalf(30)) < 1e-25


def _kl(p1, p2):
    with mpmath.workdps(40):
        q, p = _density(p1), _density(p2)
        return mpmath.quad(lambda z: q(z) * (mpmath.log(q(z)) - mpmath.log(p(z))), [0, 1])


@pytest.mark.parametrize("p1, p2", [(0.5, 0.6), (0.5, 0.5 + 1e-9), (0.4999, 0.5), (0.3, 0.7), (0.5, 0.02),
                                    (0.42, 0.562), (0.702, 0.885), (0.415, 0.985), (0.05, 0.95)])
def test_kl_near_and_across_one_half(p1, p2):
    """The KL's near-diagonal form integrates the variance at the natural parameter (finite at p = 1/2, where the
    derived Hessian is 0/0): KL(0.5, 0.6) was NaN, and (0.702, 0.885) lost 20 ulp in the closed form."""
    got = float(function("kl-continuous-bernoulli-continuous-bernoulli")(p1, p2))
    truth = _kl(p1, p2)
    assert np.isfinite(got)
    assert abs(got - truth) <= 8 * np.spacing(float(truth)), (p1, p2, got, truth)


def test_variance_helper_matches_its_definition():
    variance = load("kl-continuous-bernoulli-continuous-bernoulli", "numpy", None)._cb_variance
    etas = np.array([0.0, 1e-8, 0.3, -1.7, 2.999, 3.0, -3.001, 7.5, -40.0])
    with mpmath.workdps(40):
        truth = [mpmath.mpf(1) / 12 if e == 0 else 1 / mpmath.mpf(e) ** 2 - 1 / (4 * mpmath.sinh(mpmath.mpf(e) / 2) ** 2)
                 for e in etas]
    got = variance(etas)
    for e, g, t in zip(etas, got, truth):
        assert abs(g - t) <= 4 * np.spacing(float(t)), (e, g, t)


def test_a_wrong_closed_form_curvature_is_refused(monkeypatch):
    """The near form checks the family's closed-form curvature against the derived Hessian before using it."""
    from derive.emit import cbern, near_diagonal

    wrong = (lambda p1, d, s: 2 * cbern.near_body(p1, d, s), cbern.NEAR_SPAN)
    monkeypatch.setitem(near_diagonal._EXACT, "continuous-bernoulli", wrong)
    near_diagonal.near_form.cache_clear()
    try:
        with pytest.raises(AssertionError, match="differs from the derived one"):
            near_diagonal.near_form("kl-continuous-bernoulli-continuous-bernoulli")
    finally:
        near_diagonal.near_form.cache_clear()


def _against_normal(p, mu, sigma):
    """H(CB(p), N(mu, sigma^2)) by quadrature at 40 digits."""
    with mpmath.workdps(40):
        q, mu, sigma = _density(p), mpmath.mpf(mu), mpmath.mpf(sigma)
        log_p = lambda z: -((z - mu) ** 2) / (2 * sigma**2) - mpmath.log(sigma) - mpmath.log(2 * mpmath.pi) / 2  # noqa: E731
        return -mpmath.quad(lambda z: q(z) * log_p(z), [0, 1])


@pytest.mark.parametrize("offset", [0.0, 1e-9, -1e-6, 1e-3, 0.2])
@pytest.mark.parametrize("param", ["sigma", "logvar"])
def test_against_a_normal_near_one_half_in_every_parameterisation(offset, param):
    """With the variance as log-variance, e^(-logvar) kept a term over 2 e^logvar x^4 V + 2 e^logvar x^2 apart from
    the rest, and its pole at p = 1/2 stayed: NaN at 1/2, 0.0 at 1/2 + 1e-9 (now the same as with sigma)."""
    cross = function("cross-entropy-continuous-bernoulli-normal", param=param)
    p, mu, sigma = 0.5 + offset, 0.2, 0.7
    got = float(cross(p, mu, sigma if param == "sigma" else np.log(sigma**2)))
    truth = _against_normal(p, mu, sigma)
    assert abs(got - truth) <= 1e-14 * abs(truth), (p, got, truth)
