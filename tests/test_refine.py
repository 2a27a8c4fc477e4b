"""Double-double refinement where a closed form's terms cancel (derive.emit.refine): the helpers against mpmath,
the refined modules near the roots of their values against the closed form at 50 digits (and the same points
without the refinement, which lose digits), broadcasting, autograd, dtypes, and what cannot be refined."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from generated import OUTPUT, float64_array, load
from sympy import Symbol, erfc, log

from derive.compare import Evaluator, target
from derive.compare_code import compare_code, rounded, ulps
from derive.emit import params
from derive.emit.code import function_name
from derive.emit.refine import REFINED, SPECIAL_ERROR, RefineError, bound, compiled, split

E = math.e
#: points where the value is near 0 (a root) while its terms are of order one: (derivation, {parameter: value})
NEAR_ROOTS = [
    ("entropy-beta", {"concentration1": 1 + 1e-7, "concentration0": 1 - 1e-7}),
    ("entropy-beta", {"concentration1": 1.001, "concentration0": 0.9995}),
    ("entropy-exponential", {"rate": E * (1 + 1e-9)}),
    ("entropy-exponential", {"rate": np.nextafter(E, 3.0)}),
    ("entropy-uniform", {"low": 0.1, "high": 1.1 + 1e-7}),  # high - low rounds: log of it keeps 23 bits
    ("entropy-half-normal", {"scale": math.sqrt(2 / (math.pi * E)) * (1 + 1e-8)}),
    ("entropy-lognormal", {"loc": -(0.5 + 0.5 * math.log(2 * math.pi)) + 1e-10, "scale": 1.0}),
    ("cross-entropy-exponential-exponential", {"rate1": 3 / math.log(3) * (1 + 1e-9), "rate2": 3.0}),
    ("kl-uniform-beta", {"low1": 0.001, "high1": 0.999, "concentration12": 1.001, "concentration02": 0.999}),
]


def _module(name, target_name="numpy"):
    return load(name, target_name)


def _reference(name, point):
    tgt = target(name)
    value = Evaluator(tgt.params, 50)(tgt.value, {s: point[str(s)] for s in tgt.params})
    return rounded(value)


def _call(module, name, point, convert=np.float64):
    return float(getattr(module, function_name(name))(**{k: convert(v) for k, v in point.items()}))


@pytest.mark.parametrize("name, point", NEAR_ROOTS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(NEAR_ROOTS)])
def test_refined_values_near_roots_are_within_8_ulp_and_not_without_refinement(name, point):
    module = _module(name)
    expected = _reference(name, point)
    assert abs(expected) < 3e-3  # the point is near a root: the terms (of order one) cancel
    assert ulps(_call(module, name, point), expected) <= 8
    module._refine = lambda value, *args: value  # the float value alone
    assert ulps(_call(module, name, point), expected) > 8


FRAMEWORKS = ["torch", "jax", "tensorflow"]


@pytest.mark.parametrize("target_name", FRAMEWORKS)
@pytest.mark.parametrize("name, point", NEAR_ROOTS[:4], ids=[f"{n}-{i}" for i, (n, _) in enumerate(NEAR_ROOTS[:4])])
def test_refined_framework_modules_near_roots(name, point, target_name):
    array = float64_array(target_name)
    module = _module(name, target_name)
    expected = _reference(name, point)
    assert ulps(_call(module, name, point, array), expected) <= 8


@pytest.mark.parametrize("probs, low, high", [(0.5 + 1e-5, 0.0, 1.0), (0.5 - 1e-6, -1e-9, 1.0), (0.5 + 1e-8, 0.0, 1.0),
                                               (0.51, -0.001, 1.0), (0.8, -2.0, 1.5)])
def test_continuous_bernoulli_against_uniform_near_its_zero(probs, low, high):
    """KL(CB(p) ‖ U(low, high)) = KL(CB(p) ‖ CB(1/2)) + log(high - low) (code.EMBEDDED), on every target whose
    module computes in float64 here: 6.9e-11 for 6.7e-11 at p = 1/2 + 1e-5 before, 0 at 1/2 + 1e-6."""
    point = {"probs1": probs, "low2": low, "high2": high}
    expected = _reference("kl-continuous-bernoulli-uniform", point)
    for target_name in ["numpy", *FRAMEWORKS]:
        array = float64_array(target_name)
        module = _module("kl-continuous-bernoulli-uniform", target_name)
        assert ulps(_call(module, "kl-continuous-bernoulli-uniform", point, array), expected) <= 8, target_name


@pytest.mark.parametrize("name", REFINED)
def test_every_refined_module_within_8_ulp_at_compare_points(name):
    """``derive compare --code``'s 24 random points (and near KL = 0 for a KL): the committed NumPy module."""
    path = OUTPUT / "numpy" / params.default(name) / f"{function_name(name)}.py"
    verdict = compare_code(name, f"{path}:{function_name(name)}", tol=8)
    assert verdict.agrees, (verdict.worst.point, verdict.worst.ulp)


