"""Derivations of the lemmas the main derivations cite, produced by the same kind of walk.

Moment lemmas of a (location-)scale family: ∫ s(z) q(z) dz -> substitute z = loc + scale·u (the family's
standardisation) -> expand in powers of u and use linearity -> standard moments -> value. The log-density lemma: log q(z) -> log of a product ->
the written-out form the derivations use.
"""

from __future__ import annotations

from sympy import Function, Integral, Mul, Poly, expand, expand_log, log

from derive.engine import Q, _sum, _times, rule_closed_form
from derive.step import Binding, Step
from derive.symbols import u, z

PHI = Function("phi")  # the family's standard density


def moment_lemma_steps(q, statistic, value, where: str):
    """Steps of ``∫ statistic · q dz = value`` by the family's standardising substitution (z = loc + scale·u for
    the normal, z = u / rate for the exponential): powers of u, linearity, the standard moments."""
    standard = q.standard()
    lim_u = (u, *standard.support)
    substituted = expand(statistic.subs(z, q.standardise(u)))
    steps = [
        Step(Integral(statistic * Q(z), (z, *q.support)), "definition", "", ()),
        Step(
            Integral(Mul(substituted, PHI(u), evaluate=False) if substituted != 1 else PHI(u), lim_u),
            "substitution",
            f"substitute {q.substitution}, so q(z) dz becomes the standard density phi(u) du",
            (),
        ),
    ]
    terms = sorted(Poly(substituted, u).terms())
    linear = _sum(_times(c, Integral(u**k * PHI(u), lim_u)) for (k,), c in terms)
    if linear != steps[-1].expr:
        steps.append(Step(linear, "linearity", "expand in powers of u; linearity of the integral", ()))
    steps.append(
        Step(
            _sum(c * standard.standard_moment(k) for (k,), c in terms),
            "standard-moments",
            standard.standard_moments_text,
            (),
        )
    )
    steps.append(rule_closed_form(steps[-1].expr, value, where))
    return tuple(steps)


def log_density_steps(q):
    """Steps of ``log q(z) = written-out log-density``."""
    return (
        Step(log(Q(z)), "definition", "", ()),
        Step(expand_log(log(q.density(z))), "log-product", "the log of a product is the sum of the logs", ()),
        Step(q.log_density(z), "simplify", "collect the constant terms", ()),
    )


def lemma_bindings(q):
    standard = q.standard()
    return (Binding(Q, z, q.density(z), q.law()), Binding(PHI, u, standard.density(u), standard.law()))
