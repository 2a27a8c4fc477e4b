"""``derive compare NAME EXPR``: does a formula someone wrote equal the derived closed form?

The verdict is one of

* ``equal`` — shown symbolically (the difference simplifies to 0 under the parameters' assumptions) or, when SymPy
  cannot settle it, numerically (agreement to 30 digits at :data:`POINTS` random admissible points); the report says
  which, and the numeric check runs in both cases;
* ``equal only under extra assumptions`` — not equal in general (a counterexample), but equal once some parameters
  take standard values or equal each other, or within a sign/region restriction (``derive.compare_assume``);
* ``not equal`` — a counterexample point and both values.

A closed form that is finite only under a condition (``Piecewise((value, condition), (oo, True))``) is compared on
its finite branch at points where the condition holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import mpmath
from sympy import Dummy, Expr, Integral, Piecewise, Rational, S, Sum, lambdify, sstr

from derive import numeric, registry
from derive.spec import SpecError, parse_expression

POINTS = 12  # random admissible points of the numeric check
DIGITS = 30  # digits two values must share to count as equal
SYMPY_SECONDS = 10  # time SymPy gets to simplify a difference to 0

EQUAL = "equal"
UNDER_ASSUMPTIONS = "equal only under extra assumptions"
NOT_EQUAL = "not equal"


class CompareError(ValueError):
    """Bad input to ``derive compare`` (a usage error); the message is one line."""

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))


@dataclass(frozen=True)
class Target:
    """The closed form of derivation ``name`` as compared: its finite branch, its parameters and where to draw."""

    name: str
    params: tuple
    value: Expr
    condition: object  # where the closed form is finite (None: everywhere)
    domains: dict | None = field(compare=False)

    @property
    def names(self) -> dict:
        return {str(s): s for s in self.params}

    def describe_params(self) -> str:
        return ", ".join(str(s) for s in self.params)


def target(name: str) -> Target:
    """The derivation ``name`` prepared for comparison; CompareError for derivations with vector parameters."""
    derivation = registry.get(name)
    if derivation.dimension is not None or any(not getattr(s, "is_Symbol", False) for s in derivation.params):
        raise CompareError(
            f"'derive compare' takes derivations with scalar parameters; {name!r} has a symbolic dimension "
            f"({derivation.dimension}) and vector or matrix parameters (see 'derive list' for the scalar ones, "
            "e.g. kl-normal-normal)")
    value, condition = derivation.closed_form, None
    if isinstance(value, Piecewise) and len(value.args) == 2 and value.args[1].expr.is_infinite:
        (value, condition), _ = value.args
    domains = derivation.domains
    if condition is not None:
        domains = numeric.merge_domains(domains, {numeric.CONDITION: condition})
    return Target(name, tuple(derivation.params), value, condition, domains)


#: what makes EXPR LaTeX rather than SymPy syntax
_LATEX = re.compile(r"\\|\^\{|_\{")


def parse_formula(text: str, tgt: Target) -> Expr:
    """EXPR in SymPy syntax (derive.spec's whitelist parser: nothing is eval-ed) or, when it looks like LaTeX,
    by ``derive.audit.latex.parse_latex_expr``. Names other than the derivation's parameters are refused."""
    where = f"EXPR for {tgt.name} (parameters: {tgt.describe_params()})"
    if _LATEX.search(text):
        from derive.audit.latex import parse_latex_expr

        try:
            expr = parse_latex_expr(text, tgt.names)
        except ValueError as err:  # derive.audit's LatexError: one line naming the problem
            raise CompareError(f"{where}: {err}") from None
    else:
        try:
            expr = parse_expression(text, tgt.names, where=where)
        except SpecError as err:
            raise CompareError(str(err)) from None
    unknown = sorted(str(s) for s in expr.free_symbols if s not in tgt.params)
    if unknown:
        raise CompareError(f"{where}: unknown name{'s' * (len(unknown) > 1)} {', '.join(unknown)} "
                           f"(see 'derive show {tgt.name}')")
    return expr


class Evaluator:
    """Values of expressions at points (symbol -> exact number) with mpmath at ``dps`` digits: lambdified once,
    or through :func:`derive.numeric.evaluate` for expressions that keep a sum or an integral."""

    def __init__(self, params, dps: int = numeric.DPS):
        self.params, self.dps, self._cache = tuple(params), dps, {}

    def __call__(self, expr: Expr, point: dict):
        with mpmath.workdps(self.dps):
            try:
                if expr.has(Integral, Sum):
                    return numeric.evaluate(expr, {s: Rational(v) for s, v in point.items()}, {})
                if expr not in self._cache:
                    self._cache[expr] = lambdify(self.params, expr, modules="mpmath")
                value = self._cache[expr](*(_mp(point[s]) for s in self.params))
            except (ArithmeticError, ValueError, TypeError) as err:
                return self._limit(expr, point, Undefined(f"{type(err).__name__}: {err}"))
            if isinstance(value, mpmath.mpf) and mpmath.isnan(value):  # 0·log 0 at a support's end
                return self._limit(expr, point, Undefined("nan"))
            return value

    def _limit(self, expr: Expr, point: dict, undefined: Undefined):
        """The value at a removable singularity (the continuous Bernoulli's 0/0 at probs = 1/2): the mean of the
        values a relative h = 10**-(dps/2) either side, at 3·dps digits (exact to O(h**2); terms of size h**-3 that
        cancel there keep dps digits), when they agree to dps/4 digits (0 when the mean is within the O(h) spread of
        the two: a zero); else ``undefined`` (a pole, the log of 0). (With h = 10**-dps, the h**-3 terms of the
        continuous Bernoulli's cross-entropy against a normal needed 3·dps digits to cancel, and left 0.9375 for
        0.93997.)"""
        if expr not in self._cache:
            return undefined
        with mpmath.workdps(3 * self.dps):
            h = mpmath.mpf(10) ** -(self.dps // 2)
            moved, sides = [_mp(point[s]) for s in self.params], []
            for sign in (1, -1):
                try:
                    sides.append(self._cache[expr](*(v * (1 + sign * h) if v else sign * h for v in moved)))
                except (ArithmeticError, ValueError, TypeError):
                    return undefined
            real = [v for v in sides if isinstance(v, mpmath.mpf) and mpmath.isfinite(v)]
            if len(real) == 1:  # one side only (low = 0 of a uniform on [0, 1]: log(-h) is complex)
                return self._one_sided(expr, moved, h, sides.index(real[0]), real[0], undefined)
            a, b = sides
            if not all(isinstance(v, mpmath.mpf) and mpmath.isfinite(v) for v in (a, b)) \
                    or abs(a - b) > mpmath.mpf(10) ** -(self.dps // 4) * max(1, abs(a)):
                return undefined
            mean = (a + b) / 2
            return mpmath.mpf(0) if abs(mean) <= 10 * abs(a - b) else +mean


    def _one_sided(self, expr, moved, h, side, value, undefined):
        """The limit from one side (``side`` 0: +h, 1: -h), where the values at h and h**2 agree to dps/4 digits
        (exact to O(h), dps/2 digits); else ``undefined``."""
        sign = 1 if side == 0 else -1
        try:
            nearer = self._cache[expr](*(v * (1 + sign * h * h) if v else sign * h * h for v in moved))
        except (ArithmeticError, ValueError, TypeError):
            return undefined
        if not (isinstance(nearer, mpmath.mpf) and mpmath.isfinite(nearer)) \
                or abs(nearer - value) > mpmath.mpf(10) ** -(self.dps // 4) * max(1, abs(value)):
            return undefined
        return +nearer


@dataclass(frozen=True)
class Undefined:
    """A value that could not be computed (a pole, the log of 0, ...), with the reason."""

    reason: str

    def __str__(self):
        return f"undefined ({self.reason})"


def _mp(value):
    """An exact SymPy number (or float) as an mpmath number at the working precision."""
    if isinstance(value, float):
        return mpmath.mpf(value)
    value = S(value)
    if value.is_Rational:
        return mpmath.mpf(value.p) / value.q
    return mpmath.mpf(str(value.evalf(mpmath.mp.dps + 5)))


def same(a, b, digits: int = DIGITS) -> bool:
    """Two computed values agree to ``digits`` digits (relative to max(1, |a|, |b|)); equal infinities agree."""
    if isinstance(a, Undefined) or isinstance(b, Undefined):
        return False
    if mpmath.isinf(a) or mpmath.isinf(b):
        return a == b
    if mpmath.isnan(a) or mpmath.isnan(b):
        return False
    return numeric.close(a, b, digits)


def show_number(value, digits: int = 20) -> str:
    if isinstance(value, Undefined):
        return str(value)
    if isinstance(value, mpmath.mpc):
        return f"{mpmath.nstr(value.real, digits)} + {mpmath.nstr(value.imag, digits)}*I (not real)"
    return mpmath.nstr(value, digits)


def show_point(point: dict, params) -> str:
    with mpmath.workdps(30):
        return ", ".join(f"{s} = {point[s] if S(point[s]).is_Integer else show_number(_mp(point[s]))}"
                         for s in params)


def symbolically_zero(a: Expr, b: Expr) -> bool:
    """``a - b`` simplifies to 0 (derive.prove.symbolic_equal) within SYMPY_SECONDS; False means 'not shown'."""
    from derive.prove import symbolic_equal
    from derive.verify import NotSettled, _within

    try:
        return bool(_within(SYMPY_SECONDS, lambda: symbolic_equal(a, b)))
    except NotSettled:
        return False


@dataclass(frozen=True)
class Mismatch:
    point: dict
    closed: object  # the closed form's value there
    formula: object  # the formula's value there
    differing: int  # how many of the checked points differ
    checked: int


def numeric_mismatch(formula: Expr, tgt: Target, points: int = POINTS, label: str = "") -> Mismatch | None:
    """The first of ``points`` random admissible points (seeded by the derivation's name) where ``formula`` and the
    closed form differ, with both values and how many points differ; None when they agree at all of them."""
    evaluate = Evaluator(tgt.params)
    rng = numeric.rng_for("compare", tgt.name, label)
    first, differing = None, 0
    for _ in range(points):
        point = numeric.random_point(tgt.params, rng, tgt.domains)
        a, b = evaluate(tgt.value, point), evaluate(formula, point)
        if not same(a, b):
            differing += 1
            first = first or (point, a, b)
    if first is None:
        return None
    return Mismatch(first[0], first[1], first[2], differing, points)


@dataclass(frozen=True)
class Verdict:
    name: str
    formula: Expr
    closed_form: Expr
    condition: object
    params: tuple
    status: str
    how: str
    mismatch: Mismatch | None = None
    assumptions: tuple = ()  # derive.compare_assume.Found, the smallest restrictions under which it is equal

    @property
    def exit_code(self) -> int:
        return 0 if self.status == EQUAL else 1


def compare_formula(name: str, text: str) -> Verdict:
    """Compare EXPR ``text`` with the closed form of ``name``: symbolically first, then numerically; when they
    differ, search for the extra assumptions under which they agree."""
    from derive.compare_assume import search

    tgt = target(name)
    formula = parse_formula(text, tgt)
    common = dict(name=name, formula=formula, closed_form=tgt.value, condition=tgt.condition, params=tgt.params)
    if tgt.value.is_infinite:  # q puts mass where p has none: only the same infinity is equal
        mismatch = numeric_mismatch(formula, tgt)
        if formula == tgt.value or mismatch is None:
            how = "shown symbolically" if formula == tgt.value else f"shown numerically at {POINTS} points"
            return Verdict(**common, status=EQUAL, how=f"{how}: both are {sstr(tgt.value)}")
        how = f"the closed form is {sstr(tgt.value)} (q puts mass where p has none); the formula is not"
        return Verdict(**common, status=NOT_EQUAL, how=how, mismatch=mismatch)
    unit = _unit_interval(tgt)
    symbolic = symbolically_zero(formula.xreplace(unit), tgt.value.xreplace(unit))
    mismatch = numeric_mismatch(formula, tgt)
    assumed = ", ".join(_assumptions(tgt)) or "no assumptions"
    numerically = f"agrees to {DIGITS} digits at {POINTS} random admissible points (mpmath, {numeric.DPS} digits)"
    if mismatch is None:
        if symbolic:
            how = f"shown symbolically: the difference simplifies to 0 ({assumed}); numerically: {numerically}"
        else:
            how = (f"shown numerically: {numerically}; SymPy's simplification of the difference did not reach 0 "
                   f"(time limit {SYMPY_SECONDS} s)")
        return Verdict(**common, status=EQUAL, how=how)
    how = f"differs at {mismatch.differing} of {mismatch.checked} random admissible points"
    if symbolic:  # SymPy's simplification said 0, the numbers disagree: trust the numbers, say so
        how += " (although SymPy simplified the difference to 0: a branch of a log or a root?)"
    found = search(formula, tgt)
    if found:
        return Verdict(**common, status=UNDER_ASSUMPTIONS, how=how, mismatch=mismatch, assumptions=tuple(found))
    return Verdict(**common, status=NOT_EQUAL, how=how, mismatch=mismatch)


def _unit_interval(tgt: Target) -> dict:
    """Parameters drawn from (0, 1) written as t/(1 + t) with t > 0 (a bijection), so that SymPy knows 1 - x > 0."""
    out = {}
    for s, interval in (tgt.domains or {}).items():
        if s != numeric.CONDITION and tuple(interval) == (0, 1):
            t = Dummy(f"t_{s}", positive=True)
            out[s] = t / (1 + t)
    return out


def _assumptions(tgt: Target) -> list[str]:
    """'mu1, mu2 real', 'sigma1, sigma2 positive', 'probs in (0, 1)' ... from the symbols' assumptions and domains."""
    groups: dict[str, list[str]] = {}
    unit = _unit_interval(tgt)
    for s in tgt.params:
        kind = ("in (0, 1)" if s in unit else "positive" if s.is_positive else "integer" if s.is_integer
                else "real" if s.is_real else "complex")
        groups.setdefault(kind, []).append(str(s))
    return [f"{', '.join(names)} {kind}" for kind, names in groups.items()]


def report(v: Verdict) -> str:
    """The verdict as text for the terminal (deterministic: points and values from seeded draws)."""
    lines = [f"{v.name}: {v.status}",
             f"  closed form: {sstr(v.closed_form)}" + (f"   (where {sstr(v.condition)}; +oo elsewhere)"
                                                       if v.condition is not None else ""),
             f"  formula:     {sstr(v.formula)}"]
    if v.status == EQUAL:
        lines.append(f"  {v.how}")
        return "\n".join(lines) + "\n"
    for found in v.assumptions:
        lines.append(f"  equal only when {found.text} ({found.how})")
    m = v.mismatch
    lines += [f"  in general not equal: {v.how}" if v.assumptions else f"  {v.how}",
              f"  counterexample: {show_point(m.point, v.params)}",
              f"    closed form = {show_number(m.closed)}",
              f"    formula     = {show_number(m.formula)}"]
    if not v.assumptions and not v.closed_form.is_infinite:
        lines.append("  no extra assumption makes them equal (tried: parameters at standard values or equal to "
                     "each other, signs and regions; up to three at once)")
    return "\n".join(lines) + "\n"
