"""A family loaded from a spec file (``derive.spec``) as a :class:`~derive.families.family.Family` the engine and the
renderers can use: its parameters (suffixed 1 for q, 2 for p), support, density and written-out log-density.

A declared family knows no standardising substitution and no moment lemmas: the expectations its derivations need
are found by ``derive.spec_walk`` (SymPy's integrate or summation, within a time limit), or stay integrals.
"""

from __future__ import annotations

from functools import lru_cache

from sympy import Dummy, S, Symbol, expand_log, latex

from derive.families.family import INTERVALS, Family
from derive.spec import DOMAINS, FamilySpec


class SpecFamily(Family):
    """A member of a family declared in a spec file; subclasses are made by :func:`family_class`."""

    spec: FamilySpec
    generic = True  # expectations by SymPy or quadrature, not by lemmas (derive.spec_walk)

    @classmethod
    def symbols(cls, suffix: str = "") -> tuple[Symbol, ...]:
        """The parameters' symbols with the spec's assumptions (integer domains included), named ``name + suffix``."""
        return tuple(Symbol(p.name + suffix, **DOMAINS[p.domain].assumptions) for p in cls.spec.parameters)

    def domains(self) -> dict:
        """symbol -> (lo, hi) for the 'unit' parameters: random check points are drawn inside (0, 1)."""
        return {s: INTERVALS["unit"] for s, p in zip(self.params, self.spec.parameters) if p.domain == "unit"}

    @property
    def support(self) -> tuple:
        """The spec's support, its ends at this member's parameters (a support may depend on them)."""
        return tuple(self._at(end, self.spec.variable) for end in self.spec.support)

    def _at(self, expr, z):
        values = {p.symbol: value for p, value in zip(self.spec.parameters, self.params)}
        return expr.xreplace({self.spec.variable: z, **values})

    def density(self, z):
        return self._at(self.spec.density, z)

    def log_density(self, z):
        """The log-density as written out: the spec's, with logs of products split (on a support of non-negative z
        with z taken positive, so log(z^2) is 2 log z)."""
        return _written_out(self._at(self.spec.log_density, z), z, self.support[0])

    def lemma_statistics(self, z):
        return ()

    def quadrature_hint(self):
        """Where quadrature splits the support: its middle when bounded, one unit inside a finite end, else 0."""
        lo, hi = self.support
        if lo.is_finite and hi.is_finite:
            return (lo + hi) / 2, (hi - lo) / 4
        if lo.is_finite:
            return lo + 1, S.One
        if hi.is_finite:
            return hi - 1, S.One
        return S.Zero, S.One


def _written_out(expr, z, lo):
    if S(lo).is_nonnegative:
        x = Dummy("x", positive=True)
        return expand_log(expr.xreplace({z: x})).xreplace({x: z})
    return expand_log(expr)


def law_name(name: str) -> str:
    """'half-logistic' -> 'HalfLogistic': how the law is printed, HalfLogistic(σ)."""
    return "".join(part.capitalize() for part in name.split("-"))


@lru_cache(maxsize=None)
def family_class(spec: FamilySpec) -> type[SpecFamily]:
    """The Family subclass of ``spec`` (one per spec)."""
    return type(
        law_name(spec.name) + "Family",
        (SpecFamily,),
        {
            "spec": spec,
            "family": spec.name,
            "law_name": law_name(spec.name),
            "parameters": tuple((p.name, p.domain, latex(p.symbol)) for p in spec.parameters),
            "discrete": spec.discrete,
            "substitution": "",
        },
    )


def member(spec: FamilySpec, suffix: str = "") -> SpecFamily:
    """The member of ``spec``'s family with parameters suffixed ``suffix``."""
    return family_class(spec).member(suffix)


__all__ = ["SpecFamily", "family_class", "law_name", "member"]
