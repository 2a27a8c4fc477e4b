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
        for r in (1e-9, 1e-6, 0.001, 0.3, 2.5, 7.0, 30.0, 100.0, 300.0)],
    "cross-entropy-poisson-poisson": [
        ({"rate1": a, "rate2": b}, lambda a=a, b=b: _cross(_poisson_log(a), _poisson_log(b), _poisson_top(a)))
        for a, b in ((0.3, 0.5), (2.5, 2.0), (30.0, 31.0), (100.0, 90.0), (0.01, 3.0))],
    "entropy-binomial": [
        ({"total_count": float(n), "probs": p}, lambda n=n, p=p: _cross(_binomial_log(n, p), _binomial_log(n, p), n))
        for n, p in ((1, 0.3), (3, 0.958), (10, 0.5), (37, 0.222205), (100, 0.999), (20, 0.01), (37, 1e-6),
                     (60, 1e-9), (50, 1 - 1e-7))],
    "cross-entropy-binomial-binomial": [
        ({"total_count1": float(n1), "probs1": p1, "total_count2": float(n2), "probs2": p2},
         lambda n1=n1, p1=p1, n2=n2, p2=p2: _cross(_binomial_log(n1, p1), _binomial_log(n2, p2), n1))
        for n1, p1, n2, p2 in ((1, 0.3, 2, 0.4), (10, 0.5, 12, 0.5), (33, 0.970629, 35, 0.940023),
                               (20, 0.01, 20, 0.02), (37, 1e-6, 40, 1e-5), (50, 1 - 1e-7, 50, 1 - 1e-6))],
    # the closed form's two series cancelled against its other terms: 77 ulp at n = (2, 3), 187 at (10, 12), 4.6e3
    # at (40, 45) before; near KL = 0 at n1 = n2 the sums of positive terms keep their relative accuracy. With x(z)
    # summed in floating point the last four points were 12-30 ulp off (NumPy 30 at the first, TensorFlow 28 at
    # the second, JAX 11.7 at (4, 12)): x is a difference of terms of order n log n
    "kl-binomial-binomial": [
        ({"total_count1": float(n1), "probs1": p1, "total_count2": float(n2), "probs2": p2},
         lambda n1=n1, p1=p1, n2=n2, p2=p2: _kl(_binomial_log(n1, p1), _binomial_log(n2, p2), n1))
        for n1, p1, n2, p2 in ((2, 0.3, 3, 0.2), (2, 0.81, 3, 0.7), (5, 0.4, 8, 0.3), (10, 0.5, 12, 0.45),
                               (20, 0.2, 25, 0.17), (3, 0.3, 3, 0.3 + 1e-9), (7, 0.9, 7, 0.9 - 1e-5),
                               (4, 0.5, 12, 0.2), (40, 0.6138558161777782, 45, 0.5511519410485912),
                               (40, 0.1838876110092481, 45, 0.16042159415846607),
                               (23, 0.37861589445930394, 42, 0.2187871831580301))],
}


PADDED = max(len(c) for c in CASES.values())


