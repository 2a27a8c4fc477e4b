"""KL(q || p) of two members of one declared family, without cancellation when p is near q.

A closed form such as the gamma's (α1 − α2)ψ(α1) − log Γ(α1) + log Γ(α2) + … is a sum of O(1) terms whose total is
O(δ²) as p → q (δ the difference of the parameters): float64 loses 2·log10(1/|δ|) digits, all of them at
|δ| = 1e-8, and some at ordinary inputs too. Taylor's theorem with the integral remainder, along a path θ(s) from
q's parameters θ1 (s = 0) to p's θ2 (s = 1), gives instead

    KL(θ1, θ2) = g'(0) + ∫_0^1 (1 − s) g''(s) ds,   g(s) = KL(θ1, θ(s)) = H(q, p_θ(s)) − H(q),

since g(0) = 0. The path is straight in coordinates w where the domain has no edge: log θ for a positive
parameter, logit θ for one in (0, 1), θ itself for a real one; with θ = T(w) and d = w2 − w1,

    g'(0) = Σ_i G_i T_i' d_i,   g''(s) = Σ_ij H_ij T_i' T_j' d_i d_j + Σ_i G_i T_i'' d_i²,

G and H the gradient and Hessian of the cross-entropy in p's parameters at θ(s) (T' = θ, T'' = θ for log;
T' = θ(1 − θ), T'' = θ(1 − θ)(1 − 2θ) for logit). G at θ1 is 0 where the minimum of KL is interior (derived
symbolically, not assumed: uniform and Pareto, whose minimum sits on a support boundary, keep a first-order term).
A |loc1 - loc2| (Laplace) keeps one sign along the path, so it is sign(loc1 - loc2) (loc1 - loc2) there. The
Hessian has no cancellation (ψ′(α2), α2/β2², …); d is computed without cancellation (log1p of exact differences),
and so is 1 − θ(s). A Gauss–Legendre rule of NODES points sums the integral to rounding while the nearest
singularity in w (θ = 0 is at w = −∞; poles of ψ, Γ and of sums of parameters lie π off the real axis) is far
from the segment relative to its length: |d| <= SPAN for log and logit coordinates, and a real parameter within
NEAR of q's scale (its one positive parameter; the uniform's width). Elsewhere KL is not small, and the closed form
is used.
"""

from __future__ import annotations

import random
from functools import lru_cache
from typing import Callable, NamedTuple

from sympy import (
    Abs, And, Dummy, Float, Function, Piecewise, Rational, S, Symbol, collect, diff, exp, expand, log, polygamma,
    powsimp, sign,
    simplify,
)
from sympy.codegen.cfunctions import log1p
from sympy.integrals.quadrature import gauss_legendre

from derive.emit import cbern
from derive.emit.bregman import product_difference, trigamma_excess, trigamma_excess_difference
from derive.emit.identity import same
from derive.emit.stable import log_ratio

NODES = 16  # a singularity pi off a segment of length 1 in w: (2 pi + (4 pi**2 + 1)**0.5)**-32 < 1e-35
SPAN = 1  # the largest |d| of a log or logit coordinate (a ratio of e = 2.7)
NEAR = S(1) / 2  # the largest |θ2 − θ1| of a real parameter, relative to q's scale


class curvature(Function):
    """(1 − s) g''(s) of one self-pair: arguments (s, θ1, d), printed as a call of the module's helper ``_curvature``
    (``derive.emit.helpers``), so the Hessian is printed once rather than at each quadrature node. Each self-pair
    has its own subclass: the helper's ``parameters`` (s, θ1, d), its ``assignments`` ((symbol, expression): θ(s)
    and 1 − θ(s)) and the ``body`` it returns, in those symbols."""

    parameters: tuple = ()
    assignments: tuple = ()
    body = None
    pair = ""


def _curvature(name: str, parameters, assignments, body):
    # the subclass keeps the name: SymPy's printers skip ``_print_curvature`` for a renamed subclass
    return type("curvature", (curvature,),
                {"parameters": parameters, "assignments": assignments, "body": body, "pair": name})


class remainder(Function):
    """∫_0^1 (1 − s) g''(s) ds of one self-pair by Gauss–Legendre: arguments (θ1, d), printed as a call of the
    module's helper ``_remainder``, which sums ``curvature`` at the NODES nodes (so the caller prints d once).
    Each self-pair has its own subclass: ``parameters`` (θ1, d) and the ``body`` the helper returns."""

    parameters: tuple = ()
    body = None
    pair = ""


