"""Accuracy goals of the emitted KL code, in ulp against mpmath at 80 digits (see ``benchmarks/accuracy.py``).

In float64 and float32, for NumPy, torch and JAX (when importable), in every regime of the benchmark (ordinary
values; KL -> 0; far-apart means; tiny and huge scales; logvar in [-80, 80]):

* the value within 4 ulp of the true KL (``kl_normal_std_normal_diag`` per element, ``reduce="none"``);
* never inf, NaN or negative where the true KL is finite in the dtype;
* the emitted ``_grad_`` functions, and torch autograd / ``jax.grad`` through the value, within 8 ulp of the
  true partial derivative (points where it is 0 or not a normal number of the dtype are skipped), measured in
  units of the derivative's condition number: d/d(scale of p) is ``(s2² - s1² - d²)/s2³`` and crosses zero on a
  surface where no evaluation from float inputs keeps relative accuracy; there the error is divided by
  max(1, condition/2). The plain 8-ulp goal is not met there: ``test_..._unconditioned`` is an expected failure
  that says so.

Two corners of those regimes that uniform sampling rarely reaches are sampled on their own (``EDGES``).

Sampling, truth and ulp measure are the benchmark's (imported from ``benchmarks/accuracy.py``), so a failing test
and the benchmark's table report the same numbers. Points are seeded: a failure is reproducible, and its message
names the worst input, our value, the true value and the error in ulp.
"""

from __future__ import annotations

import importlib.util
import math
import sys
import zlib
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parent.parent