@pytest.mark.parametrize("target_name", TARGETS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_discrete_entropies_at_large_rates_and_counts(name, target_name):
    array = float64_array(target_name)
    f = getattr(load(name, target_name), function_name(name))
    points = [point for point, _ in CASES[name]]
    # one call for all points, padded to one length (JAX compiles each operation again for every new shape)
    padded = points + points[-1:] * (PADDED - len(points))
    values = np.asarray(f(**{k: array([p[k] for p in padded]) for k in points[0]}))
    for (point, reference), got in zip(CASES[name], values):
        exact = reference()
        ulps = abs(mpmath.mpf(float(got)) - exact) / np.spacing(abs(float(exact)))
        assert ulps <= 8, (point, float(got), float(exact), float(ulps))


@pytest.mark.parametrize("target_name", TARGETS)
def test_binomial_log_ratio_is_rounded_once(target_name):
    """x(z) = log p(z) - log q(z) of two binomials, the double-double helper of the binomial KL's module, within
    half an ulp plus 2**-55 (its four log-factorials' Stirling errors, floats) of mpmath's, at every z <= n1: its
    terms, of order n log n, cancel (to 0.016 at z = 20 of (40, 0.61 || 45, 0.55)). The float sum of the same
    terms was up to 7 ulp of 10 off there."""
    array = float64_array(target_name)
    module = load("kl-binomial-binomial", target_name)
    cases = ((40, 0.6138558161777782, 45, 0.5511519410485912), (4, 0.5, 12, 0.2), (7, 0.3, 7, 0.3),
             (300, 1e-5, 1000, 0.999), (2000, 0.5, 2001, 0.5 + 2**-40))
    z = np.arange(2001.0)[:, None]  # one call for all cases, z down the rows (a new shape is a new JAX compile)
    got = np.asarray(module._binomial_log_ratio(array(z), *(array([c[i] for c in cases]) for i in range(4))))
    for column, (n1, p1, n2, p2) in enumerate(cases):
        for k, g in zip(range(n1 + 1), got[:, column]):
            with mpmath.workdps(40):
                exact = _binomial_log(n2, p2)(k) - _binomial_log(n1, p1)(k)
                error = abs(mpmath.mpf(float(g)) - exact)
            assert error <= 0.5 * np.spacing(abs(float(exact))) + 2.0**-55, (n1, p1, n2, p2, k, g, exact)


@pytest.mark.parametrize("target_name", TARGETS)
def test_pmf_helpers_within_two_ulp(target_name):
    """The modules' q(z) = e**L, L the log-pmf in double-double: within 2 ulp of mpmath's pmf (the target's exp,
    0.6 ulp on NumPy and torch, 1.41 on JAX and TensorFlow at 15000 random points, and one product and sum), where
    |L| is up to 700. From a float L, e**L is off by |L|/2 ulp (20 at Binomial(60, 1e-9)'s z = 2)."""
    array = float64_array(target_name)
    cases = [("entropy-binomial", "_binomial_pmf", (n, p), _binomial_log(n, p), n + 1)
             for n, p in ((37, 1e-6), (60, 1e-9), (1000, 0.3), (50, 1 - 1e-7))]
    cases += [("entropy-poisson", "_poisson_pmf", (r,), _poisson_log(r), 400) for r in (1e-6, 3.5, 250.0)]
    z = np.arange(1001.0)  # one length for all (a new shape is a new JAX compile); z <= n is compared
    for name, helper, params, log_pmf, stop in cases:
        got = np.asarray(getattr(load(name, target_name), helper)(array(z), *(array(v) for v in params)))
        with mpmath.workdps(40):
            for k, g in zip(z[:stop], got):
                exact = mpmath.exp(log_pmf(int(k)))
                # XLA flushes subnormals to 0: e**hi * lo is lost below 1e-292 (19 ulp at 5e-299), where q counts
                # for nothing
                if exact > 1e-280:
                    assert abs(mpmath.mpf(float(g)) - exact) <= 2 * np.spacing(float(exact)), (helper, params, k)


def test_double_double_log_factorial():
    """The module's _dd_log_factorial (log m!) at m = 0 .. 3000: hi + lo within 2**-55 absolute
    (its Stirling error is a float) and 2**-100 relative of mpmath's."""
    module = load("kl-binomial-binomial", "numpy")
    m = np.arange(0, 3001, dtype=float)
    hi, lo = module._dd_log_factorial((m, 0.0 * m))
    with mpmath.workdps(50):
        for k, h, low in zip(range(3001), hi, lo):
            exact = mpmath.loggamma(k + 1)
            assert abs(mpmath.mpf(h) + mpmath.mpf(low) - exact) <= 2.0**-55 + 2.0**-100 * abs(exact), k


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