def test_the_bound_counts_a_targets_inaccurate_special_functions():
    """At a root of log-gamma its own rounding is 0 with SciPy's accuracy; JAX's error is of ulp(1) there."""
    from sympy import loggamma, polygamma

    x = Symbol("x", positive=True)
    for f in (loggamma(x), polygamma(0, x)):
        own = abs(float(f.subs(x, 1)))  # 0 for log-gamma, 0.577 for digamma
        assert float(bound(f).subs(x, 1)) == own
        assert float(bound(f, SPECIAL_ERROR["jax"]).subs(x, 1)) == SPECIAL_ERROR["jax"] * (own + 1)


def _helpers(target_name):
    return _module("entropy-beta", target_name)


@pytest.mark.parametrize("target_name", ["numpy", *FRAMEWORKS])
def test_double_double_helpers_agree_with_mpmath_to_96_bits(target_name):
    """On every target (jax.numpy.exp2 is an ulp off: _dd_exp scales by an exact power of 2 there)."""
    array = float64_array(target_name)
    m = _helpers(target_name)
    rng = np.random.default_rng(7)
    zs = np.concatenate([np.exp(rng.uniform(np.log(1e-3), np.log(1e4), 40)), [1.0, 2.0, 0.5, 19.999, 20.0, 1 + 1e-12]])
    xs = np.concatenate([rng.uniform(-40, 40, 30), [0.0, 1e-12, -0.3465, 0.3466]])
    checks = [
        ("_dd_lgamma", zs, mpmath.loggamma),
        ("_dd_digamma", zs, mpmath.digamma),
        ("_dd_log", zs, mpmath.log),
        ("_dd_exp", xs, mpmath.exp),
    ]
    with mpmath.workdps(50):
        for helper, inputs, exact in checks:
            hi, lo = getattr(m, helper)((array(inputs), array(np.zeros_like(inputs))))
            for v, h, low in zip(inputs, np.asarray(hi), np.asarray(lo)):
                reference = exact(mpmath.mpf(float(v)))
                error = abs(mpmath.mpf(float(h)) + mpmath.mpf(float(low)) - reference)
                assert error <= 2.0**-96 * max(1, abs(reference)), (helper, v, error)


