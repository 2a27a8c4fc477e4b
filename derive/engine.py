"""The walk: definition -> expand the log-density -> linearity -> moment lemmas -> closed form.

Every rule below is a small function whose docstring states the rewrite it performs; the engine strings them
together for any distribution that provides a written-out log-density and moment lemmas for its statistics.
Steps are produced here, never typed in per derivation.
"""

from __future__ import annotations

from sympy import Add, Function, Integral, Mul, Poly, S, Sum, Wild, exp, expand, log

from derive.families.base import Distribution, Statistic, match
from derive.prove import DerivationError, symbolic_equal
from derive.step import Binding, Step

Q = Function("q")
P = Function("p")


def _limits(q: Distribution, z):
    return (z, *q.support)


def over(q: Distribution, body, z):
    """``∫ body dz`` over q's support, or ``Σ_z body`` for a discrete family (the same walk with sums)."""
    return (Sum if getattr(q, "discrete", False) else Integral)(body, _limits(q, z))


def _sum(terms):
    """An Add that keeps the order in which the terms were derived (for readable steps)."""
    terms = list(terms)
    return terms[0] if len(terms) == 1 else Add(*terms, evaluate=False)


def _times(coef, expr):
    if expr == 1:
        return coef
    if coef == 1:
        return expr
    if coef.could_extract_minus_sign():
        return Mul(S.NegativeOne, -coef, expr, evaluate=False)
    return Mul(coef, expr, evaluate=False)


def rule_definition(integrand, q: Distribution, z, sign=-1) -> Step:
    """Start from the definition ``sign · ∫ integrand dz`` over the support of q."""
    body = over(q, integrand, z)
    return Step(sign * body if sign != 1 else body, "definition", "", ())


def rule_expand_log_density(target: Distribution, f, q: Distribution, z, name: str) -> tuple[Step, list]:
    """``-∫ q log f dz -> ∫ q [-(written-out log f)] dz``; returns the step and the terms of ``-log f``."""
    terms = [-t for t in Add.make_args(target.log_density(z))]
    expr = over(q, Mul(Q(z), _sum(terms), evaluate=False), z)
    why = f"write out the log-density of {name} (a log of a product is a sum of logs; scales are positive)"
    return Step(expr, "expand-log-density", why, (f"lemma-{target.family}-log-density",)), terms


def _lookup(stat, table: tuple[Statistic, ...], z):
    """The lemma for ``E_q[stat]``: equal to an entry's statistic, or matching it with the entry's free symbols
    (a lemma for e^(-t z) covers e^(-z/scale2)), then with the value instantiated."""
    for entry in table:
        if not entry.free:
            if (stat - entry.statistic).expand() == 0:
                return entry
            continue
        wilds = {s: Wild(s.name, exclude=[z]) for s in entry.free}
        found = match(stat, entry.statistic.xreplace(wilds))
        if found is not None:
            values = {s: found[w] for s, w in wilds.items()}
            return Statistic(stat, entry.value.xreplace(values), entry.lemma)
    return None


def _split(term, z):
    """(coefficient, z-part) of a term; e^(a + b z) gives e^a · e^(b z)."""
    coef, stat = term.as_independent(z, as_Add=False)
    if isinstance(stat, exp):
        const, rest = expand(stat.args[0]).as_independent(z, as_Add=True)
        coef, stat = coef * exp(const), exp(rest)
    return coef, stat


def _polynomial(stat, z, q):
    """``stat`` as a polynomial in z, or else in log z (the log-normal's (log z - m)^2)."""
    for gen in (z, log(z)):
        try:
            poly = Poly(stat, gen)
        except Exception:  # sympy raises several types for non-polynomials
            continue
        if not any(c.has(z) for c in poly.coeffs()):
            return gen, poly
    raise DerivationError(f"no moment lemma of {q.family} covers E_q[{stat}]")


def decompose(terms, q: Distribution, z) -> tuple[list[tuple], bool]:
    """Write ``Σ terms`` as ``Σ_i c_i s_i(z)`` with each ``s_i`` a statistic q has a lemma for.

    A term whose z-part is not a known statistic is expanded as a polynomial in z. Returns the (coefficient,
    Statistic) pairs in the order of q's lemma table and whether any expansion was needed.
    """
    table = q.statistics(z)
    lemma_order = {e.lemma: i for i, e in reversed(list(enumerate(table)))}
    coeffs: dict[Statistic, object] = {}
    expanded = False
    for term in terms:
        coef, stat = _split(term, z)
        entry = _lookup(stat, table, z)
        pieces = [(coef, entry)] if entry is not None else None
        if pieces is None:
            expanded = True
            gen, poly = _polynomial(stat, z, q)
            pieces = []
            for (k,), c in poly.terms():
                entry = _lookup(gen**k, table, z)
                if entry is None:
                    raise DerivationError(f"no moment lemma of {q.family} covers E_q[{gen**k}]")
                pieces.append((coef * c, entry))
        for c, entry in pieces:
            coeffs[entry] = coeffs.get(entry, S.Zero) + c
    ordered = sorted(coeffs, key=lambda e: (lemma_order[e.lemma], list(coeffs).index(e)))
    pairs = [(coeffs[e], e) for e in ordered if coeffs[e] != 0]
    return pairs, expanded


