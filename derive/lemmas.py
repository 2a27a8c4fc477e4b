"""Derivations of the lemmas the main derivations cite, produced by the same kind of walk.

Moment lemmas: ∫ s(z) q(z) dz -> substitute z = standardise(u) (z = loc + scale·u for the normal, z = u / rate for
the exponential, z = scale·u^(1/concentration) for the Weibull) -> write s as Σ c_i t_i(u) and use linearity ->
the standard member's expectations E[t_i(u)] -> value. The log-density lemma: log q(z) -> log of a product -> the
written-out form the derivations use.
"""

from __future__ import annotations

from sympy import (
    Add,
    Dummy,
    Function,
    Integral,
    Mul,
    Piecewise,
    S,
    Sum,
    Symbol,
    default_sort_key,
    expand,
    expand_log,
    log,
    oo,
    simplify,
    summation,
)

from derive.engine import Q, _split, _sum, _times, rule_closed_form
from derive.prove import DerivationError
from derive.step import Binding, Step
from derive.symbols import z

PHI = Function("phi")  # the family's standard density


def variable(member, name: str = "u"):
    """The variable of a member's density: positive when its support is (0, ...), so log u expands."""
    return Symbol(name, positive=True) if S(member.support[0]).is_nonnegative else Symbol(name, real=True)


def _order(t, u):
    """Powers of u first, by degree (as the Gaussian lemmas always listed them), then the rest in SymPy's order."""
    if t == 1:
        return (0, 0, ())
    if t == u:
        return (0, 1, ())
    if t.is_Pow and t.base == u and t.exp.is_Integer:
        return (0, int(t.exp), ())
    return (1, 0, default_sort_key(t))


def split_terms(expr, u) -> list[tuple]:
    """``expr`` as Σ c_i t_i(u), c_i free of u, like terms collected; e^(a + b u) is split into e^a · e^(b u)."""
    collected: dict = {}
    for term in Add.make_args(expand(expand_log(expr))):
        c, t = _split(term, u)
        collected[t] = collected.get(t, 0) + c
    return [(c, t) for t, c in sorted(collected.items(), key=lambda kv: _order(kv[0], u)) if c != 0]


def _standard_values(q, terms, u):
    standard = q.standard()
    values = []
    for _, t in terms:
        value = standard.standard_expectation(t, u)
        if value is None:
            raise DerivationError(f"no standard expectation of {q.family} covers E[{t}] (after {q.substitution})")
        values.append(value)
    return values


def expectation(q, statistic):
    """E_q[statistic] by the family's standardising substitution and its standard member's expectations (for a
    discrete family: SymPy's closed-form summation of the series)."""
    if getattr(q, "discrete", False):
        return _summed(q, statistic)
    u = variable(q.standard())
    terms = split_terms(statistic.subs(z, q.standardise(u)), u)
    return Add(*(c * v for (c, _), v in zip(terms, _standard_values(q, terms, u))))


def _summed(q, statistic):
    """Σ_z statistic · q(z) by SymPy; a convergence condition SymPy leaves (|1 - p| < 1) is settled on the
    parameters' domains (a probability p = 1/(1 + w), w > 0)."""
    total, k = _summation(q, statistic)
    inside = {p: 1 / (1 + Dummy("w", positive=True)) for p, bounds in q.domains().items()
              if bounds == (0, 1)}
    terminating = q.support[1] != oo

    def settle(piecewise):
        for expr, cond in piecewise.args:
            if cond.xreplace(inside) == True:  # noqa: E712  (SymPy's true)
                return expr
            # a sum up to a count n is a terminating hypergeometric series: the convergence condition SymPy
            # attaches (p/|p - 1| <= 1) belongs to the infinite series and does not apply (the checks confirm it)
            if terminating and not expr.has(Sum):
                return expr
        return piecewise

    total = simplify(total.replace(lambda e: isinstance(e, Piecewise), settle)).xreplace({k: z})
    if total.has(Sum):
        raise DerivationError(f"SymPy cannot sum E_q[{statistic}] for {q.family} in closed form")
    return total


