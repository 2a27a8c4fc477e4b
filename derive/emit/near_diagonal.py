"""KL(q || p) of two members of one declared family, without cancellation when p is near q.

A closed form such as the gamma's (α1 − α2)ψ(α1) − log Γ(α1) + log Γ(α2) + … is a sum of O(1) terms whose total is
O(δ²) as p → q (δ = θ2 − θ1, the difference of the parameters): float64 loses 2·log10(1/|δ|) digits, all of them at
|δ| = 1e-8. Taylor's theorem with the integral remainder, along the segment θ(s) = θ1 + s δ, gives instead

    KL(θ1, θ2) = g'(0) + ∫_0^1 (1 − s) g''(s) ds,   g(s) = KL(θ1, θ(s)) = H(q, p_θ(s)) − H(q),
    g'(0) = ∇_θ2 H(q, p)|θ2=θ1 · δ,   g''(s) = δᵀ ∇²_θ2 H(q, p)|θ2=θ(s) δ,

since g(0) = 0. The gradient at θ2 = θ1 is 0 where the minimum of KL is interior (it is derived symbolically, not
assumed: uniform and Pareto, whose minimum sits on a support boundary, keep a first-order term). A |loc1 - loc2|
(Laplace) keeps one sign along the segment, so it is sign(loc1 - loc2) (loc1 - loc2) there. The Hessian of the
cross-entropy in p's parameters has no cancellation (ψ′(α2), α2/β2², …), and a Gauss–Legendre rule of NODES
points sums the integral to rounding when the segment stays well inside the parameter domain: each positive or
unit-interval parameter of p within NEAR of q's (relative to its distance from the domain's edge), each real one
within NEAR of q's scale (its one positive parameter; the uniform's width). Elsewhere KL is not small, and the closed form is used.
"""

from __future__ import annotations

from functools import lru_cache

from sympy import Abs, And, Dummy, Float, Function, Piecewise, S, Symbol, diff, polygamma, sign, simplify
from sympy.integrals.quadrature import gauss_legendre

from derive.emit.bregman import trigamma_excess

NODES = 16  # 5.8**-32 < 1e-24: a singularity at the domain's edge is 3 half-segments away at the window's edge
NEAR = S(1) / 2


class curvature(Function):
    """(1 − s) δᵀ∇²H(q, p_θ(s))δ of one self-pair, θ(s) = θ1 + s δ, δ = θ2 − θ1: arguments (s, θ1, θ2), printed as
    a call of the module's helper ``_curvature`` (``derive.emit.helpers``), so the Hessian is printed once rather
    than at each quadrature node. Each self-pair has its own subclass: the helper's ``parameters`` (s, θ1, θ2), its
    ``assignments`` ((symbol, expression): δ, then θ(s)) and the ``body`` it returns, in those symbols."""

    parameters: tuple = ()
    assignments: tuple = ()
    body = None
    pair = ""


def _curvature(name: str, parameters, assignments, body):
    # the subclass keeps the name: SymPy's printers skip ``_print_curvature`` for a renamed subclass
    return type("curvature", (curvature,),
                {"parameters": parameters, "assignments": assignments, "body": body, "pair": name})


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


def _window(F, theta1, delta, domains):
    """The condition under which the quadrature form is used (the segment stays inside the domain): real
    parameters are measured against the family's scale (``near_scale``: the uniform's width), else its one positive
    parameter."""
    positive = [t for t, d in zip(theta1, domains) if d in ("positive", "unit")]
    scale = F(*theta1).near_scale() if hasattr(F, "near_scale") else positive[0] if len(positive) == 1 else None
    conditions = []
    for t, h, d in zip(theta1, delta, domains):
        if d == "positive":
            conditions.append(Abs(h) <= NEAR * t)
        elif d == "unit":
            conditions.append(And(Abs(h) <= NEAR * t, Abs(h) <= NEAR * (1 - t)))
        elif d == "real" and scale is not None:
            conditions.append(Abs(h) <= NEAR * scale)
        else:  # a real parameter without a scale to measure it by; counts (no segment between integers)
            return None
    return And(*conditions)


@lru_cache(maxsize=None)
def near_form(name: str):
    """(expression, condition): KL by the integral remainder, used where ``condition`` holds; None when ``name`` is
    not a self-pair of a declared family (or its parameters admit no segment)."""
    from derive import registry
    from derive.catalog_families import _finite_part

    found = pair_parameters(name)
    if found is None or name not in registry.names("derivation"):
        return None
    F, theta1, theta2, domains = found
    delta = [b - a for a, b in zip(theta1, theta2)]
    window = _window(F, theta1, delta, domains)
    if window is None:
        return None
    ce, _ = _finite_part(registry.get(f"cross-entropy-{name.removeprefix('kl-')}").closed_form)
    # |loc1 - loc2| (Laplace) is not differentiable at p = q, but along the segment its argument keeps one sign:
    # |e| = sign · e there, with the sign of e at p (0 when p = q, where every term vanishes)
    signs = {a: Dummy("sign") for a in sorted(ce.atoms(Abs), key=str)}
    ce = ce.xreplace({a: sg * a.args[0] for a, sg in signs.items()})
    at_q = dict(zip(theta2, theta1))
    first = sum((simplify(diff(ce, t2).xreplace(at_q)) * h for t2, h in zip(theta2, delta)), S.Zero)
    # δ and θ(s) = θ1 + s δ get names in the helper (d_scale, scale, ...): θ2 stays p's parameter outside
    s = Symbol("s", positive=True)
    base = [name for name, _, _ in F.parameters]
    h = [Symbol(f"d_{b}", real=True) for b in base]
    moving = [Symbol(b, **t2.assumptions0) for b, t2 in zip(base, theta2)]
    n = len(theta2)
    quadratic = sum((diff(ce, theta2[i], theta2[j]) * h[i] * h[j] * (1 if i == j else 2)
                     for i in range(n) for j in range(i, n)), S.Zero)  # the Hessian is symmetric
    body = (1 - s) * quadratic.xreplace(dict(zip(theta2, moving)))
    # psi'(x) = 1/x + (psi'(x) - 1/x): the excess by a sum of positive terms (derive.emit.bregman), a few ulp on
    # every target (torch's polygamma(1, x) is off by up to 4e6 ulp)
    body = body.replace(lambda e: isinstance(e, polygamma) and e.args[0] == 1,
                        lambda e: 1 / e.args[1] + trigamma_excess(e.args[1]))
    at_p = {sg: sign(a.args[0]) for a, sg in signs.items()}
    assignments = (*zip(h, (b - a for a, b in zip(theta1, theta2))),
                   *zip(moving, (a + s * hi for a, hi in zip(theta1, h))))
    at_node = _curvature(name, (s, *theta1, *theta2), assignments, body.xreplace(at_p))
    remainder = sum((w * at_node(node, *theta1, *theta2) for node, w in _nodes()), S.Zero)
    return first.xreplace(at_p) + remainder, window


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
