"""High-precision numerics: random admissible points and mpmath evaluation of expressions with integrals.

One-dimensional integrals use tanh-sinh quadrature (``mpmath.quad``) split at the bulk of the density.
Integrals over several variables use a product Gauss-Hermite rule centred and scaled per variable by a hint;
for Gaussian weights times polynomials (all log-densities here) it is exact up to the working precision, where
nested tanh-sinh would take minutes.
"""

from __future__ import annotations

import hashlib
import itertools
import random
from functools import lru_cache

import mpmath
from sympy import (
    Abs,
    And,
    Basic,
    Dummy,
    Expr,
    Float,
    Indexed,
    Integral,
    Rational,
    S,
    Sum,
    Symbol,
    degree,
    exp,
    expand_log,
    lambdify,
)
from sympy.codegen.cfunctions import expm1, log1p

DPS = 40  # working precision; comparisons ask for 30 digits
GH_NODES = 8


def rng_for(*labels) -> random.Random:
    """A generator seeded from text (not ``hash()``), so points are the same across runs and hash seeds."""
    seed = hashlib.sha256("\x1f".join(map(str, labels)).encode()).hexdigest()
    return random.Random(int(seed[:16], 16))


def parameters_of(expr: Expr, exclude=()) -> list:
    """Free parameters (symbols and indexed symbols), sorted by name; integration variables excluded."""
    bound = set()
    for integral in expr.atoms(Integral):
        bound |= {lim[0] for lim in integral.limits}
    indexed = {a for a in expr.atoms(Indexed) if a not in bound}
    labels = {a.base.label for a in indexed} | {i for a in indexed for i in a.indices}
    symbols = {s for s in expr.free_symbols if isinstance(s, Symbol) and s not in labels}
    params = (symbols | indexed) - bound - set(exclude)
    return sorted(params, key=str)


CONDITION = "condition"  # key of ``domains``: a relation the parameters must satisfy jointly (high > low)
TRIES = 1000


def random_point(params, rng: random.Random, domains=None) -> dict:
    """An admissible point: positive symbols in [0.3, 3], other reals in [-2, 2], symbols with a (lo, hi) in
    ``domains`` strictly inside it; as exact rationals. A relation under ``domains[CONDITION]`` is met by drawing
    again (up to TRIES times)."""
    condition = (domains or {}).get(CONDITION)
    if condition is not None:  # its symbols are drawn even where the expression does not use them
        params = list(params) + sorted(condition.free_symbols - set(params), key=str)
    for _ in range(TRIES):
        point = _draw(params, rng, domains)
        if condition is None or condition.xreplace(point) == True:  # noqa: E712  (SymPy's true)
            return point
    raise ValueError(f"no random point of {', '.join(map(str, params))} satisfies {condition} in {TRIES} draws")


def _draw(params, rng, domains):
    """Draw each symbol; one whose interval has symbolic ends (z in (low, high)) after the symbols of its ends."""
    point = {}
    later = [s for s in params if domains and s in domains and S(domains[s][0] + domains[s][1]).free_symbols]
    for s in [s for s in params if s not in later] + later:
        if domains and s in domains:
            lo, hi = (S(b).xreplace(point) for b in domains[s])
            point[s] = lo + (hi - lo) * Rational(rng.randint(1, 999), 1000)
        elif s.is_positive:
            point[s] = Rational(rng.randint(300, 3000), 1000)
        elif s.is_integer:
            point[s] = rng.randint(1, 4)
        else:
            point[s] = Rational(rng.randint(-2000, 2000), 1000)
    return point


def merge_domains(*domains) -> dict | None:
    """One ``domains`` dict from several (q's, p's, a pair's): intervals united, conditions joined by And."""
    out, conditions = {}, []
    for d in domains:
        for key, value in (d or {}).items():
            if key == CONDITION:
                conditions.append(value)
            else:
                out[key] = value
    if conditions:
        out[CONDITION] = And(*conditions)
    return out or None