def _remainder(name: str, parameters, body):
    return type("remainder", (remainder,), {"parameters": parameters, "body": body, "pair": name})


@lru_cache(maxsize=None)
def _nodes():
    xs, ws = gauss_legendre(NODES, 30)
    return [(Float((x + 1) / 2, 20), Float(w / 2, 20)) for x, w in zip(xs, ws)]


def pair_parameters(name: str):
    """(the family, q's parameter symbols, p's, their domains) when ``name`` is kl-F-F of a declared family, else
    None."""
    from derive.catalog_families import DECLARED

    for F in DECLARED:
        if name == f"kl-{F.family}-{F.family}":
            return F, F.symbols("1"), F.symbols("2"), tuple(d for _, d, _ in F.parameters)
    return None


class Coordinate(NamedTuple):
    """How one parameter moves along the path: ``kind`` (log, logit or real), θ = T(w)'s derivatives T' and T'' as
    functions of θ, and ``d`` = w2 − w1 in q's and p's parameters, computed without cancellation."""

    kind: str
    T1: Callable
    T2: Callable
    d: object


def _coordinates(theta1, theta2, domains):
    """A Coordinate per parameter; None when a parameter has no path (a count)."""
    out = []
    for a, b, dom in zip(theta1, theta2, domains):
        if dom == "positive":  # w = log θ
            out.append(Coordinate("log", lambda t: t, lambda t: t, log_ratio(b, a)))
        elif dom == "unit":  # w = logit θ
            out.append(Coordinate("logit", lambda t: t * (1 - t), lambda t: t * (1 - t) * (1 - 2 * t),
                                  _logit_difference(a, b)))
        elif dom == "real":
            out.append(Coordinate("real", lambda t: S.One, lambda t: S.Zero, b - a))
        else:
            return None
    return out


def _logit_difference(a, b):
    """logit b − logit a = log(b/a) − log((1 − b)/(1 − a)): from the exact difference b − a (log1p) while both
    ratios are within a factor 2 of 1, else from the ratios (log1p(x) near x = −1 would magnify the rounding of
    b − a: 37 ulp of d at a = 0.415, b = 0.985)."""
    up, down = (b - a) / a, (a - b) / (1 - a)
    half = Rational(-1, 2)
    return Piecewise((log1p(up) - log1p(down), And(up > half, down > half)),
                     (log(b / a) - log((1 - b) / (1 - a)), True))


def _window(F, theta1, coordinates, span=SPAN):
    """The condition under which the quadrature form is used: |d| <= ``span`` in log and logit coordinates (and
    |d| times the family's ``near_factors`` of that parameter: the Weibull's concentration for its log scale); a
    real parameter within NEAR of the family's scale (``near_scale``: the uniform's width), else of its one
    positive parameter (None when there is none)."""
    positive = [t for t, c in zip(theta1, coordinates) if c.kind != "real"]
    scale = F(*theta1).near_scale() if hasattr(F, "near_scale") else positive[0] if len(positive) == 1 else None
    factors = F(*theta1).near_factors() if hasattr(F, "near_factors") else {}
    conditions = []
    for t, c in zip(theta1, coordinates):
        if c.kind != "real":
            conditions.append(Abs(c.d) <= span)
            if t in factors:
                conditions.append(Abs(c.d) * factors[t] <= span)
        elif scale is not None:
            conditions.append(Abs(c.d) <= NEAR * scale)
        else:
            return None
    return And(*conditions)


def _moving(kind, t1, d, s, t, rest):
    """The helper's assignments of θ(s) (and 1 − θ(s) as ``rest`` for a logit coordinate, without cancellation)."""
    if kind == "log":
        return [(t, t1 * exp(s * d))]
    if kind == "logit":
        return [(t, t1 / (t1 + (1 - t1) * exp(-s * d))), (rest, (1 - t1) / (1 - t1 + t1 * exp(s * d)))]
    return [(t, t1 + s * d)]


