"""The helper functions an emitted module defines for the stable pass's functions, printed by the target's
SymPy printer: ``_expm1mx`` (k·(e^x - 1 - x)), ``_diff_ratio`` (A - B without cancellation), ``_log_ratio``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sympy import (
    Abs, Add, And, Eq, Float, Lt, Min, Ne, Or, Piecewise, Rational, Symbol, atanh, exp, log, loggamma, oo, pi, sign,
)
from sympy.codegen.cfunctions import expm1, log1p

from derive.emit.loader import (
    FAMILIES, bd0, binomial_log_ratio, binomial_logpmf, binomial_pmf, extended, logpmf, plain_logpmf, poisson_logpmf,
    poisson_pmf, stirlerr, table,
)
from derive.emit.stable import (
    SERIES_HIGH, SERIES_LOW, SERIES_ORDER, diff_ratio, expm1mx, expm1mx_horner, finite_product,
    grouped, log_ratio, log_ratio_of, xlog1p,
)


@dataclass(frozen=True)
class Helper:
    name: str
    args: tuple[str, ...]
    doc: str
    body: tuple[tuple[str, str], ...]  # (variable, printed expression); the last variable is returned
    single_body: tuple[tuple[str, str], ...] = ()  # used instead when ``single`` (float32 data in float64)
    # NumPy, torch: with ``single``, value = far (printed), then the elements where ``mask`` holds are recomputed
    # from ``xs = x[mask]`` by ``fixup`` (cheaper than where() over every element when the mask is rare); where the
    # printer has a ``fixup_guard`` (torch: not while compiling), ``single_body`` is used when the guard fails
    single_fixup: tuple[str, str, str] | None = None  # (far, mask, fixup)
    fixup_guard: str = ""


def _symbols(*names):
    return (Symbol(n, real=True) for n in names)


def _expm1mx(printer) -> Helper:
    x, kex, k, xs, h, series = _symbols("x", "kex", "k", "xs", "h", "series")
    near, tiny = Symbol("near"), Symbol("tiny")  # boolean arrays
    steps = expm1mx_horner(xs, h)
    far = Piecewise((kex + k * (-x - 1), x <= SERIES_LOW), (kex - k * x - k, True))
    # float32 data computed in float64: kex - k*(x + 1) keeps 53 - log2(2/|x|) bits, plenty for float32 down to
    # |x| = 2**-12, below which k*x**2 (1/2 + x/6 + x**2/24) is exact to 2**-36.
    tiny_mask = Abs(x) < Float(2.0**-12)
    tiny_series = k * xs**2 * (Float(0.5) + xs * (Float(1 / 6, 17) + Float(1 / 24, 17) * xs))
    single_far = kex - k * (x + 1)
    masked = printer.single_mode and printer.mask_fixup
    return Helper(
        "_expm1mx", _signature(printer, "x", "kex", "k"),
        f"k * (e**x - 1 - x) given kex = k * e**x (computed by the caller from the inputs): the Taylor series "
        f"to x**{SERIES_ORDER} where {SERIES_LOW} < x < {SERIES_HIGH} (e**x - 1 - x would cancel there), "
        f"kex + k * (-x - 1) below (the second term is exact near x = -1) and kex - k * x - k above.",
        (
            ("near", printer.doprint(And(x > SERIES_LOW, x < SERIES_HIGH))),
            ("xs", printer.doprint(Piecewise((x, near), (0, True)))),
            *(("h", printer.doprint(step)) for step in steps[:-1]),
            ("series", printer.doprint(steps[-1])),
            ("value", printer.doprint(Piecewise((k * series, near), (far, True)))),
        ),
        (
            ("tiny", printer.doprint(tiny_mask)),
            ("xs", printer.doprint(Piecewise((x, tiny), (0, True)))),
            ("value", printer.doprint(Piecewise((tiny_series, tiny), (single_far, True)))),
        ) if printer.single_mode and (not masked or printer.fixup_guard) else (),
        (printer.doprint(single_far), printer.doprint(tiny_mask), printer.doprint(tiny_series)) if masked else None,
        printer.fixup_guard if masked else "",
    )


def _signature(printer, *args):
    return (*args, "single=False") if printer.single_mode else args


def _diff_ratio(printer) -> Helper:
    a, b, L, up, down = _symbols("a", "b", "L", "up", "down")
    rising = Symbol("rising")
    return Helper(
        "_diff_ratio", ("a", "b", "L"),
        "a - b given L = log(a / b) (computed stably by the caller): a * (1 - e**-L) where L > 0, b * (e**L - 1) "
        "elsewhere, by expm1: no cancellation where a and b are close, and no inf - inf where both overflow but "
        "L is finite.",
        (
            ("rising", printer.doprint(L > 0)),
            ("up", printer.doprint(Piecewise((L, rising), (0, True)))),
            ("down", printer.doprint(Piecewise((0, rising), (L, True)))),
            ("value", printer.doprint(Piecewise((-a * expm1(-up, evaluate=False), rising),
                                                (b * expm1(down, evaluate=False), True)))),
        ),
    )


def _log_ratio(printer) -> Helper:
    return _ratio_helper(printer, False)


def _log_ratio_of(printer) -> Helper:
    return _ratio_helper(printer, True)


def _ratio_helper(printer, given: bool) -> Helper:
    """_log_ratio(a, b), or _log_ratio_of(a, b, d) given d = a - b from the caller (written without cancelling)."""
    a, b, d, r = _symbols("a", "b", "d", "r")
    difference = d if given else a - b
    near = sign(difference) * log1p(Abs(difference) / Min(a, b))
    return Helper(
        "_log_ratio_of" if given else "_log_ratio", _signature(printer, "a", "b", *(("d",) if given else ())),
        "log(a / b) for positive a, b: within a factor 2, log1p of the exact difference "
        + ("d = a - b (computed by the caller without cancelling) " if given else "")
        + "over the smaller argument, signed (log1p's argument is then >= 0, where it is accurate everywhere); "
        "log(a / b) otherwise.",
        (
            ("r", printer.doprint(a / b)),
            ("value", printer.doprint(Piecewise((near, And(r > 0.5, r < 2)), (log(r), True)))),
        ),
        # float32 data in float64: log(a/b) is off by 2**-53 absolute, tiny against any nonzero float32 ratio's log
        (("value", printer.doprint(log(a / b))),) if printer.single_mode else (),
    )


def _finite_product(printer) -> Helper:
    m, lm = _symbols("m", "lm")
    return Helper(
        "_finite_product", _signature(printer, "m", "lm"),
        "A product m of positive factors that may overflow or underflow one by one, given lm = log(m) from the "
        "caller: m where it is finite and non-zero, exp(lm) elsewhere (where m is inf * 0, NaN, or 0 or inf "
        "through one factor).",
        (
            ("finite", printer.doprint(Lt(Abs(m), oo, evaluate=False))),  # False at NaN too
            ("value", printer.doprint(Piecewise((m, And(Symbol("finite"), Ne(m, 0))), (exp(lm), True)))),
        ),
    )


#: _stirlerr's table: n = 0 .. STIRLERR_TABLE; above, its asymptotic series to n**-15 (the next term is 4e-19 of
#: the value at n = 16)
STIRLERR_TABLE = 15
STIRLERR_SERIES = tuple(Rational(a, b) for a, b in ((1, 12), (-1, 360), (1, 1260), (-1, 1680), (1, 1188),
                                                     (-691, 360360), (1, 156), (-3617, 122400)))
#: _bd0's series in w = v**2 where |v| < BD0_RADIUS, to w**BD0_TERMS: the next term is below 2**-56 of the sum there.
#: Outside, x log(x/m) + m - x cancels at most 3.6-fold (at x = 2m)
BD0_RADIUS = Rational(1, 3)
BD0_TERMS = 19


def _stirlerr(printer) -> Helper:
    x = next(_symbols("x"))
    xs = Symbol("xs", positive=True)
    exact = [0] + [Float(float((loggamma(k + 1) - (k + Rational(1, 2)) * log(k) + k - log(2 * pi) / 2).evalf(40)), 17)
                   for k in range(1, STIRLERR_TABLE + 1)]
    w, series = 1 / xs**2, 0
    for c in STIRLERR_SERIES[::-1]:  # B_2k / (2k (2k - 1) x**(2k - 1)), alternating, by Horner in 1/x**2
        series = c + w * series
    series = series / xs
    return Helper(
        "_stirlerr", ("x",),
        "log(x!) - (x + 1/2) log(x) + x - log(2 pi)/2 at integers x >= 0 (Loader's Stirling error, 0 at x = 0): "
        f"correctly rounded from a table to {STIRLERR_TABLE}, its asymptotic series above.",
        (
            ("xs", printer.doprint(Piecewise((x, x > STIRLERR_TABLE), (STIRLERR_TABLE + 1, True)))),
            ("value", printer.doprint(Piecewise((table(x, *exact), x <= STIRLERR_TABLE), (series, True)))),
        ),
    )


def _bd0(printer) -> Helper:
    x, m = _symbols("x", "m")
    v, w = Symbol("v", real=True), Symbol("w", real=True)
    poly = 0
    for j in range(BD0_TERMS, 0, -1):
        poly = w * (Rational(1, 2 * j + 1) + poly)
    return Helper(
        "_bd0", ("x", "m"),
        "x log(x / m) + m - x for x > 0, m > 0 (Loader's deviance term) without cancellation: where |v| < "
        f"{BD0_RADIUS}, v = (x - m) / (x + m), the series (x - m) v + 2 x v (w/3 + w**2/5 + ...) in w = v**2 to "
        f"w**{BD0_TERMS}; the formula elsewhere.",
        (
            ("v", printer.doprint((x - m) / (x + m))),
            ("w", printer.doprint(v**2)),
            ("value", printer.doprint(Piecewise(((x - m) * v + 2 * x * v * poly, Abs(v) < BD0_RADIUS),
                                                (x * log(x / m) + m - x, True)))),
        ),
    )


def _logpmf(kind):
    """The helper of one family's log-pmf in Loader's form (``derive.emit.loader``)."""

    def make(printer) -> Helper:
        args = [Symbol(n, real=True) for n in ("z", *FAMILIES[kind.family][1])]
        return Helper(
            f"_{kind.family}_logpmf", tuple(map(str, args)),
            f"log p(z) of the {kind.family} at integers z in Loader's saddle-point form (no cancellation near "
            f"the mode): {kind.formula}.",
            tuple((n, printer.doprint(e)) for n, e in kind.loader(*args)),
        )

    return make


@lru_cache(maxsize=None)
def _extended_steps(kind):
    """(symbols, double-double assignments, result, special helpers) of ``kind``'s body (``loader.extended``); a
    body that is an exp is rounded by ``_dd_exp_rounded`` (its argument's rounding is all the full exp would fix)."""
    from derive.emit.refine import dd_call, dd_tree, steps_of

    args = tuple(Symbol(n, real=True) for n in kind.names)
    tree = dd_tree(kind.body(*args))
    if str(tree.args[0]) == "_dd_exp":
        tree = dd_call(Symbol("_dd_exp_rounded"), *tree.args[1:])
    else:
        tree = dd_call(Symbol("_dd_value"), tree)
    return (args, *steps_of(tree))


def _extended(kind):
    """The double-double helper of ``kind`` (a subclass of ``loader.extended``), rounded once."""

    def make(printer) -> Helper:
        args, steps, result, _ = _extended_steps(kind)
        return Helper(f"_{kind.__name__}", tuple(map(str, args)), kind.doc,
                      (*((str(v), printer.doprint(e)) for v, e in steps), ("value", printer.doprint(result))))

    return make


def double_double_for(expr, target: str) -> dict | None:
    """The double-double template's context (``dd``: its constants and special functions, ``xp``: the target's
    functions) when ``expr`` calls a ``loader.extended`` helper, else None."""
    from derive.emit.refine import NAMESPACES, constants

    kinds = {type(e) for e in expr.atoms(extended)}
    if not kinds:
        return None
    special = set().union(*(_extended_steps(k)[3] for k in kinds))
    return {"dd": {**constants(), "special": tuple(sorted(special))}, "xp": NAMESPACES[target]}


def _log1p(printer) -> Helper:
    from derive.emit.printers import barrier

    x, u = next(_symbols("x")), Symbol("u")  # u may be infinite
    return Helper(
        "_log1p", ("x",),
        "log(1 + x) within 1 ulp (the framework's log1p is up to 113 ulp off at x in (-1/2, -1/10)): log(u) "
        "corrected by the rounding error of u = 1 + x (Goldberg), x itself where u rounds to 1, log(u) at u = 0 "
        "and u = inf. u is kept from the compiler's rewriting, which would fold (1 + x) - 1 into x.",
        (
            ("u", printer.doprint(barrier(1 + x))),
            ("value", printer.doprint(Piecewise((x, Eq(u, 1)), (log(u), Or(Eq(u, 0), Eq(u, oo))),
                                                (log(u) - (grouped(u - 1) - x) / u, True)))),
        ),
    )


_HELPERS = ((expm1mx, _expm1mx), (diff_ratio, _diff_ratio), (log_ratio, _log_ratio), (log_ratio_of, _log_ratio_of),
            (finite_product, _finite_product), (stirlerr, _stirlerr), (bd0, _bd0),
            (poisson_logpmf, _logpmf(poisson_logpmf)), (binomial_logpmf, _logpmf(binomial_logpmf)),
            *((kind, _extended(kind)) for kind in (binomial_log_ratio, binomial_pmf, poisson_pmf)))


def helpers_for(expr, printer) -> list[Helper]:
    """The helpers ``expr`` (after the stable pass) calls, printed for ``printer``'s target (with the log-gamma
    ones of ``derive.emit.bregman``: ψ′(x) − 1/x in a self-pair's near-diagonal form, whose curvature helper is
    printed here by ``printer`` itself, so that the module imports what its body uses)."""
    from derive.emit import bregman, cbern
    from derive.emit.near_diagonal import curvature, remainder

    remainders = sorted({type(r) for r in expr.atoms(remainder)}, key=lambda r: r.pair)
    expr = Add(expr, *(r.body for r in remainders))
    curvatures = sorted({type(c) for c in expr.atoms(curvature)}, key=lambda c: c.pair)
    near = [_remainder(r, printer) for r in remainders] + [_curvature(c, printer) for c in curvatures]
    expr = Add(expr, *(c.body for c in curvatures))
    expr = Add(expr, *(plain_logpmf(e) for e in expr.atoms(logpmf)))  # the helpers a log-pmf's helper calls
    expr = Add(expr, stirlerr(Symbol("m"))) if expr.has(extended) else expr  # _dd_log_factorial calls _stirlerr
    found = [_printed(make, type(printer)) for func, make in (*_HELPERS, *cbern.HELPERS) if expr.has(func)] + \
        bregman.helpers_for(expr, printer) + near
    calls = expr.has(log1p, atanh, xlog1p) or any("_log1p(" in e for h in found for _, e in (*h.body, *h.single_body))
    found += [_printed(_log1p, type(printer))] if getattr(printer, "log1p_helper", False) and calls else []
    return found


def _remainder(r, printer) -> Helper:
    return Helper(
        "_remainder", tuple(map(str, r.parameters)),
        "The Taylor remainder of the near-diagonal KL: the integral over s in [0, 1] of _curvature(s, ...), "
        "by Gauss-Legendre.",
        (("value", printer.doprint(r.body)),),
    )


def _curvature(c, printer) -> Helper:
    s = c.parameters[0]
    return Helper(
        "_curvature", tuple(map(str, c.parameters)),
        f"(1 - {s}) times the second derivative of the cross-entropy H(q, p) along the path from q's parameters "
        f"to p's, at the point {s} of it (0 at q, 1 at p): straight in log, logit or the parameter itself, d_* "
        "being p's coordinate minus q's. The integrand of the near-diagonal KL's Taylor remainder, summed by "
        "Gauss-Legendre in the caller.",
        (*((str(v), printer.doprint(e)) for v, e in c.assignments), ("value", printer.doprint(c.body))),
    )


@lru_cache(maxsize=None)
def _printed(make, printer_class) -> Helper:
    """A helper is the same in every module of a target: print it once per printer class."""
    return make(printer_class({"fully_qualified_modules": True}))
