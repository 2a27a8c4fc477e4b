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


def _gumbel_kl(m1, b1, m2, b2):
    """KL(Gumbel(m1, b1) ‖ Gumbel(m2, b2)) = log(b2/b1) + γ(b1/b2 - 1) + (m1 - m2)/b2 + e^((m2 - m1)/b2) Γ(1 + b1/b2)
    - 1."""
    m1, b1, m2, b2 = map(mpmath.mpf, (m1, b1, m2, b2))
    return (mpmath.log(b2 / b1) + mpmath.euler * (b1 / b2 - 1) + (m1 - m2) / b2
            + mpmath.exp((m2 - m1) / b2 + mpmath.loggamma(1 + b1 / b2)) - 1)


def _weibull_kl(l1, k1, l2, k2):
    """KL(Weibull(scale l1, concentration k1) ‖ Weibull(l2, k2)) = log(k1/l1^k1) - log(k2/l2^k2)
    + (k1 - k2)(log l1 - γ/k1) + (l1/l2)^k2 Γ(k2/k1 + 1) - 1."""
    l1, k1, l2, k2 = map(mpmath.mpf, (l1, k1, l2, k2))
    return (mpmath.log(k1) - k1 * mpmath.log(l1) - mpmath.log(k2) + k2 * mpmath.log(l2)
            + (k1 - k2) * (mpmath.log(l1) - mpmath.euler / k1)
            + mpmath.exp(k2 * mpmath.log(l1 / l2) + mpmath.loggamma(k2 / k1 + 1)) - 1)


def _uniform_gumbel_cross_entropy(lo, hi, m, s):
    lo, hi, m, s = map(mpmath.mpf, (lo, hi, m, s))
    return (mpmath.log(s) + ((lo + hi) / 2 - m) / s
            + s / (hi - lo) * (mpmath.exp((m - lo) / s) - mpmath.exp((m - hi) / s)))


def _laplace_cross_entropy(m1, s1, m2, s2):
    m1, s1, m2, s2 = map(mpmath.mpf, (m1, s1, m2, s2))
    return abs(m1 - m2) / s2 + s1 * mpmath.exp(-abs(m1 - m2) / s1) / s2 + mpmath.log(2 * s2)


#: name -> (the reference, points where the module was off before: ulp on NumPy then). Γ(1 + s1/s2) and e^x, x a
#: quotient in the hundreds, carry the quotient's rounding times ψ(1 + s1/s2)·s1/s2 or |x|. The error bound missed
#: Γ's (NumPy); products of exps overflowed factor by factor (the bound NaN, the value inf - inf, and the
#: double-double value too); a bound that overflowed counted as a pole's; Laplace's |x| had no double-double helper
EXP_CASES = {
    "kl-gumbel-gumbel": (_gumbel_kl, [(-0.1985994178701954, 24.92288622889891, -94.48397837960003, 0.06261010927897452),
                                      (-0.00713036, 280.425, -0.00270187, 8.49319),
                                      (-0.04870512085030036, 1.0628169279875126, -0.34940499096623573,
                                       0.006081365010607015)]),  # 2634, 81, 429 (1e296: its bound inf)
    "cross-entropy-gumbel-gumbel": (
        lambda m1, b1, m2, b2: _gumbel_kl(m1, b1, m2, b2) + mpmath.log(b1) + mpmath.euler + 1,
        [(32.407073050587634, 9.998916784418146, -1.2703002041886888, 0.030506332925254953)]),  # 1150
    "kl-weibull-weibull": (_weibull_kl, [(323.2444065477239, 158.96485379662403, 453.6233272836038,
                                          374.9207477411451),  # NaN
                                         (0.009810130182249074, 0.17319541066849767, 92.69983613365696,
                                          30.933330813253537)]),  # 1218
    "cross-entropy-weibull-weibull": (
        lambda l1, k1, l2, k2: (_weibull_kl(l1, k1, l2, k2) + mpmath.euler * (1 - 1 / mpmath.mpf(k1))
                                + mpmath.log(mpmath.mpf(l1) / k1) + 1),
        [(0.0026729279971774763, 0.37294263386985604, 324.50031533553175, 93.07426225592948),  # 1624
         (21.4839, 15.123, 16.6358, 495.711)]),  # 126
    "kl-uniform-gumbel": (
        lambda lo, hi, m, s: _uniform_gumbel_cross_entropy(lo, hi, m, s) - mpmath.log(mpmath.mpf(hi) - lo),
        [(-26.773467105981222, -26.76604539123555, -0.10069907771549065, 0.0405023569523945),  # 482
         (-0.883118, -0.00197931, -0.011737, 0.00210403)]),  # 156
    "cross-entropy-laplace-laplace": (_laplace_cross_entropy, [
        (-0.0076927351394549615, 0.007226893547583109, 0.07287204216927856, 0.027266040496840657),  # 67
        (0.0164067, 0.00140673, 0.00388922, 0.00215338)]),  # 14
}


@pytest.mark.parametrize("target_name", TARGETS)
@pytest.mark.parametrize("name", sorted(EXP_CASES))
def test_large_exponents_and_gamma_ratios_within_8_ulp(name, target_name):
    array = float64_array(target_name)
    reference, points = EXP_CASES[name]
    f = getattr(load(name, target_name), function_name(name))
    got = np.asarray(f(*(array([p[i] for p in points]) for i in range(4))))
    for point, g in zip(points, got):
        with mpmath.workdps(50):
            truth = reference(*point)
        ulps = float(abs(mpmath.mpf(float(g)) - truth) / np.spacing(abs(float(truth))))
        assert ulps <= 8, (point, float(g), float(truth), ulps)


@pytest.mark.parametrize("target_name", TARGETS)
def test_weibull_near_diagonal_at_large_concentrations_is_finite(target_name):
    """Near p = q at concentrations in the hundreds the near form's curvature was NaN: scale^-k · scale1^k
    overflowed factor by factor (it is (scale1/scale)^k now, and log scale = log scale1 + s d on the path). What is
    left there: the curvature's terms cancel to a relative 1e-13 at KL ~ 1e-17 (up to 1900 ulp; ordinary
    concentrations stay within 8, test_near_zero_kl)."""
    array = float64_array(target_name)
    points = [(0.0237965812828054, 217.04675219251357, 0.02379656980265724, 217.04675251209946),
              (0.03497477299769005, 293.27236262253797, 0.03497477299715719, 293.2723634547987),
              (0.36720853082526783, 790.3489406751684, 0.3672085308085526, 790.3412960523211)]
    kl = load("kl-weibull-weibull", target_name).kl_weibull_weibull
    got = np.asarray(kl(*(array([p[i] for p in points]) for i in range(4))))
    for point, g in zip(points, got):
        with mpmath.workdps(60):
            truth = _weibull_kl(*point)
        assert abs(mpmath.mpf(float(g)) - truth) <= 1e-12 * truth, (point, float(g), float(truth))