@lru_cache(maxsize=None)
def _hermite_rule(n: int, dps: int):
    """Nodes and weights of the n-point Gauss-Hermite rule (weight e^{-x^2}) by Golub-Welsch."""
    with mpmath.workdps(dps + 10):
        J = mpmath.matrix(n, n)
        for i in range(n - 1):
            J[i, i + 1] = J[i + 1, i] = mpmath.sqrt(mpmath.mpf(i + 1) / 2)
        E, Qv = mpmath.eigsy(J)
        nodes = [E[i] for i in range(n)]
        weights = [mpmath.sqrt(mpmath.pi) * Qv[0, i] ** 2 for i in range(n)]
    return nodes, weights


def _quad_1d(f, lo, hi, centre, scale, kinks=(), ends=None):
    pts = [lo, *(k for k in kinks if lo < k < hi)]
    if lo < centre < hi:
        pts.append(centre)
    pts.append(hi)
    if lo == -mpmath.inf or hi == mpmath.inf:
        pts = sorted(set(pts + [p for p in (centre - 4 * scale, centre + 4 * scale) if lo < p < hi]))
    if len(pts) == 2 and lo != -mpmath.inf and hi != mpmath.inf:
        pts = [lo, (lo + hi) / 2, hi]
    ends = ends or {}
    return mpmath.fsum(_segment(f, a, b, ends.get("lo") if a == lo else None, ends.get("hi") if b == hi else None,
                                scale) for a, b in zip(pts, pts[1:]))


def _segment(f, a, b, from_lo, from_hi, scale):
    """∫_a^b f, with a substitution that makes the ends easy for tanh-sinh.

    A finite end of the support is approached geometrically, z = end ± width·e^(-s), through ``from_lo(y)`` /
    ``from_hi(y)`` (the integrand at distance y from the end), so points near it keep their full relative
    precision (densities singular there, z^(α-1) for α < 1, need it for 30 digits). An infinite end is reached by
    z = a + scale·(e^s - 1): an algebraic tail (inverse-gamma, Pareto) decays exponentially in s. At an end,
    0·∞ (a density that underflowed, times its log) counts as 0.
    """
    one, inf, exp = mpmath.mpf(1), mpmath.inf, mpmath.exp

    def quad(g, pts):
        return mpmath.quad(lambda s: _zero_if_nan(g(s)), pts)

    if a == -inf:
        return quad(lambda s: f(b - scale * mpmath.expm1(s)) * scale * exp(s), [0, one, inf])
    if b == inf:
        return quad(lambda s: f(a + scale * mpmath.expm1(s)) * scale * exp(s), [0, one, inf])
    if from_lo is not None:
        return quad(lambda s: from_lo((b - a) * exp(-s)) * (b - a) * exp(-s), [0, one, inf])
    if from_hi is not None:
        return quad(lambda s: from_hi((b - a) * exp(-s)) * (b - a) * exp(-s), [0, one, inf])
    return mpmath.quad(f, [a, b])


def _zero_if_nan(v):
    return mpmath.mpf(0) if mpmath.isnan(v) else v


def _quad_nd(f, hints):
    nodes, weights = _hermite_rule(GH_NODES, mpmath.mp.dps)
    total = mpmath.mpf(0)
    sq2 = mpmath.sqrt(2)

    def rec(k, args, w):
        nonlocal total
        if k == len(hints):
            total += w * f(*args)
            return
        c, s = hints[k]
        for x, wx in zip(nodes, weights):
            rec(k + 1, args + [c + sq2 * s * x], w * wx * mpmath.exp(x * x) * sq2 * s)

    rec(0, [], mpmath.mpf(1))
    return total


