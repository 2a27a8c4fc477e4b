"""Derivations of families declared in spec files (``derive --spec FILE.toml``), registered beside the built-ins.

For a declared family F: ``entropy-F``, ``cross-entropy-F-F`` and ``kl-F-F``, the pairs with each family declared
before it, and the pairs with the built-in :data:`PARTNERS` in both directions (q from one, p from the other;
parameters suffixed 1 for q and 2 for p), plus ``lemma-F-log-density``. A pair whose supports do not nest ends in
+∞ with the reason, like the built-in ones; a pair whose nesting cannot be decided (a support whose ends depend on
the parameters) is not registered. Every name is checked before any is registered: a clash with a built-in family
or derivation is a one-line :class:`~derive.spec.SpecError`.
"""

from __future__ import annotations

from pathlib import Path

from sympy import And, Integral, Mul, S, log, oo

from derive import lemmas, registry, support
from derive.catalog import _univariate
from derive.engine import P, Q, kl_walk
from derive.notation import KL, CrossEntropy, Entropy
from derive.spec import FamilySpec, SpecError, check_normalised, load_spec
from derive.spec_family import member
from derive.spec_walk import expectation_steps, rule_close
from derive.step import Binding, Derivation, Step
from derive.symbols import z

#: built-in families each declared family is paired with (where they are built in), continuous and discrete
PARTNERS = {False: ("normal", "laplace", "exponential", "gamma", "half-normal", "beta"),
            True: ("bernoulli", "geometric")}

#: declared families registered in this process: name -> spec, and the names each registered
DECLARED: dict[str, FamilySpec] = {}
_REGISTERED: dict[str, list[str]] = {}
#: derivation name -> the spec files its families come from
_ORIGIN: dict[str, tuple[Path, ...]] = {}


def origin(name: str) -> tuple[Path, ...]:
    """The spec files derivation ``name`` needs (empty for a built-in derivation)."""
    return _ORIGIN.get(name, ())


def register_specs(paths) -> list[str]:
    """Load, check (normalisation) and register every spec file in ``paths``; return the names registered, in order.
    Any problem is a one-line SpecError and nothing of that file is registered."""
    names = []
    for path in paths:
        spec = load_spec(path)
        try:
            check_normalised(spec)
            names += register_spec(spec)
        except SpecError as err:
            raise SpecError(f"{Path(path)}: {err}") from None
    return names


def _members():
    """Built-in family name -> member factory (by suffix)."""
    from derive.catalog_families import MEMBERS

    return MEMBERS


#: names a parameter cannot take: the emitted code's modules and local names
CODE_NAMES = frozenset({"numpy", "scipy", "torch", "jax", "tensorflow", "math", "functools", "single", "value",
                        "validate", "reduce", "axis", "integrand", "ends"})


def _check_names(spec: FamilySpec, members) -> None:
    if spec.name in DECLARED:
        raise SpecError(f"family '{spec.name}' is declared twice (also in {DECLARED[spec.name].path})")
    if spec.name in members:
        raise SpecError(f"family name '{spec.name}' is a built-in family; give the declared family another name")
    for p in spec.parameters:
        if p.name == z.name and spec.variable.name != z.name:
            raise SpecError(f"parameter name '{z.name}' is the variable of every derivation; rename the parameter")
        if p.name in CODE_NAMES:
            raise SpecError(f"parameter name '{p.name}' is used by the emitted code; rename the parameter")


def plan(spec: FamilySpec) -> list[tuple[str, str, str, object, tuple[Path, ...]]]:
    """(name, summary, kind, builder, spec files) of everything ``spec`` adds, without building anything."""
    members = _members()
    _check_names(spec, members)
    def own(suffix):
        return member(spec, suffix)

    entries = [(*entry, (spec.path,)) for entry in (_entropy(spec.name, own), _log_density_lemma(spec.name, own))]
    partners = [(name, lambda s, other=other: member(other, s), (other.path,)) for name, other in DECLARED.items()
                if other.discrete == spec.discrete]
    partners += [(name, members[name], ()) for name in PARTNERS[spec.discrete] if name in members]
    pairs = [(spec.name, own, spec.name, own, (spec.path,))]
    for name, factory, files in partners:
        pairs += [(spec.name, own, name, factory, (spec.path, *files)), (name, factory, spec.name, own,
                                                                        (*files, spec.path))]
    for qf, q_of, pf, p_of, files in pairs:
        nest = nests(q_of("1"), p_of("2"))
        if nest is not None:  # None: a support depending on the parameters; the pair is left out
            entries += [(*entry, files) for entry in _pair(qf, q_of, pf, p_of, infinite=not nest)]
    return entries


