"""The stable pass (derive.emit.stable) on small expressions: differences of inputs are left as they are (one
rounding), a difference whose ratio is a quotient of inputs becomes B·(n - d)/d rather than B·expm1(log(A/B)), and
differences of locations (mu, loc) are taken before they are scaled. Each checked against mpmath at 40 digits."""

from __future__ import annotations

import math

import mpmath
import numpy as np
from sympy import Symbol, erf, lambdify, log

from derive.emit.stable import DifferenceOpt, diff_ratio, stable_form


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
