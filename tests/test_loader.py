"""Discrete entropies and cross-entropies summed as -sum q log p with Loader's log-pmf, and the binomial KL as two
sums of positive terms (derive.emit.loader).

The derived closed forms (the Poisson's λ − λ log λ + E[log z!], the binomial's) cancel at large rates and counts:
their modules were 1173 ulp off at rate 30, 5e4 at rate 100, and 33 at Binomial(10, 1/2). The reference here is
independent of both: mpmath's sum of -q(z) log p(z) with log p(z) = z log λ − λ − log Γ(z + 1) (or log C(n, z) + …)
at 40 digits."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from generated import float64_array, load

from derive.emit.code import function_name

TARGETS = ["numpy", "torch", "jax", "tensorflow"]


def _poisson_log(rate):
    rate = mpmath.mpf(rate)
    return lambda k: k * mpmath.log(rate) - rate - mpmath.loggamma(k + 1)


def _binomial_log(n, p):
    p = mpmath.mpf(p)
    return lambda k: mpmath.log(mpmath.binomial(n, k)) + k * mpmath.log(p) + (n - k) * mpmath.log1p(-p)


def _cross(log_q, log_p, top):
    with mpmath.workdps(40):
        return sum(mpmath.exp(log_q(k)) * -log_p(k) for k in range(top + 1))


def _kl(log_q, log_p, top):
    with mpmath.workdps(40):
        return sum(mpmath.exp(log_q(k)) * (log_q(k) - log_p(k)) for k in range(top + 1))


def _poisson_top(rate):
    return int(rate + 40 * rate**0.5 + 60)


CASES = {
    "entropy-poisson": [
        ({"rate": r}, lambda r=r: _cross(_poisson_log(r), _poisson_log(r), _poisson_top(r)))
        for r in (0.001, 0.3, 2.5, 7.0, 30.0, 100.0, 300.0)],
    "cross-entropy-poisson-poisson": [
        ({"rate1": a, "rate2": b}, lambda a=a, b=b: _cross(_poisson_log(a), _poisson_log(b), _poisson_top(a)))
        for a, b in ((0.3, 0.5), (2.5, 2.0), (30.0, 31.0), (100.0, 90.0), (0.01, 3.0))],
    "entropy-binomial": [
        ({"total_count": float(n), "probs": p}, lambda n=n, p=p: _cross(_binomial_log(n, p), _binomial_log(n, p), n))
        for n, p in ((1, 0.3), (3, 0.958), (10, 0.5), (37, 0.222205), (100, 0.999), (20, 0.01))],
    "cross-entropy-binomial-binomial": [
        ({"total_count1": float(n1), "probs1": p1, "total_count2": float(n2), "probs2": p2},
         lambda n1=n1, p1=p1, n2=n2, p2=p2: _cross(_binomial_log(n1, p1), _binomial_log(n2, p2), n1))
        for n1, p1, n2, p2 in ((1, 0.3, 2, 0.4), (10, 0.5, 12, 0.5), (33, 0.970629, 35, 0.940023),
                               (20, 0.01, 20, 0.02))],
    # the closed form's two series cancelled against its other terms: 77 ulp at n = (2, 3), 187 at (10, 12), 4.6e3
    # at (40, 45) before; near KL = 0 at n1 = n2 the sums of positive terms keep their relative accuracy
    "kl-binomial-binomial": [
        ({"total_count1": float(n1), "probs1": p1, "total_count2": float(n2), "probs2": p2},
         lambda n1=n1, p1=p1, n2=n2, p2=p2: _kl(_binomial_log(n1, p1), _binomial_log(n2, p2), n1))
        for n1, p1, n2, p2 in ((2, 0.3, 3, 0.2), (2, 0.81, 3, 0.7), (5, 0.4, 8, 0.3), (10, 0.5, 12, 0.45),
                               (20, 0.2, 25, 0.17), (3, 0.3, 3, 0.3 + 1e-9), (7, 0.9, 7, 0.9 - 1e-5),
                               (4, 0.5, 12, 0.2))],
}


@pytest.mark.parametrize("target_name", TARGETS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_discrete_entropies_at_large_rates_and_counts(name, target_name):
    array = float64_array(target_name)
    f = getattr(load(name, target_name), function_name(name))
    for point, reference in CASES[name]:
        exact = reference()
        got = float(np.asarray(f(**{k: array(v) for k, v in point.items()})))
        ulps = abs(mpmath.mpf(got) - exact) / np.spacing(abs(float(exact)))
        assert ulps <= _goal(name, point), (point, got, float(exact), float(ulps))


def _goal(name, point):
    """8 ulp; 16 for the binomial KL at n1 != n2, whose x(z) = log p(z) - log q(z) is a sum of terms of order
    log C(n2, z) that cancel to order 1 (11.7 ulp on JAX, 7 on NumPy at n = (4, 12); 21 on TensorFlow at (40, 45))."""
    different = name == "kl-binomial-binomial" and point["total_count1"] != point["total_count2"]
    return 16 if different else 8


def test_stirlerr_and_bd0_helpers():
    """The NumPy module's helpers against their definitions at 40 digits: stirlerr at 0 .. 2000 (table and series),
    bd0 near and far from x = m, where x log(x/m) + m - x cancels."""
    module = load("entropy-poisson", "numpy")
    n = np.arange(0, 2001, dtype=float)
    got = module._stirlerr(n)
    with mpmath.workdps(40):
        exact = [mpmath.mpf(0) if k == 0 else mpmath.loggamma(k + 1) - (k + mpmath.mpf(1) / 2) * mpmath.log(k) + k
                 - mpmath.log(2 * mpmath.pi) / 2 for k in range(2001)]
    assert max(abs(g - e) / abs(e) if e else abs(g) for g, e in zip(got, exact)) < 1e-15
    rng = np.random.default_rng(3)
    m = 10 ** rng.uniform(-3, 4, 400)
    x = np.round(m * (1 + rng.choice([-1, 1], 400) * 10 ** rng.uniform(-6, 0, 400))) + 1
    got = module._bd0(x, m)
    with mpmath.workdps(40):
        exact = [mpmath.mpf(a) * mpmath.log(mpmath.mpf(a) / mpmath.mpf(b)) + mpmath.mpf(b) - mpmath.mpf(a)
                 for a, b in zip(x, m)]
    assert max(float(abs(g - e) / e) for g, e in zip(got, exact)) < 1e-15
