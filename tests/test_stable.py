"""The stable pass (derive.emit.stable) on small expressions: differences of inputs are left as they are (one
rounding), a difference whose ratio is a quotient of inputs becomes B·(n - d)/d rather than B·expm1(log(A/B)), and
differences of locations (mu, loc) are taken before they are scaled. Each checked against mpmath at 40 digits."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from generated import float64_array, load
from sympy import Symbol, erf, expand, lambdify, log
from sympy.codegen.cfunctions import log1p

from derive.compare import Evaluator, target
from derive.emit.code import function_name
from derive.emit.stable import (
    DifferenceOpt, collected_logs, diff_ratio, log_ratio, log_ratio_of, stable_form, xlog1p,
)


def _ulps(got, exact):
    return abs(got - float(exact)) / np.spacing(abs(float(exact)))


def test_a_difference_of_inputs_is_left_alone():
    p = Symbol("probs", positive=True)
    assert stable_form(1 - p) == 1 - p
    assert not stable_form(log(1 - p) - p).has(diff_ratio)


def test_a_difference_with_a_ratio_of_inputs_is_factored_not_exponentiated():
    """p·x - x = x·(p - 1): p - 1 is exact for p >= 1/2 (Sterbenz), so one rounding; the diff_ratio form
    x·expm1(log p) carried log's and expm1's errors (kl-bernoulli-bernoulli: 9 ulp on JAX before, 5 after)."""
    p, x = Symbol("p", positive=True), Symbol("x", real=True)
    rewritten = stable_form(p * x - x)
    assert not rewritten.has(diff_ratio)
    f = lambdify((p, x), rewritten, "math")
    before = lambda a, b: b * math.expm1(math.log(a))  # noqa: E731  (the diff_ratio form)
    rng = np.random.default_rng(3)
    now, then = [], []
    with mpmath.workdps(40):
        for a, b in zip(rng.uniform(0.5, 0.99, 500), rng.uniform(-3, 3, 500)):
            exact = (mpmath.mpf(float(a)) - 1) * mpmath.mpf(float(b))
            now.append(_ulps(f(a, b), exact))
            then.append(_ulps(before(a, b), exact))
    assert max(now) <= 0.5 and max(then) >= 1, (max(now), max(then))  # correctly rounded, against not


def test_differences_of_locations_are_taken_before_scaling():
    """erf((loc2 - mu1)/s): at loc2 = mu1 + 2**-40 the difference is exact; spelt out as loc2/s - mu1/s it is not."""
    mu1, loc2, s = Symbol("mu1", real=True), Symbol("loc2", real=True), Symbol("sigma1", positive=True)
    spelt = erf(loc2 / s - mu1 / s) * loc2 / s - erf(loc2 / s - mu1 / s) * mu1 / s
    expr = DifferenceOpt()(spelt.expand())
    assert expr.has(loc2 - mu1)
    a, b, c = 1.3, 1.3 + 2.0**-40, 0.7
    with mpmath.workdps(40):
        d = (mpmath.mpf(b) - mpmath.mpf(a)) / mpmath.mpf(c)
        exact = mpmath.erf(d) * d
    assert _ulps(lambdify((mu1, loc2, s), expr, "math")(a, b, c), exact) <= 4
    assert _ulps(lambdify((mu1, loc2, s), spelt, "math")(a, b, c), exact) > 1e3  # (a test of the point)


def test_log_ratios_pair_symbolic_coefficients_and_take_short_differences():
    """p1·log p1 - p1·log p2 + (1 - p1)·log(1 - p1) - (1 - p1)·log(1 - p2) (a Bernoulli KL, spelt out): two
    log-ratio terms, the second given (1 - p1) - (1 - p2) = p2 - p1, which does not cancel."""
    p1, p2 = Symbol("probs1", positive=True), Symbol("probs2", positive=True)
    kl = p1 * log(p1) - p1 * log(p2) + (1 - p1) * log(1 - p1) - (1 - p1) * log(1 - p2)  # as derived
    rewritten = stable_form(kl)
    assert rewritten.has(log_ratio(p1, p2)) or rewritten.has(log_ratio(p2, p1))
    (of,) = rewritten.atoms(log_ratio_of)
    assert {of.args[0], of.args[1]} == {1 - p1, 1 - p2} and expand(of.args[2] - (of.args[0] - of.args[1])) == 0
    assert len(of.args[2].args) == 2  # p2 - p1 (or p1 - p2): two inputs, not four terms


@pytest.mark.parametrize("target_name", ["numpy", "torch", "jax", "tensorflow"])
def test_bernoulli_kl_is_accurate_near_probabilities_0_and_1(target_name):
    """log-uniform probabilities down to 1e-8 from 0 and from 1: the four logs spelt out were up to 2e7 ulp off
    (the rounding of 1 - p, then (1 - p1) - (1 - p2) in log_ratio); within 8 ulp now on every target."""
    array = float64_array(target_name)
    f = getattr(load("kl-bernoulli-bernoulli", target_name), "kl_bernoulli_bernoulli")
    rng = np.random.default_rng(4)
    small, large = 10 ** rng.uniform(-8, -1, (2, 150)), 1 - 10 ** rng.uniform(-8, -1, (2, 150))
    p1, p2 = np.concatenate([small[0], large[0], rng.uniform(0, 1, 150)]), np.concatenate(
        [small[1], large[1], rng.uniform(0, 1, 150)])
    with mpmath.workdps(40):
        exact = [mpmath.mpf(float(a)) * mpmath.log(mpmath.mpf(float(a)) / mpmath.mpf(float(b)))
                 + (1 - mpmath.mpf(float(a))) * mpmath.log((1 - mpmath.mpf(float(a))) / (1 - mpmath.mpf(float(b))))
                 for a, b in zip(p1, p2)]
    got = np.asarray(f(array(p1), array(p2)))
    assert max(_ulps(g, e) for g, e in zip(got, exact)) <= 8


def test_log_of_one_plus_is_log1p_and_x_log_x_of_it_xlog1p():
    p = Symbol("probs", positive=True)
    assert stable_form(log(1 - p) * p) == p * log1p(-p)
    assert stable_form(-(1 - p) * log(1 - p) - p * log(p)).has(xlog1p(-p))
    n1, n2 = Symbol("n1", positive=True), Symbol("n2", positive=True)
    assert collected_logs(n1 * p * log(1 - p) - n2 * log(1 - p)) == (n1 * p - n2) * log(1 - p)


@pytest.mark.parametrize("target_name", ["numpy", "torch", "jax", "tensorflow"])
def test_geometric_kl_near_probability_1(target_name):
    """KL(Geom(p1) || Geom(p2)) = log(p1/p2) + (1 - p1)/p1·log((1 - p1)/(1 - p2)): the collected coefficient
    1/p1 - 1 cancelled (9.5e5 ulp at p1 = 1 - 1e-6); (1 - p1)/p1 over a common denominator does not."""
    array = float64_array(target_name)
    f = load("kl-geometric-geometric", target_name).kl_geometric_geometric
    rng = np.random.default_rng(6)
    p1, p2 = 1 - 10 ** rng.uniform(-9, -1, (2, 200))
    with mpmath.workdps(40):
        exact = [mpmath.log(mpmath.mpf(float(a)) / mpmath.mpf(float(b))) + (1 - mpmath.mpf(float(a)))
                 / mpmath.mpf(float(a)) * mpmath.log((1 - mpmath.mpf(float(a))) / (1 - mpmath.mpf(float(b))))
                 for a, b in zip(p1, p2)]
    got = np.asarray(f(array(p1), array(p2)))
    assert max(_ulps(g, e) for g, e in zip(got, exact)) <= 8


@pytest.mark.parametrize("target_name", ["numpy", "torch", "jax", "tensorflow"])
def test_entropies_and_cross_entropies_near_probability_0_and_1(target_name):
    """1 - p rounds away a small p's digits: log(1 - p) spelt out left H(Bernoulli(1e-8)) 4.8e5 ulp off, and a
    binomial pair's n1·p1·log(1 - p2) - n2·log(1 - p2) at n1 = n2, p1 -> 1 5.4e5 ulp."""
    array = float64_array(target_name)
    cases = [("entropy-bernoulli", {"probs": 1.3657e-08}), ("entropy-geometric", {"probs": 2.0129e-08}),
             ("cross-entropy-bernoulli-bernoulli", {"probs1": 2.3968e-08, "probs2": 1.5551e-08}),
             ("cross-entropy-binomial-binomial", {"total_count1": 1.0, "probs1": 1 - 2.0**-27, "total_count2": 1.0,
                                                  "probs2": 0.999988})]
    for name, point in cases:
        tgt = target(name)
        exact = Evaluator(tgt.params, 50)(tgt.value, {s: point[str(s)] for s in tgt.params})
        f = getattr(load(name, target_name), function_name(name))
        got = float(np.asarray(f(**{k: array(v) for k, v in point.items()})))
        assert _ulps(got, exact) <= 8, (name, got, exact)