@lru_cache(maxsize=None)
def near_form(name: str):
    """(expression, condition): KL by the integral remainder, used where ``condition`` holds; None when ``name`` is
    not a self-pair of a declared family (or its parameters admit no path)."""
    from derive import registry
    from derive.catalog_families import _finite_part

    found = pair_parameters(name)
    if found is None or name not in registry.names("derivation"):
        return None
    F, theta1, theta2, domains = found
    coordinates = _coordinates(theta1, theta2, domains)
    exact, span = _EXACT.get(F.family, (None, SPAN))
    window = None if coordinates is None else _window(F, theta1, coordinates, span)
    if window is None:
        return None
    if F.family in _STRAIGHT:
        return _STRAIGHT[F.family](name, theta1, theta2), window
    ce, _ = _finite_part(registry.get(f"cross-entropy-{name.removeprefix('kl-')}").closed_form)
    # |loc1 - loc2| (Laplace) is not differentiable at p = q, but along the path its argument keeps one sign:
    # |e| = sign · e there, with the sign of e at p (0 when p = q, where every term vanishes)
    signs = {a: Dummy("sign") for a in sorted(ce.atoms(Abs), key=str)}
    ce = ce.xreplace({a: sg * a.args[0] for a, sg in signs.items()})
    at_p = {sg: sign(a.args[0]) for a, sg in signs.items()}
    n = len(theta2)
    gradient = [diff(ce, t2) for t2 in theta2]
    first = sum((simplify(g.xreplace(dict(zip(theta2, theta1)))) * c.T1(a) * c.d
                 for g, a, c in zip(gradient, theta1, coordinates)), S.Zero)
    # in the helper: d_<name> (w2 − w1, an argument), <name> = θ(s), rest_<name> = 1 − θ(s) (logit coordinates)
    s = Symbol("s", positive=True)
    base = [b for b, _, _ in F.parameters]
    d = [Symbol(f"d_{b}", real=True) for b in base]
    moving = [Symbol(b, **t2.assumptions0) for b, t2 in zip(base, theta2)]
    rest = [Symbol(f"rest_{b}", positive=True) for b in base]
    # in the helper, whose arguments are θ1 and d, a real θ2 is θ1 + d
    along = {sg: sg_p.xreplace({t2: t1 + di for t1, t2, di, c in zip(theta1, theta2, d, coordinates)
                                if c.kind == "real"}) for sg, sg_p in at_p.items()}
    if any(v.has(*theta2) for v in along.values()):
        return None
    T1 = [c.T1(t) for c, t in zip(coordinates, theta2)]
    T2 = [c.T2(t) for c, t in zip(coordinates, theta2)]
    quadratic = sum((diff(gradient[i], theta2[j]) * T1[i] * T1[j] * d[i] * d[j] * (1 if i == j else 2)
                     for i in range(n) for j in range(i, n)), S.Zero)  # the Hessian is symmetric
    quadratic += sum((g * t2 * d[i] ** 2 for i, (g, t2) in enumerate(zip(gradient, T2))), S.Zero)
    body = (1 - s) * quadratic.xreplace(dict(zip(theta2, moving)))
    logit = [(m, r) for m, r, c in zip(moving, rest, coordinates) if c.kind == "logit"]
    body = body.xreplace({1 - m: r for m, r in logit}).xreplace({m - 1: -r for m, r in logit})
    # log θ(s) = log θ1 + s d exactly on a log coordinate: log θ(s)² − 2 log θ(s) log θ1 + log θ1² is (s d)², not
    # a difference of terms of order log² θ; and θ(s)^−k θ1^k one power (θ1/θ(s))^k, not inf·0 (the Weibull's at
    # concentrations in the hundreds)
    on_log = {log(m): log(t1) + s * di for c, t1, di, m in zip(coordinates, theta1, d, moving) if c.kind == "log"}
    # (the rest as a polynomial in s by Horner's rule: a power of s, a float node, fails in torch.pow)
    if body.xreplace(on_log) != body:
        rest_of = powsimp(expand((body / (1 - s)).xreplace(on_log)), combine="base", force=True)
        body = (1 - s) * _horner(rest_of, s)
    # terms over the same power of 1 - θ(s) as one: (1 - p1)/rest², not -p1/rest² + 1/rest², which cancel
    # a thousandfold near p = 1 (kl-bernoulli-bernoulli: 121 ulp at p = (0.9987, 0.9966) before)
    body = body.replace(lambda e: e.is_Add, lambda a: collect(a, [r for _, r in logit]))
    # psi'(x) = 1/x + (psi'(x) - 1/x): the excess by a sum of positive terms (derive.emit.bregman), a few ulp on
    # every target (torch's polygamma(1, x) is off by up to 4e6 ulp)
    body = body.replace(lambda e: isinstance(e, polygamma) and e.args[0] == 1,
                        lambda e: 1 / e.args[1] + trigamma_excess(e.args[1]))
    assignments = tuple(a for c, t1, di, m, r in zip(coordinates, theta1, d, moving, rest)
                        for a in _moving(c.kind, t1, di, s, m, r))
    if exact is not None:  # the same curvature without the derived Hessian's removable singularity
        exact = exact(*theta1, *d, s)
        _check_same(name, body.xreplace(along), exact, assignments, (s, *theta1, *d), domains)
        body, assignments = exact, ()
    at_node = _curvature(name, (s, *theta1, *d), assignments, body.xreplace(along))
    total = _remainder(name, (*theta1, *d), sum((w * at_node(node, *theta1, *d) for node, w in _nodes()), S.Zero))
    return first.xreplace(at_p) + total(*theta1, *(c.d for c in coordinates)), window