def _load_benchmark():
    spec = importlib.util.spec_from_file_location("derive_accuracy_benchmark", REPO / "benchmarks" / "accuracy.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


acc = _load_benchmark()

N = 300  # points per regime
SEED = 1
TARGETS = ("numpy", "torch", "jax")
DTYPES = ("float64", "float32")
CASES = (  # (derivation, parameterisation)
    ("kl-normal-normal", "sigma"),
    ("kl-normal-normal", "logvar"),
    ("kl-normal-std-normal", "sigma"),
    ("kl-normal-std-normal", "logvar"),
    ("kl-normal-std-normal-diag", "logvar"),
)
POINTS = [
    pytest.param(target, name, param, dtype, regime, id=f"{target}-{acc.FUNCTIONS[name][0]}-{param}-{dtype}-{regime}")
    for target in TARGETS
    for name, param in CASES
    for dtype in DTYPES
    for regime in acc.regimes(param)
]
# Corners of the regimes above that a few hundred uniform points rarely reach, sampled on their own:
# "near-overflow": logvar1 - logvar2 in [85, 89.4] (within the logvar regime), where the true KL ~ e^x/2 is just
# below float32's largest number; "lowest-scales": the smallest decade of the scales regime, where
# (mu1 - mu2)**2 is subnormal in float32.
EDGES = (
    ("kl-normal-normal", "logvar", "float32", "near-overflow"),
    ("kl-normal-normal", "logvar", "float32", "lowest-scales"),
    ("kl-normal-normal", "logvar", "float64", "lowest-scales"),
    ("kl-normal-normal", "sigma", "float32", "lowest-scales"),
    ("kl-normal-normal", "sigma", "float64", "lowest-scales"),
)
POINTS += [
    pytest.param(target, name, param, dtype, regime, id=f"{target}-{acc.FUNCTIONS[name][0]}-{param}-{dtype}-{regime}")
    for target in TARGETS
    for name, param, dtype, regime in EDGES
]
AUTODIFF_POINTS = [p for p in POINTS if p.values[0] != "numpy"]


@lru_cache(maxsize=None)
def _case(name: str, param: str, regime: str, dtype: str):
    """(inputs, truth): the benchmark's regimes, or one of the EDGES."""
    if regime in acc.REGIMES:
        return acc.case(name, param, regime, dtype, N, SEED)
    rng = np.random.default_rng([SEED, zlib.crc32(f"{param}/{regime}/{dtype}".encode())])
    U = rng.uniform
    m1, m2 = U(-3, 3, N), U(-3, 3, N)
    if regime == "near-overflow":
        x = U(85, 89.4, N)
        a2 = U(-80, 80 - x)
        a1 = a2 + x
    elif regime == "lowest-scales":
        e = acc.SCALE_EXPONENT[dtype]
        s = 10 ** U(-e, 1 - e, N)
        m1, m2, a1, a2 = s * m1, s * m2, s * U(0.5, 2, N), s * U(0.5, 2, N)
        if param == "logvar":
            a1, a2 = 2 * np.log(a1), 2 * np.log(a2)
    else:
        raise ValueError(regime)
    t = acc.DTYPES[dtype]
    inputs = {k: np.asarray(v, dtype=t) for k, v in zip(acc.arg_names(name, param), (m1, a1, m2, a2))}
    return inputs, acc.exact(name, param, inputs)


def _require(target: str) -> None:
    if target == "torch":
        pytest.importorskip("torch")
    elif target == "jax":
        jax = pytest.importorskip("jax")
        jax.config.update("jax_enable_x64", True)  # else float64 inputs are silently cut to float32


@lru_cache(maxsize=None)
def _stats(target: str, name: str, param: str, dtype: str, regime: str):
    inputs, truth = _case(name, param, regime, dtype)
    result = acc.run_derive(name, target, param, inputs)
    return acc.measure(result, truth, dtype, inputs)


def _measure(target, name, param, dtype, regime):
    _require(target)
    return _stats(target, name, param, dtype, regime)


# ---- the measure itself -------------------------------------------------------------------------------------


def test_ulp_measure():
    truth = (np.array([1.0, 1.0, 3.0, 0.0, 1e300]), np.array([0.0, 2.0**-60, 0.0, 0.0, 0.0]))
    ours = np.array([np.nextafter(1.0, 2.0), 1.0, np.inf, 0.0, np.inf])
    err = acc.ulp_error(ours, truth, "float64")
    assert err[0] == 1.0
    assert err[1] == pytest.approx(2.0**-60 / 2.0**-52)  # the low part of the truth counts
    assert err[2] == math.inf  # inf where the truth is finite
    assert err[3] == 0.0
    assert err[4] == math.inf  # 1e300 is finite in float64
    # 1e300 overflows float32: inf is then exact, a finite result is not
    assert list(acc.ulp_error(np.array([np.inf, 3e38]), (np.array([1e300] * 2), np.zeros(2)), "float32")) == [
        0.0, math.inf]
    f32 = np.float32(1.5)
    assert acc.ulp_error(np.array([np.nextafter(f32, np.float32(2))]), (np.array([1.5]), np.zeros(1)),
                         "float32")[0] == 1.0


@pytest.mark.parametrize("name, param", [("kl-normal-normal", "sigma"), ("kl-normal-normal", "logvar"),
                                         ("kl-normal-std-normal", "sigma"), ("kl-normal-std-normal", "logvar")])
def test_reference_derivatives_agree_with_numerical_differentiation(name, param):
    """The truth's written-out partial derivatives against mpmath's numerical differentiation of the formula."""
    import mpmath

    inputs = acc.draw(name, param, "ordinary", "float64", 4, SEED)
    truth = acc.exact(name, param, inputs)
    names = acc.arg_names(name, param)
    pair = acc.FUNCTIONS[name][1]

    def kl(*x):
        if pair:
            m1, a1, m2, a2 = x
        else:
            (m1, a1), m2, a2 = x, 0, (0 if param == "logvar" else 1)
        s1, s2 = (a1, a2) if param == "sigma" else (mpmath.exp(a1 / 2), mpmath.exp(a2 / 2))
        return mpmath.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - mpmath.mpf(1) / 2

    with mpmath.workdps(40):
        for i in range(4):
            point = [mpmath.mpf(float(inputs[k][i])) for k in names]
            assert float(kl(*point)) == pytest.approx(truth.value[0][i], rel=1e-14)
            for j, k in enumerate(names):
                order = [0] * len(names)
                order[j] = 1
                numeric = float(mpmath.diff(kl, point, tuple(order)))
                assert truth.grads[k][0][i] == pytest.approx(numeric, rel=1e-12, abs=1e-300), (k, i)


# ---- the goals ----------------------------------------------------------------------------------------------


# XLA's CPU float64 exp/log/log1p are not correctly rounded (up to a few ulp; log1p of negative arguments up to
# ~130 ulp, jax-ml/jax#39707, which the JAX modules' _log1p helper avoids): the JAX value misses 4 ulp by up to
# ~2 ulp here. (sigma, float32, scales) and (sigma, float64, lowest-scales) pass since that helper. XLA's code
# depends on the CPU: (logvar, float64, far) was 4.08 ulp on an AVX-512 machine (2026-11-27), within 4 elsewhere.
JAX_MATH = {("kl-normal-normal", "sigma", "float64", "scales"), ("kl-normal-normal", "logvar", "float64", "kl0"),
            ("kl-normal-normal", "logvar", "float64", "lowest-scales"),
            ("kl-normal-normal", "logvar", "float64", "far")}
VALUE_POINTS = [
    pytest.param(*p.values, id=p.id, marks=[pytest.mark.xfail(strict=False, reason="XLA CPU math, see JAX_MATH")])
    if p.values[0] == "jax" and p.values[1:] in JAX_MATH else p
    for p in POINTS
]


@pytest.mark.parametrize("target, name, param, dtype, regime", VALUE_POINTS)
def test_value_within_4_ulp(target, name, param, dtype, regime):
    st = _measure(target, name, param, dtype, regime)
    assert st.value_max <= acc.VALUE_GOAL, (
        f"max {st.value_max:.4g} ulp (median {st.value_med:.3g}); worst: {st.worst_value}")


@pytest.mark.parametrize("target, name, param, dtype, regime", POINTS)
def test_never_inf_nan_or_negative_where_finite(target, name, param, dtype, regime):
    st = _measure(target, name, param, dtype, regime)
    assert (st.n_inf, st.n_nan, st.n_neg) == (0, 0, 0), (
        f"{st.n_inf} inf (true value finite), {st.n_nan} NaN, {st.n_neg} negative of {N}; "
        f"worst: {st.worst_value}")


def _gradient_failures(by_arg) -> list[str]:
    return [str(w) for w in by_arg.values() if not w.ulp <= acc.GRAD_GOAL]


@pytest.mark.parametrize("target, name, param, dtype, regime", POINTS)
def test_emitted_gradients_within_8_ulp(target, name, param, dtype, regime):
    st = _measure(target, name, param, dtype, regime)
    assert st.emitted_by_arg, "no gradient was measured"
    failures = _gradient_failures(st.emitted_by_arg)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("target, name, param, dtype, regime", AUTODIFF_POINTS)
def test_autodiff_gradients_within_8_ulp(target, name, param, dtype, regime):
    st = _measure(target, name, param, dtype, regime)
    assert st.auto_by_arg, "no gradient was measured"
    failures = _gradient_failures(st.auto_by_arg)
    assert not failures, "\n".join(failures)


@pytest.mark.xfail(strict=True, reason="d/d(scale of p) loses relative accuracy where it crosses zero "
                   "(ill-conditioned): the issue's plain 8-ulp gradient goal is not met there")
@pytest.mark.parametrize("param", ["sigma"])
def test_emitted_gradients_within_8_ulp_unconditioned(param):
    st = _measure("numpy", "kl-normal-normal", param, "float64", "ordinary")
    failures = _gradient_failures(st.emitted_raw_by_arg)
    assert not failures, "\n".join(failures)
