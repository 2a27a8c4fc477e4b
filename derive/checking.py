"""Check a derivation's step chain: each step must equal the one before it.

Where no integral remains the two steps are compared symbolically; where integrals remain both are evaluated
by quadrature (40 working digits, 30 required) at several random admissible points. Steps over a symbolic
dimension D are instantiated at D = 1, 2, 3 first. A step that does not follow raises ``StepCheckError``
naming the derivation and the step, with the point and the two values.
"""

from __future__ import annotations

import contextvars
from contextlib import contextmanager
from dataclasses import dataclass

from sympy import Dummy, Integral, Lambda, Piecewise, S, Sum, expand, expand_log, oo

from derive.numeric import close, evaluate, parameters_of, random_point, rng_for
from derive.prove import DerivationError, symbolic_equal
from derive.step import Derivation

DIMENSIONS = (1, 2, 3)
POINTS = 4

_DIMENSIONS = contextvars.ContextVar("derive_check_dimensions", default=DIMENSIONS)


@contextmanager
def at_dimensions(values: tuple[int, ...]):
    """Within it, ``check_pair`` instantiates a symbolic dimension at ``values`` instead of DIMENSIONS (the
    build's coverage table checks D = 1, 2: D = 3 is over half of its time, and ``derive verify`` keeps it)."""
    token = _DIMENSIONS.set(tuple(values))
    try:
        yield
    finally:
        _DIMENSIONS.reset(token)


class StepCheckError(DerivationError):
    """A step of a derivation does not follow from the previous one."""


@dataclass(frozen=True)
class StepCheck:
    step: int  # 1-based number of the checked step (step 1 is the definition and is not checked)
    rule: str
    method: str


def bind(expr, derivation: Derivation):
    """Replace the density symbols q(z), p(z) by the densities they stand for."""
    for b in derivation.bindings:
        expr = expr.replace(b.func, Lambda(b.var, b.body))
    return expr


def _fmt(point) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(point.items(), key=lambda kv: str(kv[0])))


def compare(a, b, hints, *, label: str, points: int = POINTS, names=("the step before", "this step"),
            seed: str = "", domains=None) -> str:
    """Show ``a == b`` (already bound); return how. Raises StepCheckError with ``label`` when they differ.

    Points are drawn from ``seed`` (else ``label``): the steps of one derivation share their points, so a step's
    value is computed once for the comparison before it and once more is avoided for the one after.
    """
    has_integral = a.has(Integral, Sum) or b.has(Integral, Sum)
    if not has_integral and symbolic_equal(a, b):
        return "symbolic"
    if has_integral and _same_integrands(a, b):
        return "symbolic (integrands over one range)"
    params = parameters_of(a + b)
    rng = rng_for(seed or label)
    for _ in range(points):
        point = random_point(params, rng, domains)
        va, vb = _evaluate(a, point, hints), _evaluate(b, point, hints)
        if not close(va, vb):
            raise StepCheckError(
                f"{label}: at {_fmt(point) or 'no parameters'} {names[0]} gives {mpstr(va)}, "
                f"{names[1]} gives {mpstr(vb)}"
            )
    if has_integral:
        return f"quadrature at {points} random points (30 digits)"
    return f"numeric at {points} random points (30 digits); no symbolic proof found"


def _same_integrands(a, b) -> bool:
    """True when ``a - b`` is a combination of integrals over one range (and nothing else) whose integrands cancel
    symbolically: then a = b by linearity of the integral, without quadrature. When the integrals cancel term by
    term and what is left is 0, too."""
    integrals = (a - b).atoms(Integral, Sum)
    if not integrals:
        return symbolic_equal(a - b, S.Zero)
    ranges = {(type(i), i.limits) for i in integrals}
    if len(ranges) != 1 or any(i.function.has(Integral, Sum) for i in integrals):
        return False
    ((_, limits),) = ranges
    if len(limits) != 1 or len(limits[0]) != 3:
        return False
    var, lo, hi = limits[0]
    w = Dummy("w")
    x = Dummy(var.name, positive=True) if lo.is_nonnegative else var
    combined = (a - b).xreplace({i: w * i.function for i in integrals}).xreplace({var: x})
    if not symbolic_equal(combined.subs(w, 0), S.Zero):
        return False
    integrand = combined.diff(w)
    try:
        # on a bounded range of positive z (a beta density on (0, 1)) every factor under a log (z, 1 - z, 1 - z^a)
        # is positive, so logs of products and powers may be split: tried first, as it is much cheaper than
        # symbolic_equal's simplify (which fails on those integrands anyway)
        if lo.is_nonnegative and hi.is_finite and expand(expand_log(integrand, force=True)) == 0:
            return True
        return symbolic_equal(integrand, S.Zero)
    except Exception:  # noqa: BLE001  (simplify can fail on exotic expressions: then quadrature decides)
        return False


_VALUES: dict = {}


def _evaluate(expr, point, hints):
    key = (expr, tuple(sorted(point.items(), key=str)), tuple(sorted((str(k), str(v)) for k, v in hints.items())))
    if key not in _VALUES:
        _VALUES[key] = evaluate(expr, point, hints)
    return _VALUES[key]


def mpstr(x) -> str:
    import mpmath

    return mpmath.nstr(x, 15)


def _finite_branches(before, after):
    """Steps of a pair that is +∞ outside a condition are Piecewise((value, condition), (oo, True)) with one
    condition (checked by their finiteness step): compare the values (at points where the condition holds)."""
    if isinstance(before, Piecewise) and isinstance(after, Piecewise) and len(before.args) == len(after.args) == 2 \
            and before.args[1] == after.args[1] == (oo, True) and before.args[0].cond == after.args[0].cond:
        return before.args[0].expr, after.args[0].expr
    return before, after


def check_pair(derivation: Derivation, i: int, before, after, points: int = POINTS) -> str:
    label = f"{derivation.name}: step {i + 1} ({derivation.steps[i].rule})"
    step = derivation.steps[i]
    if step.check is not None:
        return step.check(label)
    before, after = _finite_branches(before, after)
    if step.substitutions and derivation.dimension is None:
        replaced = before.xreplace(dict(step.substitutions))
        if not replaced.has(Integral, Sum) and symbolic_equal(replaced, after):
            return "symbolic, by the cited lemmas and derivations"
    if derivation.dimension is None:
        hints = derivation.hints(None) if derivation.hints else {}
        return compare(bind(before, derivation), bind(after, derivation), hints, label=label, seed=derivation.name,
                       domains=derivation.domains, points=points)
    methods, dimensions = set(), _DIMENSIONS.get()
    for n in dimensions:
        a, b = derivation.instantiate(before, n), derivation.instantiate(after, n)
        methods.add(compare(a, b, derivation.hints(n), label=f"{label} at {derivation.dimension} = {n}",
                               points=min(points, 2)))
    return f"instantiated {derivation.dimension} = {', '.join(map(str, dimensions))}; " + " / ".join(sorted(methods))


def check_steps(derivation: Derivation, points: int = POINTS) -> tuple[StepCheck, ...]:
    """Check every step against the one before (numerically at ``points`` random points where that is needed);
    return how each was shown."""
    out = []
    for i in range(1, len(derivation.steps)):
        before, after = derivation.steps[i - 1].expr, derivation.steps[i].expr
        out.append(StepCheck(i + 1, derivation.steps[i].rule, check_pair(derivation, i, before, after, points)))
    return tuple(out)