def _horner(expr, s):
    """``expr``, a polynomial in ``s``, by Horner's rule (c0 + s·(c1 + s·(..))): no power of s."""
    parts = collect(expr, s, evaluate=False)
    degree = {S.One: 0, **{k: (k.exp if k.is_Pow else 1) for k in parts if k != S.One}}
    coefficients = {degree[k]: c for k, c in parts.items()}
    if any(c.has(s) for c in coefficients.values()):
        raise ValueError(f"not a polynomial in {s}: {expr}")
    out = S.Zero
    for n in range(max(coefficients), -1, -1):
        out = coefficients.get(n, S.Zero) + s * out
    return out


def _beta(name, theta1, theta2):
    """KL(Beta(a) ‖ Beta(b)), the Bregman divergence of log B(a1, a0) = log Γ(a1) + log Γ(a0) − log Γ(a1 + a0), as
    the integral remainder along the path straight in the parameters, x(s) = a + s h (h = b − a, exact), which has
    no gradient term: ∫_0^1 (1 − s) Q(s) ds, Q = h1² ψ′(x1) + h0² ψ′(x0) − (h1 + h0)² ψ′(x1 + x0). With
    ψ′(x) = 1/x + w(x) (w = ψ′ − 1/x > 0, decreasing), Q is a sum of non-negative parts with no difference of
    nearby values:

        Q = D² / (x1 x0 (x1 + x0)) + h1² (w(x1) − w(x1 + x0)) + h0² (w(x0) − w(x1 + x0)) − 2 h1 h0 w(x1 + x0)

    the 1/x part a perfect square, D = h1 x0 − h0 x1 = h1 a0 − h0 a1 the same at every s (Dekker's exact products:
    it cancels where p is near a scaling of q, 16 ulp of the KL at concentrations near 1000 otherwise), the
    differences of w by ``trigamma_excess_difference`` (they cancel where one concentration is much the smaller:
    the last term is then small beside them). The derived Hessian along the log path instead cancels in ψ′(a)da² +
    ψ′(b)db² − ψ′(a + b)(da + db)² and in its gradient term's differences of digammas (1e3 ulp at concentrations
    near 1000). The poles of ψ′ and 1/x (x = 0) are 0.58 of the segment's length off its ends within the window
    (|log(b/a)| <= 1), so NODES Gauss–Legendre points sum it to rounding."""
    a1, a0 = theta1
    b1, b0 = theta2
    s = Symbol("s", positive=True)
    h1, h0, cross = (Symbol(n, real=True) for n in ("h_concentration1", "h_concentration0", "cross"))
    x1, x0 = Symbol("concentration1", positive=True), Symbol("concentration0", positive=True)
    q = (cross**2 / (x1 * x0 * (x1 + x0)) + h1**2 * trigamma_excess_difference(x1, x0)
         + h0**2 * trigamma_excess_difference(x0, x1) - 2 * h1 * h0 * trigamma_excess(x1 + x0))
    return _straight(name, theta1, theta2, s, q, ((x1, a1 + s * h1), (x0, a0 + s * h0)), (h1, h0), cross,
                     (h1, a0, h0, a1))


def _gamma(name, theta1, theta2):
    """KL of two gamma (or inverse gamma) distributions, the Bregman divergence of log Γ(α) − α log β, along the
    path straight in the parameters, x(s) = α1 + s h, r(s) = β1 + s k (h, k = p's minus q's): no gradient term, and

        Q = h² ψ′(x) − 2 h k / r + x k² / r² = h² w(x) + D² / (x r²),   D = h r − x k = h β1 − α1 k,

    two non-negative parts (w = ψ′ − 1/x, ``trigamma_excess``), D the same at every s (Dekker's exact products).
    The log path's Hessian and gradient terms (differences of digammas) lost 100 ulp at |log(p/q)| near 0.7."""
    a1, r1 = theta1
    a2, r2 = theta2
    s = Symbol("s", positive=True)
    h, k, cross = (Symbol(n, real=True) for n in (f"h_{a1}".rstrip("1"), f"h_{r1}".rstrip("1"), "cross"))
    x, r = Symbol(str(a1).rstrip("1"), positive=True), Symbol(str(r1).rstrip("1"), positive=True)
    q = h**2 * trigamma_excess(x) + cross**2 / (x * r**2)
    return _straight(name, theta1, theta2, s, q, ((x, a1 + s * h), (r, r1 + s * k)), (h, k), cross, (h, r1, a1, k))


