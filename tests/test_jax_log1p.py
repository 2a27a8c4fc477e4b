"""JAX's log1p (up to 113 ulp off at x in (-1/2, -1/10)) and arctanh (128 ulp) are replaced in the emitted JAX
modules by the helper ``_log1p`` (derive.emit.helpers) and a log1p form of atanh (derive.emit.printers): against
mpmath, eagerly and under jax.jit (where XLA would fold (1 + x) - 1 into x without the optimization barrier)."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from generated import OUTPUT, load

from derive.compare_code import compare_code
from derive.emit import params
from derive.emit.code import function_name

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)  # else float64 inputs are silently cut to float32


def _ulps(got, reference):
    got, reference = np.asarray(got), np.asarray(reference)
    return np.max(np.abs(got - reference) / np.spacing(np.abs(reference)))


def _points():
    rng = np.random.default_rng(5)
    return np.concatenate([rng.uniform(-0.99, 3, 1500), -np.exp(rng.uniform(-40, -0.01, 500)),
                           np.exp(rng.uniform(-40, 40, 500))])


@pytest.mark.parametrize("jit", [False, True])
def test_log1p_helper_is_within_1_ulp_of_mpmath(jit):
    helper = load("entropy-continuous-bernoulli", "jax")._log1p
    helper = jax.jit(helper) if jit else helper
    x = _points()
    with mpmath.workdps(40):
        reference = [float(mpmath.log1p(mpmath.mpf(float(v)))) for v in x]
    assert _ulps(helper(x), reference) <= 1
    assert _ulps(jax.numpy.log1p(x), reference) > 8  # what the helper replaces (a test of this test's points)
    edges = np.asarray(helper(np.array([-1.0, 0.0, -0.0, np.inf, 1e-300])))
    assert edges[0] == -np.inf and edges[1] == 0 and edges[3] == np.inf and edges[4] == 1e-300
    assert float(jax.grad(helper)(-0.3)) == pytest.approx(1 / 0.7, rel=1e-15)


def test_atanh_is_printed_through_the_helper_within_2_ulp():
    from sympy import Symbol, atanh, lambdify

    from derive.emit.printers import JaxStablePrinter

    y = Symbol("y", real=True)
    printed = JaxStablePrinter({"fully_qualified_modules": True}).doprint(atanh(y))
    assert "arctanh" not in printed and "_log1p(" in printed
    helper = load("entropy-continuous-bernoulli", "jax")._log1p
    f = lambdify(y, printed, modules=[{"_log1p": helper, "jax": jax}])
    rng = np.random.default_rng(6)
    x = np.concatenate([rng.uniform(-0.999, 0.999, 2000), rng.uniform(-1e-3, 1e-3, 500), [0.0, 0.5, -0.5]])
    with mpmath.workdps(40):
        reference = [float(mpmath.atanh(mpmath.mpf(float(v)))) for v in x]
    got = np.asarray(f(jax.numpy.asarray(x)))
    nonzero = x != 0
    assert _ulps(got[nonzero], np.asarray(reference)[nonzero]) <= 2 and got[~nonzero][0] == 0


def test_every_jax_module_that_calls_the_helper_defines_it():
    calling = [p for p in (OUTPUT / "jax").rglob("*.py") if "_log1p(" in p.read_text()]
    assert len(calling) > 20
    for path in calling + [p for p in (OUTPUT / "jax").rglob("*.py")]:
        text = path.read_text()
        assert ("_log1p(" in text) == ("def _log1p(" in text), path
        assert "jax.numpy.log1p(" not in text and "jax.numpy.arctanh(" not in text, path


@pytest.mark.parametrize("name", ["entropy-continuous-bernoulli", "kl-continuous-bernoulli-continuous-bernoulli"])
def test_jax_modules_that_lost_digits_in_log1p_are_within_8_ulp(name):
    """Before: 128 ulp (arctanh at 2p - 1 = 0.41) and 43 ulp."""
    path = OUTPUT / "jax" / params.default(name) / f"{function_name(name)}.py"
    verdict = compare_code(name, f"{path}:{function_name(name)}", tol=8)
    assert verdict.agrees, (verdict.worst.point, verdict.worst.ulp)

