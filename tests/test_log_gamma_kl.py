"""KL(Beta ‖ Beta) and KL(Gamma ‖ Gamma) at ordinary inputs: their closed forms' differences of large log-gamma values
lost 200 (beta) and 100 (gamma) ulp at concentrations near 12 and thousands near 500. derive.emit.beta and
derive.emit.lgamma arrange them as Bregman divergences, and the near forms take the path straight in the parameters.
Reference: mpmath at 50 digits from the textbook formulas (not derive's closed forms)."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from generated import function


def _truth(a, b):
    """log B(b) − log B(a) + Σ_k (a_k − b_k)(ψ(a_k) − ψ(A))."""
    with mpmath.workdps(50):
        a, b = [mpmath.mpf(float(v)) for v in a], [mpmath.mpf(float(v)) for v in b]
        A = sum(a)
        log_beta = [sum(mpmath.loggamma(x) for x in v) - mpmath.loggamma(sum(v)) for v in (a, b)]
        return float(log_beta[1] - log_beta[0] + sum((x - y) * (mpmath.digamma(x) - mpmath.digamma(A)) for x, y in zip(a, b)))


#: measured over 150 pairs each: 12, 7, 6 and 18 ulp (the closed form: 19, 196, 3161, 4834); where one concentration
#: is far below 1 or all are near 1000, Σ E(a_k, h_k) − E(A, H) still cancels by a factor of a few
@pytest.mark.parametrize("lo, hi, bound", [(0.05, 1, 16), (1, 20, 8), (20, 200, 8), (200, 1000, 32)])
def test_beta_within_a_few_ulp(lo, hi, bound):
    kl = function("kl-beta-beta")
    rng = np.random.default_rng(11)
    q, p = (np.exp(rng.uniform(np.log(lo), np.log(hi), (150, 2))) for _ in range(2))
    got = kl(q[:, 0], q[:, 1], p[:, 0], p[:, 1])
    truth = np.array([_truth(a, b) for a, b in zip(q, p)])
    ulp = np.abs(got - truth) / np.spacing(np.abs(truth))
    worst = int(np.argmax(ulp))
    assert ulp.max() <= bound, f"q {q[worst]}, p {p[worst]}: {got[worst]!r} vs {truth[worst]!r} ({ulp.max()} ulp)"


def test_a_wrong_arrangement_is_refused(monkeypatch):
    from derive.emit import beta, identity
    from derive.emit.bregman import lgamma_excess_bregman

    monkeypatch.setitem(identity.DEFINITIONS, lgamma_excess_bregman, lambda a, h, b: 0 * a)  # as if E were 0
    beta.far_form.cache_clear()
    try:
        with pytest.raises(AssertionError, match="arrangement .* differs from the derived one"):
            beta.far_form("kl-beta-beta")
    finally:
        beta.far_form.cache_clear()


def _gamma_truth(a1, r1, a2, r2):
    with mpmath.workdps(50):
        a1, r1, a2, r2 = (mpmath.mpf(float(v)) for v in (a1, r1, a2, r2))
        return float((a1 - a2) * mpmath.digamma(a1) - mpmath.loggamma(a1) + mpmath.loggamma(a2)
                     + a2 * (mpmath.log(r1) - mpmath.log(r2)) + a1 * (r2 - r1) / r1)


#: measured over 150 pairs each (rates e^±2): 7, 5, 11 and 20 ulp (before: 30, 111, 832, 19431); the 11 and 20 are
#: outside the near form's window where the means a/r nearly agree: log m = log(a1 r2 / (a2 r1)) is then a difference
#: of logs, to be taken from Dekker's a1 r2 - a2 r1 as the beta's is
@pytest.mark.parametrize("lo, hi, bound", [(0.05, 1, 8), (1, 20, 8), (20, 200, 16), (200, 1000, 32)])
def test_gamma_within_a_few_ulp(lo, hi, bound):
    kl = function("kl-gamma-gamma")
    rng = np.random.default_rng(5)
    a = np.exp(rng.uniform(np.log(lo), np.log(hi), (150, 2)))
    r = np.exp(rng.uniform(-2, 2, (150, 2)))
    got = kl(a[:, 0], r[:, 0], a[:, 1], r[:, 1])
    truth = np.array([_gamma_truth(a[i, 0], r[i, 0], a[i, 1], r[i, 1]) for i in range(len(a))])
    ulp = np.abs(got - truth) / np.spacing(np.abs(truth))
    worst = int(np.argmax(ulp))
    assert ulp.max() <= bound, f"a {a[worst]}, r {r[worst]}: {got[worst]!r} vs {truth[worst]!r} ({ulp.max()} ulp)"


def test_a_wrong_log_gamma_group_is_refused(monkeypatch):
    from sympy import loggamma

    from derive.emit import identity, lgamma
    from derive.emit.bregman import lgamma_excess_bregman
    from derive.emit.code import prepared

    expr = prepared("kl-gamma-gamma", "concentration_and_rate")[1]
    assert lgamma.rewrite(expr, "kl-gamma-gamma").has(lgamma_excess_bregman)
    assert not lgamma.rewrite(expr, "kl-gamma-gamma").has(loggamma)
    monkeypatch.setitem(identity.DEFINITIONS, lgamma_excess_bregman, lambda a, h, b: 0 * a)
    with pytest.raises(AssertionError, match="log-gamma arrangement .* differs from the derived one"):
        lgamma.rewrite(expr, "kl-gamma-gamma")


def test_the_gamma_near_form_is_checked_against_the_derived_cross_entropy(monkeypatch):
    from sympy import polygamma

    from derive.emit import identity, near_diagonal
    from derive.emit.bregman import trigamma_excess

    monkeypatch.setitem(identity.DEFINITIONS, trigamma_excess, lambda x: polygamma(1, x))  # forgets the -1/x
    near_diagonal.near_form.cache_clear()
    try:
        with pytest.raises(AssertionError, match="differs from the derived one"):
            near_diagonal.near_form("kl-gamma-gamma")
    finally:
        near_diagonal.near_form.cache_clear()


def test_gamma_against_exponential_near_its_zero():
    """The exponential is the gamma at concentration 1: kl-gamma-exponential is emitted as kl-gamma-gamma's
    (``code.EMBEDDED``); its closed form lost 68 ulp at concentration 0.885 and 1e5 nearer 1."""
    ge = function("kl-gamma-exponential")
    rng = np.random.default_rng(9)
    a = 1 + np.concatenate([eps * rng.uniform(-1, 1, 40) for eps in (0.5, 1e-2, 1e-5, 1e-8)])
    r1, r2 = np.exp(rng.uniform(-1, 1, (2, len(a))))
    truth = np.array([_gamma_truth(x, y, 1, z) for x, y, z in zip(a, r1, r2)])
    ulp = np.abs(ge(a, r1, r2) - truth) / np.spacing(np.abs(truth))
    assert ulp.max() <= 8, (ulp.max(), a[int(np.argmax(ulp))])


def test_exponential_against_gamma_near_its_zero():
    """kl-exponential-gamma is kl-gamma-gamma's at q's concentration 1 (``code.EMBEDDED``): its closed form gave 0
    for a KL of 4e-18 (4e18 ulp) at a gamma concentration 1 + 8e-10."""
    eg = function("kl-exponential-gamma")
    rng = np.random.default_rng(10)
    a = 1 + np.concatenate([eps * rng.uniform(-1, 1, 40) for eps in (0.5, 1e-2, 1e-5, 1e-8)])
    r1 = np.exp(rng.uniform(-1, 1, len(a)))
    r2 = r1 * (1 + (a - 1) * rng.uniform(-1, 1, len(a)))
    truth = np.array([_gamma_truth(1, x, y, z) for x, y, z in zip(r1, a, r2)])
    ulp = np.abs(eg(r1, a, r2) - truth) / np.spacing(np.abs(truth))
    assert ulp.max() <= 8, (ulp.max(), a[int(np.argmax(ulp))])


def test_a_fixed_parameter_reaches_the_helpers_as_an_array():
    """torch.digamma and TensorFlow's Digamma refuse a Python number: q's concentration 1 is passed to the helpers
    as an array like rate1."""
    torch = pytest.importorskip("torch")
    from torch.distributions import Exponential, Gamma, kl_divergence

    eg = function("kl-exponential-gamma", "torch")
    r1, a, r2 = (torch.tensor(v, dtype=torch.float64)
                 for v in ([1.3, 0.7, 2.0], [1.0 + 1e-3, 2.5, 0.6], [1.2, 0.9, 3.0]))
    expected = kl_divergence(Exponential(r1), Gamma(a, r2))
    assert torch.allclose(eg(r1, a, r2), expected, rtol=1e-12, atol=0)


def test_a_wrong_embedding_is_refused(monkeypatch):
    from derive.emit import code

    monkeypatch.setitem(code.EMBEDDED, "kl-gamma-exponential", ("kl-gamma-gamma", {"concentration2": 2}))
    code._stable.cache_clear()
    try:
        with pytest.raises(AssertionError, match="closed form of kl-gamma-gamma"):
            code._stable("kl-gamma-exponential", "concentration_and_rate")
    finally:
        code._stable.cache_clear()