def _straight(name, theta1, theta2, s, q, path, steps, cross, factors):
    """∫_0^1 (1 − s) Q(s) ds along ``path`` (θ1 + s·``steps``), Q written in the path's symbols and ``cross`` = D =
    product_difference(*``factors``) (in θ1 and the steps): checked against the derived cross-entropy, then the
    quadrature, called with the steps θ2 − θ1 and D at them."""
    D = product_difference(*factors)
    _check_straight(name, theta1, theta2, s, ((1 - s) * q).xreplace(dict(path)).xreplace({cross: D}), steps)
    arguments = (*theta1, *steps, cross)
    at_node = _curvature(name, (s, *arguments), path, (1 - s) * q)
    total = _remainder(name, arguments, sum((w * at_node(node, *arguments) for node, w in _nodes()), S.Zero))
    actual = {h: t2 - t1 for h, t1, t2 in zip(steps, theta1, theta2)}
    return total(*theta1, *actual.values(), D.xreplace(actual))


#: family → the near form from (name, θ1, θ2), along a path of its own (the window is the log coordinates')
_STRAIGHT = {"beta": _beta, "gamma": _gamma, "inverse-gamma": _gamma}

#: family → ((1 − s) g''(s) in closed form, from (θ1, d, s), where the derived Hessian has a removable
#: singularity; the largest |d| for it)
_EXACT = {"continuous-bernoulli": (cbern.near_body, cbern.NEAR_SPAN)}


def _check_same(name, derived, exact, assignments, arguments, domains):
    """Raise unless ``exact`` equals the ``derived`` curvature to 30 digits at three points of the path (θ1 away
    from the singularity; d within SPAN)."""
    rng = random.Random(name)
    for _ in range(3):
        s, *rest = arguments
        n = len(domains)
        point = {s: Rational(rng.randint(1, 99), 100)}
        point.update({t: Rational(rng.randint(5, 96), 101) for t in rest[:n]})  # never 1/2
        point.update({di: Rational(rng.randint(-99, 99), 100) * SPAN for di in rest[n:]})
        values = {}
        for v, e in assignments:
            values[v] = e.xreplace(point).xreplace(values).evalf(40)
        same(name, derived.xreplace(values), exact, point)


def _check_straight(name, theta1, theta2, s, integrand, steps):
    """Raise unless ``integrand`` (in s, θ1 and the steps h = θ2 − θ1) is (1 − s) d²/ds² of the derived
    cross-entropy along θ1 + s h, to 30 digits at three points (θ1 in (0.1, 5), |h| < 0.9 θ1)."""
    from derive import registry
    from derive.catalog_families import _finite_part

    ce, _ = _finite_part(registry.get(f"cross-entropy-{name.removeprefix('kl-')}").closed_form)
    derived = (1 - s) * diff(ce.xreplace({t2: t1 + s * h for t1, t2, h in zip(theta1, theta2, steps)}), s, 2)
    rng = random.Random(name)
    for _ in range(3):
        point = {t: Rational(rng.randint(10, 500), 100) for t in theta1}
        point.update({h: point[t] * Rational(rng.randint(-90, 90), 100) for t, h in zip(theta1, steps)})
        point[s] = Rational(rng.randint(1, 99), 100)
        same(name, derived, integrand, point)


def with_near_form(name: str, stable):
    """``stable`` (the closed form rewritten for floating point) guarded by the near-diagonal form where it
    applies: Piecewise((near, window), (stable, True)) (kept inside the finite branch of a conditional pair)."""
    form = near_form(name)
    if form is None:
        return stable
    near, window = form
    if isinstance(stable, Piecewise) and len(stable.args) == 2:
        (value, cond), rest = stable.args
        return Piecewise((Piecewise((near, window), (value, True)), cond), rest)
    return Piecewise((near, window), (stable, True))