@pytest.mark.parametrize("target_name", ["numpy", *FRAMEWORKS])
def test_x_log_x_is_zero_at_zero_in_double_double(target_name):
    """A uniform's low = 0 gives low·log(low) = 0·(-inf) spelt out; _dd_xlogx is 0 there and x log x to 96 bits
    elsewhere, and the bound is finite (it was nan, so JAX's 15-ulp value at low = 0 was never refined)."""
    array = float64_array(target_name)
    name = "cross-entropy-uniform-beta"
    m = _module(name, target_name)
    xs = np.array([0.0, 1e-300, 0.25, 0.5, 0.743, 1.0, 3.5])
    hi, lo = (np.asarray(v) for v in m._dd_xlogx((array(xs), array(np.zeros_like(xs)))))
    assert hi[0] == 0 and lo[0] == 0
    with mpmath.workdps(50):
        for v, h, low in zip(xs[1:], hi[1:], lo[1:]):
            exact = mpmath.mpf(float(v)) * mpmath.log(mpmath.mpf(float(v)))
            assert abs(mpmath.mpf(float(h)) + mpmath.mpf(float(low)) - exact) <= 2.0**-96 * max(1, abs(exact)), v
    point = {"low1": 0.0, "high1": 0.743, "concentration12": 1.186, "concentration02": 1.839}  # compare's worst
    assert ulps(_call(m, name, point, array), _reference(name, point)) <= 8


@pytest.mark.parametrize("target_name", ["numpy", *FRAMEWORKS])
def test_double_double_erf_agrees_with_mpmath_to_96_bits(target_name):
    """The series of positive terms below the cut (6), 1 - erfc above; odd; 0 at 0."""
    from derive.emit.refine import ERF_CUT

    array = float64_array(target_name)
    m = _module("kl-normal-laplace", target_name)
    rng = np.random.default_rng(8)
    xs = np.concatenate([rng.uniform(-8, 8, 60), [0.0, 1e-150, -1e-12, 0.5, ERF_CUT, np.nextafter(ERF_CUT, 0), 30.0]])
    hi, lo = (np.asarray(v) for v in m._dd_erf((array(xs), array(np.zeros_like(xs)))))
    with mpmath.workdps(50):
        for v, h, low in zip(xs, hi, lo):
            exact = mpmath.erf(mpmath.mpf(float(v)))
            assert abs(mpmath.mpf(float(h)) + mpmath.mpf(float(low)) - exact) <= 2.0**-96 * abs(exact) + 1e-322, v


def test_a_normal_against_a_gumbel_is_refined_where_its_exponential_is_large():
    """e^(s1²/(2 s2²) + ..) at s1/s2 = 9.5: the argument's roundings are magnified 45-fold (76 ulp before)."""
    name = "kl-normal-gumbel"
    point = {"mu1": -0.5226921476169801, "sigma1": 2.908412942035647, "loc2": -0.7059140918579128,
             "scale2": 0.30557383292307455}
    module = _module(name)
    expected = _reference(name, point)
    assert ulps(_call(module, name, point), expected) <= 8
    module._refine = lambda value, *args: value  # the float value alone
    assert ulps(_call(module, name, point), expected) > 8


def test_refinement_broadcasts_like_the_float_value():
    m = _module("entropy-beta")
    a = np.array([[1 + 1e-7], [2.5], [1.001]])  # (3, 1)
    b = np.array([[1 - 1e-7, 0.9995, 3.0, 1.0]])  # (1, 4)
    got = m.entropy_beta(a, b)
    assert got.shape == (3, 4)
    for i in range(3):
        for j in range(4):
            assert got[i, j] == m.entropy_beta(a[i, 0], b[0, j])


def test_float32_data_is_not_refined_and_stays_float32():
    m = _module("entropy-beta")
    got = m.entropy_beta(np.float32(1.001), np.float32(0.9995))
    assert got.dtype == np.float32
    expected = _reference("entropy-beta", {"concentration1": float(np.float32(1.001)),
                                           "concentration0": float(np.float32(0.9995))})
    assert abs(float(got) - expected) <= 2 * abs(expected) * 2.0**-23  # float64 inside: float32's own rounding


def test_torch_autograd_keeps_the_float_gradient():
    torch = pytest.importorskip("torch")
    m = _module("entropy-beta", "torch")
    a = torch.tensor([1 + 1e-7, 2.5], dtype=torch.float64, requires_grad=True)
    b = torch.tensor([1 - 1e-7, 3.0], dtype=torch.float64, requires_grad=True)
    value = m.entropy_beta(a, b)
    value.sum().backward()
    with torch.no_grad():  # dH/da = -(a - 1) psi'(a) + (a + b - 2) psi'(a + b)
        expected = -(a - 1) * torch.polygamma(1, a) + (a + b - 2) * torch.polygamma(1, a + b)
    assert torch.allclose(a.grad, expected, rtol=1e-6, atol=1e-12)
    reference = _reference("entropy-beta", {"concentration1": 1 + 1e-7, "concentration0": 1 - 1e-7})
    assert ulps(float(value[0]), reference) <= 8