def nests(q, p) -> bool | None:
    """Whether q's support lies inside p's at every parameter value: True, False, or None (undecided)."""
    (qlo, qhi), (plo, phi) = (tuple(S(b) for b in d.support) for d in (q, p))
    nest = And(plo <= qlo, qhi <= phi)
    return bool(nest) if nest in (S.true, S.false) else None


def register_spec(spec: FamilySpec) -> list[str]:
    """Register ``spec``'s derivations (see the module docstring); return their names. Registering the same spec
    again (the same file, unchanged) does nothing and returns the same names."""
    if DECLARED.get(spec.name) == spec:
        return list(_REGISTERED[spec.name])
    known = set(registry.names())
    entries = plan(spec)
    taken = [name for name, *_ in entries if name in known]
    if taken:
        raise SpecError(f"derivation name '{taken[0]}' of family '{spec.name}' is already registered (a built-in "
                        "derivation or another declared family's); give the declared family another name")
    for name, summary, kind, builder, files in entries:
        registry.register(name, summary, kind=kind)(builder)
        _ORIGIN[name] = files
    DECLARED[spec.name] = spec
    _REGISTERED[spec.name] = [name for name, *_ in entries]
    return list(_REGISTERED[spec.name])


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def _entropy(family, q_of):
    name = f"entropy-{family}"
    q = q_of("")
    summary = f"H(q) for q = {q.law()}"

    def build():
        steps = expectation_steps(q, q, z, same=True, where=name)
        return _univariate(name, f"Entropy of {_article(family)} {family} distribution", summary, Entropy(Q), steps,
                           q, params=_params(q))

    return name, summary, "derivation", build


def _log_density_lemma(family, q_of):
    name = f"lemma-{family}-log-density"
    q = q_of("")
    title = f"The log-density of {_article(family)} {family} distribution, written out"

    def build():
        x = lemmas.variable(q, "z")
        lo, hi = q.support
        domains = {**({x: (lo, hi)} if lo.is_finite and hi.is_finite else {}), **q.domains()} or None
        return Derivation(name=name, title=title, lhs=None, steps=lemmas.log_density_steps(q, x),
                          bindings=(Binding(Q, z, q.density(z), q.law()),), params=q.params,
                          summary=f"log q(z) for q = {q.law()}", domains=domains)

    return name, title, "lemma", build


def _params(q) -> tuple:
    """q's parameters in the order code takes them (torch.distributions' order for the built-ins)."""
    from derive.catalog_families import params_of

    return tuple(params_of(q))


def _infinite(definition, q, p, params):
    return (Step(definition, "definition", "", ()),
            Step(oo, "support", support.describe(q, p), (), check=support.checker(q, p, params)))


def _pair(qf, q_of, pf, p_of, infinite):
    q, p = q_of("1"), p_of("2")
    params = _params(q) + _params(p)
    ce_name, kl_name = f"cross-entropy-{qf}-{pf}", f"kl-{qf}-{pf}"
    laws = f"q = {q.law()}, p = {p.law()}"
    against = f"{_article(qf)} {qf} distribution against {_article(pf)} {pf} distribution"
    lim = (z, *q.support)

    def build_ce():
        if infinite:
            steps = _infinite(-Integral(Mul(Q(z), log(P(z)), evaluate=False), lim), q, p, params)
        else:
            steps = expectation_steps(q, p, z, same=False, where=ce_name)
        return _univariate(ce_name, f"Cross-entropy of {against}", f"H(q, p) for {laws}", CrossEntropy(Q, P), steps,
                           q, p, params=params)

    def build_kl():
        cites = ()
        if infinite:
            steps = _infinite(Integral(Mul(Q(z), log(Q(z) / P(z)), evaluate=False), lim), q, p, params)
        else:
            ce, h = registry.get(ce_name), registry.get(f"entropy-{qf}")
            h_q = h.closed_form.xreplace(dict(zip(_params(q_of("")), _params(q))))
            steps = kl_walk(q, z, (ce.name, ce.closed_form), (h.name, h_q), canonical=None, where=kl_name)
            steps = steps[:-1] + (rule_close(steps[-2].expr, kl_name),)
            cites = (ce.name, h.name)
        return _univariate(kl_name, f"KL divergence of {against}", f"KL(q || p) for {laws}", KL(Q, P), steps, q, p,
                           params=params, cites=cites)

    return [(ce_name, f"H(q, p) for {laws}", "derivation", build_ce),
            (kl_name, f"KL(q || p) for {laws}", "derivation", build_kl)]