def rule_expand_statistics(pairs, q: Distribution, z) -> Step:
    """``∫ q Σ terms dz -> ∫ q Σ_i c_i s_i dz``: expand powers so every statistic has a moment lemma."""
    expr = over(q, Mul(Q(z), _sum(_times(c, e.statistic) for c, e in pairs), evaluate=False), z)
    why = "expand the square into powers of z, whose expectations under q are known, and collect terms"
    return Step(expr, "expand-statistics", why, ())


def rule_linearity(pairs, q: Distribution, z) -> Step:
    """``∫ q Σ_i c_i s_i dz -> Σ_i c_i ∫ s_i q dz``: the integral is linear and c_i does not depend on z."""
    expr = _sum(_times(c, over(q, e.statistic * Q(z), z)) for c, e in pairs)
    why = "linearity of the integral; the coefficients do not depend on z"
    return Step(expr, "linearity", why, ())


def rule_moment_lemmas(pairs, q: Distribution, z) -> Step:
    """``Σ_i c_i ∫ s_i q dz -> Σ_i c_i E_q[s_i]``, each expectation by its proven lemma."""
    expr = _sum(c * e.value for c, e in pairs)
    cited = tuple(dict.fromkeys(e.lemma for _, e in pairs))
    used = tuple((over(q, e.statistic * Q(z), z), e.value) for _, e in pairs)
    return Step(expr, "moment-lemmas", "replace each integral by its proven moment lemma", cited, substitutions=used)


def rule_closed_form(previous, canonical, where: str, equal=symbolic_equal) -> Step:
    """``expr -> canonical``: the chosen canonical closed form, which must be shown equal to ``expr`` (by
    ``equal``: symbolically; matrix expressions at concrete dimensions)."""
    if canonical is None:
        canonical = previous
    elif not equal(previous, canonical):
        raise DerivationError(f"{where}: the canonical form {canonical} is not equal to the derived {previous}")
    return Step(canonical, "simplify", "collect terms into the closed form", ())


def expectation_walk(q: Distribution, target: Distribution, z, *, same: bool, canonical, where: str):
    """Steps of ``-E_q[log target]``: entropy when ``same`` (target is q), cross-entropy otherwise."""
    f = Q if same else P
    steps = [rule_definition(Mul(Q(z), log(f(z)), evaluate=False), q, z)]
    step, terms = rule_expand_log_density(target, f, q, z, "q" if same else "p")
    steps.append(step)
    pairs, expanded = decompose(terms, q, z)
    if expanded:
        steps.append(rule_expand_statistics(pairs, q, z))
    steps.append(rule_linearity(pairs, q, z))
    steps.append(rule_moment_lemmas(pairs, q, z))
    steps.append(rule_closed_form(steps[-1].expr, canonical, where))
    return tuple(steps)


def bindings_for(z, q: Distribution, p: Distribution | None = None) -> tuple[Binding, ...]:
    out = [Binding(Q, z, q.density(z), q.law())]
    if p is not None:
        out.append(Binding(P, z, p.density(z), p.law()))
    return tuple(out)


def kl_walk(q: Distribution, z, cross_entropy, entropy, *, canonical, where: str, equal=symbolic_equal):
    """Steps of ``KL(q||p) = ∫ q log(q/p) dz = H(q, p) - H(q)``, citing the two derivations' closed forms.

    ``cross_entropy`` and ``entropy`` are (name, closed form) pairs whose parameters already match q and p.
    """
    ce_def = -over(q, Mul(Q(z), log(P(z)), evaluate=False), z)
    h_def = over(q, Mul(Q(z), log(Q(z)), evaluate=False), z)
    steps = [
        Step(over(q, Mul(Q(z), log(Q(z) / P(z)), evaluate=False), z), "definition", "", ()),
        Step(
            Add(ce_def, h_def, evaluate=False),
            "log-quotient",
            "log of a quotient is a difference of logs; linearity: cross-entropy minus entropy",
            (),
        ),
        Step(
            Add(cross_entropy[1], Mul(-1, entropy[1], evaluate=False), evaluate=False),
            "cite",
            "insert the closed forms of the cross-entropy and the entropy derived above",
            (cross_entropy[0], entropy[0]),
            substitutions=((ce_def, cross_entropy[1]), (h_def, -entropy[1])),
        ),
    ]
    steps.append(rule_closed_form(steps[-1].expr, canonical, where, equal))
    return tuple(steps)