def _quad_affine(f, centre, chol):
    """∫ f dz over R^n by the product Gauss-Hermite rule mapped through z = c + √2 L x (L lower triangular):
    exact to the working precision for f = N(c, L Lᵀ) density × a polynomial of degree < 2 · GH_NODES."""
    nodes, weights = _hermite_rule(GH_NODES, mpmath.mp.dps)
    n = len(centre)
    sq2 = mpmath.sqrt(2)
    scale = sq2**n * mpmath.fprod(chol[i][i] for i in range(n))
    total = mpmath.mpf(0)
    for index in itertools.product(range(GH_NODES), repeat=n):
        x = [nodes[i] for i in index]
        w = mpmath.fprod(weights[i] * mpmath.exp(nodes[i] ** 2) for i in index)
        zs = [centre[r] + sq2 * mpmath.fsum(chol[r][s] * x[s] for s in range(r + 1)) for r in range(n)]
        total += w * f(*zs)
    return total * scale


def integrate(integral: Integral, hints: dict):
    """The value of a numeric (parameter-free) integral over one or more variables.

    A hint keyed by the tuple of all the integral's variables is (centre vector, Cholesky factor): the affine
    Gauss-Hermite rule. Otherwise each variable has a (centre, scale) hint.
    """
    integral = _positive_variables(integral)
    variables = [lim[0] for lim in integral.limits]
    inner = expand_log(integral.function)  # log p(z) as the written-out log-density: no e^(-z^2) to underflow
    f = lambdify(variables, inner, modules=[{"exp": _exp}, "mpmath"])
    if tuple(variables) in hints:
        centre, chol = hints[tuple(variables)]
        n = len(variables)
        return _quad_affine(f, [_mp(c) for c in centre], [[_mp(chol[r, s]) for s in range(n)] for r in range(n)])
    if len(variables) == 1:
        lim = integral.limits[0]
        lo, hi = (_mp(b) for b in lim[1:])
        c, s = hints.get(variables[0], (0, 1))
        ends = _from_ends(inner, variables[0], *lim[1:])
        return _quad_1d(f, lo, hi, _mp(c), _mp(s), _kinks(inner, variables[0]), ends)
    return _quad_nd(f, [tuple(_mp(v) for v in hints[var]) for var in variables])


#: an infinite sum's terms are added one by one, past their peak, until one is below 10**-(DPS + 5) of the total,
#: within DIRECT terms (the rest by mpmath.nsum): nsum's extrapolation failed on terms that rise to a peak far out
#: (a Poisson's at rate 300 and above)
DIRECT = 10000


def add_up(series: Sum):
    """The value of a numeric (parameter-free) sum over one integer variable: term by term when finite; when
    infinite, term by term past the terms' peak while they count (``DIRECT``) and the rest by mpmath.nsum (with its
    convergence acceleration)."""
    (var, lo, hi), = series.limits
    f = lambdify([var], series.function, modules="mpmath")
    if hi.is_finite:
        return mpmath.fsum(f(mpmath.mpf(k)) for k in range(int(lo), int(hi) + 1))
    total, peak, k = mpmath.mpf(0), mpmath.mpf(0), int(lo)
    small = mpmath.mpf(10) ** -(mpmath.mp.dps + 5)
    while k < int(lo) + DIRECT:
        term = f(mpmath.mpf(k))
        total, k = total + term, k + 1
        if abs(term) < peak and abs(term) <= small * abs(total):
            return total + mpmath.nsum(f, [k, mpmath.inf])
        peak = max(peak, abs(term))
    return mpmath.nsum(f, [int(lo), mpmath.inf])


def _from_ends(inner, x, lo, hi):
    """The integrand as a function of the distance y from each finite end (z = lo + y, z = hi - y), built
    symbolically: 1 - z near z = 1 is then y itself, not a difference that rounds to 0."""
    y = Dummy("y", positive=True)
    out = {}
    for key, end, sign in (("lo", lo, 1), ("hi", hi, -1)):
        if end.is_finite:
            near = _near_one(inner.subs(x, end + sign * y), y)
            out[key] = lambdify([y], near, modules=[{"exp": _exp}, "mpmath"])
    return out


