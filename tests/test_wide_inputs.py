"""Emitted modules far from ``derive compare``'s ordinary points, where ``benchmarks/wide_range.py`` found them off.

- The log-gamma KLs (gamma, exponential, inverse gamma, beta) with a concentration near 1e-3 were 10-53 ulp off: the
  Bregman divergence of log Γ(x) − (x log x − x) took b = a + h from h = b − a, whose rounding is most of a small b's
  digits. It now takes b itself (``lgamma_excess_bregman(a, h, b)``).
- torch's double-double refinement raised TypeError where no log-gamma argument needed a shift (all >= 20): the
  shifts' product stayed the float 1.0, and torch.log takes no float.
- The uniform against a Gumbel gave NaN where its value overflows (1/(h e^(l/s) − l e^(l/s)) with e^(l/s) = 0).

References: the textbook formulas at 50 digits with mpmath (not derive's closed forms).
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from generated import float64_array, load

from derive.emit.code import function_name

TARGETS = ["numpy", "torch", "jax", "tensorflow"]


def _gamma_kl(a1, b1, a2, b2):
    """KL(Gamma(a1, rate b1) ‖ Gamma(a2, rate b2)); also the inverse gammas' (1/z maps one pair onto the other)."""
    a1, b1, a2, b2 = map(mpmath.mpf, (a1, b1, a2, b2))
    return ((a1 - a2) * mpmath.digamma(a1) - mpmath.loggamma(a1) + mpmath.loggamma(a2)
            + a2 * (mpmath.log(b1) - mpmath.log(b2)) + a1 * (b2 - b1) / b1)


def _beta_kl(a1, b1, a2, b2):
    a1, b1, a2, b2 = map(mpmath.mpf, (a1, b1, a2, b2))
    log_beta = [mpmath.loggamma(x) + mpmath.loggamma(y) - mpmath.loggamma(x + y) for x, y in ((a1, b1), (a2, b2))]
    return (log_beta[1] - log_beta[0] + (a1 - a2) * mpmath.digamma(a1) + (b1 - b2) * mpmath.digamma(b1)
            + (a2 - a1 + b2 - b1) * mpmath.digamma(a1 + b1))


#: name -> (argument names, the reference as a function of them)
CASES = {
    "kl-gamma-gamma": (("concentration1", "rate1", "concentration2", "rate2"), _gamma_kl),
    "kl-inverse-gamma-inverse-gamma": (("concentration1", "rate1", "concentration2", "rate2"), _gamma_kl),
    "kl-exponential-gamma": (("rate1", "concentration2", "rate2"), lambda r1, a2, b2: _gamma_kl(1, r1, a2, b2)),
    "kl-gamma-exponential": (("concentration1", "rate1", "rate2"), lambda a1, b1, r2: _gamma_kl(a1, b1, 1, r2)),
    "kl-beta-beta": (("concentration11", "concentration01", "concentration12", "concentration02"), _beta_kl),
}


def _points(count, names, seed):
    """``count`` points log-uniform in [1e-3, 1e3], one concentration in [1e-3, 1e-2] in half of them."""
    rng = np.random.default_rng(seed)
    values = 10 ** rng.uniform(-3, 3, (count, len(names)))
    small = [i for i, n in enumerate(names) if n.startswith("concentration")]
    rows = np.arange(0, count, 2)
    values[rows, rng.choice(small, rows.size)] = 10 ** rng.uniform(-3, -2, rows.size)
    return values


@pytest.mark.parametrize("target_name", TARGETS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_log_gamma_kls_at_small_and_large_concentrations(name, target_name):
    """40 wide points each, within 8 ulp on every target (53 ulp for the beta's, 50 for the exponential against a
    gamma before)."""
    array = float64_array(target_name)
    names, reference = CASES[name]
    points = _points(40, names, seed=len(name))
    kl = getattr(load(name, target_name), function_name(name))
    got = np.asarray(kl(*(array(points[:, i]) for i in range(len(names)))))
    with mpmath.workdps(50):
        truth = [reference(*row) for row in points]
    ulps = [float(abs(mpmath.mpf(float(g)) - t) / np.spacing(abs(float(t)))) for g, t in zip(got, truth)]
    worst = int(np.argmax(ulps))
    assert ulps[worst] <= 8, (dict(zip(names, points[worst])), float(got[worst]), float(truth[worst]), ulps[worst])


@pytest.mark.parametrize("target_name", TARGETS)
def test_refinement_where_no_log_gamma_argument_is_shifted(target_name):
    """KL(Exp(15.6) ‖ Gamma(498, 264)) is refined in double-double, whose log-gamma of 498 needs no shift: torch raised
    TypeError there."""
    array = float64_array(target_name)
    got = float(np.asarray(load("kl-exponential-gamma", target_name).kl_exponential_gamma(
        array([15.5782]), array([498.478]), array([263.603]))[0]))
    with mpmath.workdps(50):
        truth = _gamma_kl(1, 15.5782, 498.478, 263.603)
    assert abs(mpmath.mpf(got) - truth) <= 8 * np.spacing(float(truth))


@pytest.mark.parametrize("target_name", TARGETS)
def test_uniform_against_gumbel_overflows_to_inf_not_nan(target_name):
    """H(U(low, high), Gumbel(loc, scale)) has the term scale e^x (1 - e^(-(high - low)/scale)) / (high - low),
    x = (loc - low)/scale: past e^709 the value is +inf (it was NaN), and below finite where e^(loc/scale) alone
    overflows (it was inf at loc = 15, scale = 0.02): within 8 + |x| ulp, e^x carrying x's rounding."""
    array = float64_array(target_name)
    module = load("cross-entropy-uniform-gumbel", target_name)
    low, high, loc, scale = (np.array(v) for v in ([-8.02568, -0.9, 14.5], [36.0637, 2.0, 15.5], [-0.33973, 10.0, 15.0],
                                                   [0.00812243, 0.02, 0.02]))
    got = np.asarray(module.cross_entropy_uniform_gumbel(*(array(v) for v in (low, high, loc, scale))))
    assert got[0] == np.inf
    for i in (1, 2):
        with mpmath.workdps(50):
            lo, hi, mu, s = (mpmath.mpf(float(v[i])) for v in (low, high, loc, scale))
            # E[(z - mu)/s] + E[e^(-(z - mu)/s)] + log s under the uniform
            truth = (((lo + hi) / 2 - mu) / s + s * (mpmath.exp((mu - lo) / s) - mpmath.exp((mu - hi) / s)) / (hi - lo)
                     + mpmath.log(s))
            x = float((mu - lo) / s)
        assert abs(mpmath.mpf(float(got[i])) - truth) <= (8 + x) * np.spacing(float(truth)), (i, got[i], truth)
