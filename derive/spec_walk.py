"""The walk for derivations that involve a declared family (``derive.spec_family``): definition -> expand the
log-density -> [expand statistics] -> linearity -> expectations -> closed form.

The same rules as ``derive.engine``, except where the expectations come from. Each E_q[s] is

1. a proven moment lemma of q, when q is a built-in family with one for s (cited, as the engine does);
2. else ``sympy.integrate`` (``sympy.summation`` for a discrete family) of s·q over the support, within
   :data:`SECONDS` seconds, kept only when SymPy leaves no integral and no condition, and its answer agrees with
   quadrature at a random admissible point;
3. else the integral itself, with q written out: the derivation stops there, says why in the step, and its last
   step keeps the integral. No closed form is claimed that was not derived; ``derive code`` computes such an
   integral by quadrature (NumPy) or refuses (``derive.emit.quadrature``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sympy import (
    Add,
    Dummy,
    Expr,
    Integral,
    Mul,
    Piecewise,
    S,
    Sum,
    exp,
    expand,
    integrate,
    log,
    simplify,
    summation,
)

from derive.engine import (
    P,
    Q,
    _sum,
    decompose,
    over,
    rule_definition,
    rule_expand_log_density,
    rule_expand_statistics,
    rule_linearity,
)
from derive.numeric import close, evaluate, parameters_of, random_point, rng_for
from derive.prove import DerivationError, symbolic_equal
from derive.step import Step
from derive.verify import NotSettled, _within

#: seconds SymPy gets for one expectation (and again for simplifying its answer)
SECONDS = 10


@dataclass(frozen=True)
class Expectation:
    """E_q[statistic] = value: by the cited ``lemmas``, by SymPy (``how`` "sympy"), or not at all (``how`` "none":
    ``value`` is the integral or sum itself, q written out, and ``reason`` says why)."""

    statistic: Expr
    value: Expr
    how: str  # "lemma", "sympy" or "none"
    lemmas: tuple[str, ...] = ()
    reason: str = ""


def split(term, z) -> tuple[Expr, Expr]:
    """(coefficient free of z, statistic) of a term; e^(a + b z) gives e^a · e^(b z); the statistic's sign is +."""
    coef, stat = term.as_independent(z, as_Add=False)
    if isinstance(stat, exp):
        const, rest = expand(stat.args[0]).as_independent(z, as_Add=True)
        coef, stat = coef * exp(const), exp(rest)
    if stat.could_extract_minus_sign():
        coef, stat = -coef, -stat
    return coef, stat


def collect(terms, z) -> tuple[list[tuple[Expr, Expr]], bool]:
    """``Σ terms`` as ``Σ_i c_i s_i(z)``: products and powers multiplied out (not inside logs or exponentials), like
    statistics collected. Returns the (coefficient, statistic) pairs and whether multiplying out changed a
    statistic (then the walk shows it as its own step)."""
    direct = {split(t, z)[1] for t in terms}
    coeffs: dict = {}
    for term in terms:
        for piece in Add.make_args(expand(term, log=False, power_exp=False)):
            c, s = split(piece, z)
            coeffs[s] = coeffs.get(s, S.Zero) + c
    pairs = [(c, s) for s, c in coeffs.items() if c != 0]
    return pairs, {s for _, s in pairs} != direct


_CACHE: dict = {}


def expectation(q, stat, z) -> Expectation:
    """E_q[stat], by a lemma of q, by SymPy, or kept as the integral (see the module docstring); cached."""
    key = (type(q).__name__, q.density(z), tuple(q.support), stat)
    if key not in _CACHE:
        _CACHE[key] = _from_lemmas(q, stat, z) or _by_sympy(q, stat, z)
    return _CACHE[key]


def _from_lemmas(q, stat, z) -> Expectation | None:
    if getattr(q, "generic", False):
        return None
    try:
        pairs, _ = decompose([stat], q, z)
    except DerivationError:
        return None
    value = Add(*(c * e.value for c, e in pairs))
    return Expectation(stat, value, "lemma", tuple(dict.fromkeys(e.lemma for _, e in pairs)))


def _by_sympy(q, stat, z) -> Expectation:
    kept = over(q, stat * q.density(z), z)
    discrete = getattr(q, "discrete", False)
    lo = S(q.support[0])
    if discrete:
        x = Dummy("k", integer=True)
    else:
        x = Dummy("z", positive=True) if lo.is_nonnegative else Dummy("z", real=True)
    body, limits = (stat * q.density(z)).xreplace({z: x}), (x, *q.support)
    verb = "sum" if discrete else "integral"

    def none(reason: str) -> Expectation:
        return Expectation(stat, kept, "none", reason=reason)

    try:
        value = _within(SECONDS, lambda: summation(body, limits) if discrete else integrate(body, limits, conds="none"))
    except NotSettled:
        return none(f"SymPy gives no closed form within {SECONDS} s")
    except Exception as exc:  # noqa: BLE001  (SymPy raises many types on integrals it cannot do)
        return none(f"SymPy fails on it ({type(exc).__name__})")
    if value.has(Integral, Sum):
        return none(f"SymPy returns the {verb} unevaluated")
    if value.has(Piecewise):
        return none("SymPy's answer holds only under a condition it does not settle")
    if x in value.free_symbols or value.has(S.NaN, S.ComplexInfinity) or value.is_infinite:
        return none(f"SymPy's answer ({value}) is not a finite value")
    try:
        value = _within(SECONDS, lambda: simplify(value))
    except NotSettled:
        pass
    disagreement = _disagrees(kept, value, q, z)
    if disagreement:
        return none(disagreement)
    return Expectation(stat, value, "sympy")