@pytest.mark.parametrize("target_name", ["numpy", "torch", "jax", "tensorflow"])
def test_products_that_overflow_factor_by_factor_stay_finite(target_name):
    """(λ1/λ2)^k2·Γ(1 + k2/k1) spelt out as λ1^k2·λ2^-k2·Γ(…) was 0·inf·finite = NaN at k2 = 900 (the KL is
    finite there); Γ(1 + s1/s2)·e^(m2/s2)·e^(-m1/s2) was inf·0 = NaN where the cross-entropy overflows (inf is
    right). finite_product falls back to exp(the sum of the logs) there."""
    array = float64_array(target_name)
    finite = [("kl-weibull-weibull", {"scale1": 0.436926, "concentration1": 1.1576, "scale2": 621.257,
                                      "concentration2": 900.718}),
              ("cross-entropy-weibull-weibull", {"scale1": 1e-4, "concentration1": 1.0, "scale2": 1e-3,
                                                 "concentration2": 200.0})]  # 0·inf·inf for 1e175
    for name, point in finite:
        tgt = target(name)
        exact = Evaluator(tgt.params, 50)(tgt.value, {s: point[str(s)] for s in tgt.params})
        f = getattr(load(name, target_name), function_name(name))
        got = float(np.asarray(f(**{k: array(v) for k, v in point.items()})))
        # exp(L) at L ~ 400 carries L's rounding (|L|·2^-53 relative): the value's own condition number there
        assert math.isfinite(float(exact)) and abs(got - float(exact)) <= 1e-12 * abs(float(exact)), (name, got, exact)
    f = getattr(load("cross-entropy-gumbel-gumbel", target_name), "cross_entropy_gumbel_gumbel")
    assert float(np.asarray(f(array(9.19313), array(818.043), array(-1.6262), array(0.0086529)))) == math.inf


def test_finite_product_wraps_products_of_gamma_and_powers_not_exps_alone():
    from sympy import exp, gamma, loggamma

    from derive.emit.stable import finite_product

    k1, k2, s1, s2 = (Symbol(n, positive=True) for n in ("k1", "k2", "s1", "s2"))
    (wrapped,) = stable_form(s1**k2 * s2**-k2 * gamma(1 + k2 / k1)).atoms(finite_product)
    assert expand(wrapped.args[0].doit() - s1**k2 * s2**-k2 * gamma(1 + k2 / k1)) == 0
    assert wrapped.args[1].doit().has(loggamma(1 + k2 / k1)) and not wrapped.args[1].has(gamma)
    assert not stable_form(exp(s1) * exp(-s2)).has(finite_product)
