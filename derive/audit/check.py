"""Decide one written equality: ``holds`` (and how), ``false`` (a counterexample) or ``unparsed`` (why).

1. Parse both sides (:mod:`derive.audit.latex`); warn about what parses but looks wrong (a sum whose summand does
   not depend on its index).
2. A divergence of the ``--let`` densities written beside a sum up to a dimension D is read in D dimensions:
   D independent coordinates, each with the let densities (the KL of a product is the sum of the KLs).
   Sums up to a symbolic bound are checked at D = 1, 2, 3.
3. Resolve densities and divergences (:mod:`derive.audit.resolve`).
4. Symbolically: SymPy reduces the difference to 0 (after expanding logs with the symbols' assumptions); or, with
   integrals, the difference is one integral over the same range whose integrand reduces to 0 (linearity).
5. Otherwise numerically: both sides at POINTS random admissible points at 40 digits, integrals by mpmath
   quadrature; equal to DIGITS digits at every point is ``holds``, one point that differs is ``false``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import mpmath
from sympy import (
    Add,
    Dummy,
    Expr,
    Integral,
    Mul,
    S,
    Sum,
    Symbol,
    Tuple,
    exp,
    expand,
    expand_log,
    simplify,
)

from derive.audit.densities import Context
from derive.audit.errors import AuditError
from derive.audit.extract import Equality
from derive.audit.latex import parse
from derive.audit.resolve import Resolver, functionals
from derive.lemmas import expectation
from derive.numeric import CONDITION, close, evaluate, parameters_of, random_point, rng_for
from derive.prove import DerivationError
from derive.symbols import z

POINTS = 4
DIGITS = 25
DIMENSIONS = (1, 2, 3)
TRIES = 12  # draws allowed for POINTS points where a side cannot be evaluated (a log of a negative number)


@dataclass
class Result:
    equality: Equality
    status: str  # holds | false | unparsed
    detail: str
    warnings: list[str] = field(default_factory=list)


def summand_warnings(expr: Expr) -> list[str]:
    out = []
    for s in sorted(expr.atoms(Sum), key=str):
        index, _, hi = s.limits[0]
        if not s.function.has(index):
            out.append(f"the summand of the sum over {index} does not depend on {index}: the sum is {hi} times "
                       f"{s.function} (the same parameters in every term; {index}-indexed ones meant?)")
    return out


def _dimension(a: Expr, b: Expr):
    """The symbolic upper bound of the sums of the equality, when there is one."""
    bounds = {s.limits[0][2] for s in Tuple(a, b).atoms(Sum) if isinstance(s.limits[0][2], Symbol)}
    return bounds.pop() if len(bounds) == 1 else None


def _in_dimensions(expr: Expr, dim: Symbol) -> Expr:
    """Divergences outside sums read over ``dim`` independent coordinates: KL -> sum over d of KL."""
    inside = set().union(*(functionals(s.function) for s in expr.atoms(Sum))) if expr.atoms(Sum) else set()
    d = Dummy("d", integer=True, positive=True)
    return expr.xreplace({f: Sum(f, (d, 1, dim)) for f in functionals(expr) - inside})


def _zero(expr: Expr) -> bool:
    expr = expand(expand_log(expr))
    return expr == 0 or simplify(expr) == 0


def _linear_integrand(diff: Expr):
    """The difference as one integrand over shared limits plus a remainder, or None when it is not linear in
    integrals with the same limits."""
    integrand, rest, limits = S.Zero, S.Zero, None
    u = Dummy("u", real=True)
    for term in Add.make_args(expand(diff)):
        parts = [f for f in Mul.make_args(term) if isinstance(f, Integral)]
        if not parts:
            if term.has(Integral):
                return None
            rest += term
            continue
        if len(parts) != 1 or len(parts[0].limits) != 1 or len(parts[0].limits[0]) != 3:
            return None
        (var, lo, hi), = parts[0].limits
        if limits not in (None, (lo, hi)):
            return None
        limits = (lo, hi)
        coefficient = term / parts[0]
        if coefficient.has(var) or coefficient.has(Integral):
            return None
        integrand += coefficient * parts[0].function.xreplace({var: u})
    return integrand, rest


def _by_lemmas(integral: Integral, members: list):
    """∫ f(z) m(z) dz as E_m[f] by derive's moment lemmas (the family's standardising substitution) for the first
    member m whose density is a factor of the integrand and whose support is the range; None when none applies."""
    if len(integral.limits) != 1 or len(integral.limits[0]) != 3:
        return None
    var, lo, hi = integral.limits[0]
    for m in dict.fromkeys(members):
        if (lo, hi) != tuple(m.support) or getattr(m, "discrete", False):
            continue
        statistic = expand(expand_log(integral.function / m.density(var)))
        if statistic.has(exp) or statistic.has(Integral):
            continue
        try:
            return expectation(m, statistic.xreplace({var: z}))
        except (DerivationError, NotImplementedError, AttributeError, TypeError, ValueError):
            continue  # a statistic (or a family) without a lemma: quadrature decides
    return None


def symbolic(a: Expr, b: Expr, members=()) -> str | None:
    """How SymPy shows a = b, or None when it does not settle it."""
    diff = a - b
    if not diff.has(Integral, Sum):
        return "symbolically (the difference simplifies to 0)" if _zero(diff) else None
    split = _linear_integrand(diff)
    if split is not None and _zero(split[0]) and _zero(split[1]):
        return "symbolically (linearity: one integral over the same range whose integrand simplifies to 0)"
    values = {i: _by_lemmas(i, members) for i in diff.atoms(Integral)}
    if all(v is not None for v in values.values()) and not diff.has(Sum) and _zero(diff.xreplace(values)):
        return "symbolically (integrals by the moment lemmas of the --let families, then the difference is 0)"
    return None


def _fmt_point(point: dict) -> str:
    """``mu = -1.339, sigma = 1.266``: the drawn rationals (thousandths) as decimals."""
    return ", ".join(f"{k} = {v if v.is_Integer else format(float(v), 'g')}"
                     for k, v in sorted(point.items(), key=lambda kv: str(kv[0])))


def numeric(a: Expr, b: Expr, ctx: Context, hints: dict, label: str) -> tuple[str, str]:
    """(status, detail) from POINTS random admissible points."""
    params = parameters_of(Tuple(a, b))
    domains = {s: v for s, v in ctx.intervals.items()}
    if ctx.condition() is not None:
        domains[CONDITION] = ctx.condition()
    rng = rng_for("audit", label)
    checked, errors, kinds = [], [], set()
    for _ in range(TRIES):
        if len(checked) == POINTS:
            break
        try:
            point = random_point(params, rng, domains or None)
            left, right = evaluate(a, point, hints), evaluate(b, point, hints)
        except (ValueError, TypeError, ZeroDivisionError, ArithmeticError) as err:
            errors.append(str(err).splitlines()[0][:120])
            continue
        if not close(left, right, DIGITS):
            return "false", (f"at {_fmt_point(point)}: left side = {mpmath.nstr(left, 12)}, "
                             f"right side = {mpmath.nstr(right, 12)}")
        checked.append(point)
        kinds.add("quadrature" if Tuple(a, b).has(Integral) else "evaluation")
    if not checked:
        return "unparsed", f"not checked: no admissible point could be evaluated ({errors[0] if errors else 'no point'})"
    how = " and ".join(sorted(kinds))
    return "holds", f"numerically at {len(checked)} random points, {how}, equal to {DIGITS} digits" + (
        f" (first point: {_fmt_point(checked[0])})" if params else "")


def check(eq: Equality, ctx: Context) -> Result:
    functions = set(ctx.lets) | {"N"}
    try:
        (a, wa), (b, wb) = (parse(side, ctx.names, functions) for side in (eq.lhs, eq.rhs))
    except AuditError as err:
        return Result(eq, "unparsed", str(err))
    warnings = list(dict.fromkeys(wa + wb + summand_warnings(a) + summand_warnings(b)))
    dim = _dimension(a, b)
    note = ""
    if dim is not None and functionals(Tuple(a, b)):
        a, b = _in_dimensions(a, dim), _in_dimensions(b, dim)
        note = f"; divergences read over {dim} independent coordinates with the --let densities"
    resolver = Resolver(ctx)
    try:
        a, b = resolver(a), resolver(b)
    except AuditError as err:
        return Result(eq, "unparsed", str(err), warnings)
    cases = [({}, "")] if dim is None else [({dim: k}, f"{dim} = {k}: ") for k in DIMENSIONS]
    shown = []
    for sub, prefix in cases:
        ak, bk = (e.xreplace(sub).replace(lambda x: isinstance(x, Sum), lambda x: x.doit(deep=False)) if sub else e
                  for e in (a, b))
        how = symbolic(ak, bk, resolver.members)
        if how is None:
            status, how = numeric(ak, bk, ctx, resolver.hints, f"{eq.text}|{prefix}")
            if status != "holds":
                return Result(eq, status, prefix + how + note, warnings)
        shown.append(how.split(" (first point")[0])
    if dim is not None:
        return Result(eq, "holds", f"at {dim} = {', '.join(map(str, DIMENSIONS))}, each " +
                      "; ".join(dict.fromkeys(shown)) + note, warnings)
    return Result(eq, "holds", how, warnings)