def _summation(q, statistic):
    """(SymPy's summation of Σ_z statistic · q(z) over q's support, the integer variable it sums over)."""
    k = Symbol("z", integer=True, nonnegative=True)
    return summation((statistic * q.density(z)).xreplace({z: k}), (k, *q.support)), k


def kept_expectation(q, statistic):
    """E_q[statistic] with no closed form: the written-out sum itself, after confirming that SymPy's summation
    leaves it unevaluated (a lemma SymPy can sum must be derived, not kept)."""
    kept = Sum(statistic * q.density(z), (z, *q.support))
    if not _summation(q, statistic)[0].has(Sum):
        raise DerivationError(f"E_q[{statistic}] under {q.family} has a closed form: derive it instead of keeping it")
    return kept


def kept_moment_steps(q, statistic, value):
    """Steps of a kept lemma: the definition, the mass function written out, and where it stops."""
    return (
        Step(Sum(statistic * Q(z), (z, *q.support)), "definition", "", ()),
        Step(value, "no-closed-form", "write out the mass function; SymPy's summation leaves this series "
             "unevaluated and no closed form is known, so it is kept as a series and computed numerically", ()),
    )


def discrete_moment_steps(q, statistic, value, where: str):
    """Steps of ``Σ_z statistic · q(z) = value``: write out the mass function, SymPy sums the series."""
    lim = (z, *q.support)
    steps = [
        Step(Sum(statistic * Q(z), lim), "definition", "", ()),
        Step(Sum(Mul(statistic, q.density(z), evaluate=False), lim), "write-out", "write out the mass function", ()),
        Step(_summed(q, statistic), "sum", "SymPy sums the series in closed form (a finite sum term by term; a "
             "geometric series and its derivative)", ()),
    ]
    steps.append(rule_closed_form(steps[-1].expr, value, where))
    return tuple(steps)


def moment_lemma_steps(q, statistic, value, where: str):
    """Steps of ``∫ statistic · q dz = value`` by the family's standardising substitution: linearity over the terms
    of the substituted statistic, then the standard member's expectations."""
    if value.has(Sum):
        return kept_moment_steps(q, statistic, value)
    if getattr(q, "discrete", False):
        return discrete_moment_steps(q, statistic, value, where)
    standard = q.standard()
    u = variable(standard)
    lim_u = (u, *standard.support)
    substituted = statistic.subs(z, q.standardise(u))
    shown = expand(substituted) if substituted.is_polynomial(u) else substituted
    steps = [
        Step(Integral(statistic * Q(z), (z, *q.support)), "definition", "", ()),
        Step(
            Integral(Mul(shown, PHI(u), evaluate=False) if shown != 1 else PHI(u), lim_u),
            "substitution",
            f"substitute {q.substitution}, so q(z) dz becomes the standard density phi(u) du",
            (),
        ),
    ]
    terms = split_terms(substituted, u)
    linear = _sum(_times(c, Integral(t * PHI(u), lim_u) if t != 1 else Integral(PHI(u), lim_u)) for c, t in terms)
    if linear != steps[-1].expr:
        why = "expand in powers of u; linearity of the integral" if substituted.is_polynomial(u) else \
            "write the statistic as a sum of terms in u; linearity of the integral"
        steps.append(Step(linear, "linearity", why, ()))
    values = _standard_values(q, terms, u)
    steps.append(Step(_sum(c * v for (c, _), v in zip(terms, values)), "standard-moments",
                      standard.standard_moments_text, ()))
    steps.append(rule_closed_form(steps[-1].expr, value, where))
    return tuple(steps)


def log_density_steps(q, x=z):
    """Steps of ``log q(x) = written-out log-density`` (x positive for a density on (0, ∞), so the check draws x
    there)."""
    return (
        Step(log(Q(x)), "definition", "", ()),
        Step(expand_log(log(q.density(x))), "log-product", "the log of a product is the sum of the logs", ()),
        Step(q.log_density(x), "simplify", "collect the constant terms", ()),
    )


def lemma_bindings(q):
    if getattr(q, "discrete", False):
        return (Binding(Q, z, q.density(z), q.law()),)
    standard = q.standard()
    u = variable(standard)
    return (Binding(Q, z, q.density(z), q.law()), Binding(PHI, u, standard.density(u), standard.law()))
