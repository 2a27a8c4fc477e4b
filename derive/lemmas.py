"""Derivations of the lemmas the main derivations cite, produced by the same kind of walk.

Moment lemmas of a location-scale family: ∫ s(z) q(z) dz -> substitute z = loc + scale·u -> expand in powers
of u and use linearity -> standard moments -> value. The log-density lemma: log q(z) -> log of a product ->
the written-out form the derivations use.
"""

from __future__ import annotations

from sympy import Function, Integral, Mul, Poly, expand, expand_log, factorial2, log, oo

from derive.engine import Q, _sum, _times, rule_closed_form
from derive.families.normal import Normal
from derive.step import Binding, Step
from derive.symbols import u, z

PHI = Function("phi")
STANDARD = Normal(0, 1)


def _standard_moment(k: int):
    return 0 if k % 2 else factorial2(k - 1)


def moment_lemma_steps(q: Normal, statistic, value, where: str):
    """Steps of ``∫ statistic · q dz = value`` by the location-scale substitution."""
    lim_u = (u, -oo, oo)
    substituted = expand(statistic.subs(z, q.standardise(u)))
    steps = [
        Step(Integral(statistic * Q(z), (z, -oo, oo)), "definition", "", ()),
        Step(
            Integral(Mul(substituted, PHI(u), evaluate=False) if substituted != 1 else PHI(u), lim_u),
            "substitution",
            "substitute z = loc + scale * u, so q(z) dz becomes the standard normal density phi(u) du",
            (),
        ),
    ]
    terms = sorted(Poly(substituted, u).terms())
    linear = _sum(_times(c, Integral(u**k * PHI(u), lim_u)) for (k,), c in terms)
    if linear != steps[-1].expr:
        steps.append(Step(linear, "linearity", "expand in powers of u; linearity of the integral", ()))
    steps.append(
        Step(
            _sum(c * _standard_moment(k) for (k,), c in terms),
            "standard-moments",
            "standard normal moments: the density integrates to 1, odd moments vanish by symmetry, "
            "the second moment is 1",
            (),
        )
    )
    steps.append(rule_closed_form(steps[-1].expr, value, where))
    return tuple(steps)


def log_density_steps(q: Normal):
    """Steps of ``log q(z) = written-out log-density``."""
    return (
        Step(log(Q(z)), "definition", "", ()),
        Step(expand_log(log(q.density(z))), "log-product", "the log of a product is the sum of the logs", ()),
        Step(q.log_density(z), "simplify", "collect the constant terms", ()),
    )


def lemma_bindings(q: Normal):
    return (Binding(Q, z, q.density(z), q.law()), Binding(PHI, u, STANDARD.density(u), STANDARD.law()))