def _disagrees(kept, value, q, z) -> str:
    """'' when SymPy's ``value`` equals the quadrature (summation) of ``kept`` to 20 digits at a random admissible
    point; else why it is not used."""
    point = random_point(parameters_of(kept), rng_for("spec-walk", kept), getattr(q, "domains", dict)())
    hints = {} if getattr(q, "discrete", False) else {z: q.quadrature_hint()}
    try:
        numeric, exact = evaluate(kept, point, hints), evaluate(value, point, {})
    except Exception as exc:  # noqa: BLE001  (quadrature or evaluation failed: the answer is not used)
        return f"SymPy's answer cannot be checked numerically ({type(exc).__name__})"
    if not close(numeric, exact, digits=20):
        return "SymPy's answer disagrees with quadrature at a random point"
    return ""


def rule_expectations(pairs, q, z) -> Step:
    """``Σ_i c_i ∫ s_i q dz -> Σ_i c_i E_q[s_i]``: each expectation by a lemma, by SymPy, or kept (with q written
    out) when neither gives it."""
    expr = _sum(c * e.value for c, e in pairs)
    cited = tuple(dict.fromkeys(name for _, e in pairs for name in e.lemmas))
    by = {how: [e for _, e in pairs if e.how == how] for how in ("lemma", "sympy", "none")}
    verb = "sympy.summation" if getattr(q, "discrete", False) else "sympy.integrate"
    parts = []
    if by["lemma"]:
        parts.append(f"{_count(by['lemma'])} by proven moment lemmas")
    if by["sympy"]:
        parts.append(f"{_count(by['sympy'])} by {verb} (each answer agrees with a 40-digit numerical evaluation at a "
                     "random point)")
    if by["none"]:
        reasons = "; ".join(dict.fromkeys(e.reason for e in by["none"]))
        parts.append(f"{_count(by['none'])} with no closed form ({reasons}): kept as written, q written out, and "
                     "evaluated numerically; no closed form is claimed for it")
    rule = "moment-lemmas" if len(by["lemma"]) == len(pairs) else "expectations"
    used = tuple((over(q, e.statistic * Q(z), z), e.value) for _, e in pairs) if rule == "moment-lemmas" else ()
    return Step(expr, rule, "replace each expectation: " + "; ".join(parts), cited, substitutions=used)


def _count(items) -> str:
    return f"{len(items)} expectation{'s' * (len(items) != 1)}"


def _masked(expr):
    """``expr`` with each integral and sum replaced by a symbol, and the map back."""
    kept = {i: Dummy("I") for i in expr.atoms(Integral, Sum)}
    return expr.xreplace(kept), {d: i for i, d in kept.items()}


def rule_close(previous, where: str) -> Step:
    """``expr -> closed form``: tidied (``catalog_families.tidy``) around the integrals that stay, and shown equal
    to ``expr`` symbolically with those integrals held fixed; when that cannot be shown, ``expr`` as it is."""
    from derive.catalog_families import tidy

    masked, back = _masked(previous)
    try:
        tidied = tidy(masked)
        canonical = tidied if symbolic_equal(masked, tidied) else masked
    except Exception:  # noqa: BLE001  (tidying is cosmetic: keep the derived form)
        canonical = masked
    why = "collect terms into the closed form"
    if back:
        n = len(back)
        kind = "sum" if any(isinstance(i, Sum) for i in back.values()) else "integral"
        why = (f"collect terms; the {n} expectation{'s' * (n != 1)} with no closed form stay{'s' * (n == 1)} "
               f"{'an ' * (kind == 'integral') + 'a ' * (kind == 'sum') if n == 1 else ''}{kind}{'s' * (n != 1)}, "
               "so this is not a closed form")
    return Step(canonical.xreplace(back), "simplify", why, ())


def expectation_steps(q, target, z, *, same: bool, where: str) -> tuple[Step, ...]:
    """Steps of ``-E_q[log target]``: entropy when ``same``, cross-entropy otherwise."""
    f = Q if same else P
    steps = [rule_definition(Mul(Q(z), log(f(z)), evaluate=False), q, z)]
    step, terms = rule_expand_log_density(target, f, q, z, "q" if same else "p")
    steps.append(step)
    collected, expanded = collect(terms, z)
    pairs = [(c, expectation(q, s, z)) for c, s in collected]
    if expanded:
        steps.append(rule_expand_statistics(pairs, q, z))
    steps.append(rule_linearity(pairs, q, z))
    steps.append(rule_expectations(pairs, q, z))
    steps.append(rule_close(steps[-1].expr, where))
    return tuple(steps)


__all__ = ["SECONDS", "Expectation", "collect", "expectation", "expectation_steps", "rule_close"]