def _near_one(expr, y):
    """(1 - y)^a as e^(a log1p(-y)), and then 1 - e^X as -expm1(X): 1 - (1 - y)^a (the Kumaraswamy density near
    z = 1) keeps its digits for tiny y instead of rounding to 0."""
    expr = expr.replace(lambda e: e.is_Pow and e.base == 1 - y and not e.exp.is_Integer,
                        lambda e: exp(e.exp * log1p(-y)))

    def one_minus_exp(e):
        if e.is_Add and len(e.args) == 2 and S.One in e.args:
            (other,) = [t for t in e.args if t != 1]
            if isinstance(-other, exp):
                return -expm1((-other).args[0])
        return e

    return expr.replace(lambda e: e.is_Add, one_minus_exp)


def _exp(x):
    """mpmath's exp, short-cut where it would take minutes to build a number no quadrature needs: e^(e^(-w)) far in
    a Gumbel tail is +inf (and e^(-inf) = 0), not a float with a 10^20-digit exponent."""
    if x > 10**8:
        return mpmath.inf
    if x < -(10**8):
        return mpmath.mpf(0)
    return mpmath.exp(x)


def _kinks(expr, x) -> list:
    """Where |a x + b| in ``expr`` turns (quadrature converges slowly across a kink unless split there)."""
    out = []
    for node in expr.atoms(Abs):
        arg = node.args[0]
        if arg.has(x) and arg.is_polynomial(x) and degree(arg, x) == 1:
            out.append(_mp(solve_linear(arg, x)))
    return sorted(set(out))


def solve_linear(arg, x):
    a, b = arg.diff(x), arg.subs(x, 0)
    return -b / a


def _positive_variables(integral: Integral) -> Integral:
    """Variables integrated over (0, ...) declared positive, so logs of their powers expand."""
    swap = {}
    for var, *bounds in integral.limits:
        if len(bounds) == 2 and bounds[0].is_nonnegative and not var.is_positive:
            swap[var] = Dummy(var.name, positive=True)
    return integral.xreplace(swap) if swap else integral


def _mp(value):
    if isinstance(value, (int, mpmath.mpf)):
        return mpmath.mpf(value)
    if value.is_infinite:
        return mpmath.inf if value.is_extended_positive else -mpmath.inf
    return mpmath.mpf(Float(value.evalf(DPS), DPS))


def evaluate(expr: Expr, point: dict, hints: dict):
    """Numeric value of ``expr`` at ``point`` (40 digits); integrals (innermost first) by quadrature."""
    with mpmath.workdps(DPS):
        e = expr.xreplace(point)
        num_hints = {k: tuple(_at(v, point) for v in h) for k, h in hints.items()}
        while True:
            integrals = [i for i in e.atoms(Integral) if not i.function.has(Integral)]
            sums = [i for i in e.atoms(Sum) if not i.function.has(Integral, Sum)]
            if not integrals and not sums:
                break
            e = e.xreplace({i: Float(integrate(i, num_hints), DPS) for i in integrals})
            e = e.xreplace({i: Float(add_up(i), DPS) for i in sums})
        value = e.evalf(DPS)
        if not value.is_number:
            raise ValueError(f"expression still has free symbols {sorted(map(str, value.free_symbols))}")
        if value.is_real is False:
            raise ValueError(f"expression is not real at {point}: {value}")
        return mpmath.mpf(Float(value, DPS))


def _at(value, point):
    """A hint entry (number, expression, tuple or matrix of them) at ``point``."""
    if isinstance(value, tuple):
        return tuple(_at(v, point) for v in value)
    return value.xreplace(point) if isinstance(value, Basic) else value


def close(a, b, digits: int = 30) -> bool:
    return abs(a - b) <= mpmath.mpf(10) ** (-digits) * max(1, abs(a), abs(b))