def test_every_target_refines():
    for name in ("entropy-beta", "cross-entropy-normal-gumbel"):
        for target_name in ("numpy", "torch", "jax", "tensorflow"):
            path = OUTPUT / target_name / params.default(name) / f"{function_name(name)}.py"
            assert "def _refine(" in path.read_text(), (name, target_name)


#: entropy-beta near its root: the float value is far off (jax: 6e5 ulp), the refined one is not
BETA_NEAR_ROOT = {"concentration1": 1.001, "concentration0": 0.9995}


def _beta_near_root(target_name):
    """(module, reference value, point as the target's float64 arrays), the eager call checked to be refined."""
    array = float64_array(target_name)
    m = _module("entropy-beta", target_name)
    expected = _reference("entropy-beta", BETA_NEAR_ROOT)
    point = {k: array(v) for k, v in BETA_NEAR_ROOT.items()}
    assert ulps(float(m.entropy_beta(**point)), expected) <= 8
    return m, expected, point


def test_jax_refines_concrete_arrays_and_keeps_jit_and_grad_working():
    m, expected, point = _beta_near_root("jax")
    import jax

    jitted = float(jax.jit(m.entropy_beta)(**point))  # traced: the float value, which loses digits here
    assert abs(jitted - expected) <= 1e-6 * abs(expected)
    a, b = point.values()
    grad = jax.grad(m.entropy_beta)(a, b)  # dH/da = -(a - 1) psi'(a) + (a + b - 2) psi'(a + b)
    psi1 = jax.scipy.special.polygamma
    assert abs(float(grad) - float(-(a - 1) * psi1(1, a) + (a + b - 2) * psi1(1, a + b))) <= 1e-9


def test_tensorflow_refines_eagerly_and_keeps_tf_function_and_gradients_working():
    m, expected, point = _beta_near_root("tensorflow")
    import tensorflow as tf

    graph = float(tf.function(m.entropy_beta)(**point))  # inside a graph: the float value
    assert abs(graph - expected) <= 1e-5 * abs(expected)
    a, b = tf.Variable(point["concentration1"]), point["concentration0"]
    with tf.GradientTape() as tape:
        value = m.entropy_beta(a, b)
    assert ulps(float(value), expected) <= 8  # refined while the tape records
    expected_grad = -(a - 1) * tf.math.polygamma(tf.constant(1.0, tf.float64), a) + (a + b - 2) * tf.math.polygamma(
        tf.constant(1.0, tf.float64), a + b)
    assert abs(float(tape.gradient(value, a)) - float(expected_grad)) <= 1e-9


def test_bound_flags_a_log_of_a_difference_near_one():
    low, high = Symbol("low", real=True), Symbol("high", real=True)
    expr = log(high - low)
    b = bound(expr)
    at = lambda h: float(b.subs({low: 0.5, high: h})) / abs(math.log(h - 0.5))  # noqa: E731
    assert at(1.5 + 1e-6) > 1e5  # width 1 + 1e-6: log's argument cancels
    assert at(3.5) < 16


def test_a_function_without_a_double_double_helper_is_refused():
    x = Symbol("x", positive=True)
    with pytest.raises(RefineError, match="erfc"):
        compiled(erfc(x) + log(x))


def test_split_keeps_106_bits():
    with mpmath.workdps(60):
        hi, lo = split(+mpmath.pi)
        assert abs(mpmath.mpf(hi) + mpmath.mpf(lo) - mpmath.pi) < mpmath.mpf(2) ** -106
        assert hi == math.pi
