"""What the engine needs to know about a family: density, authored log-density, support and moment lemmas."""

from __future__ import annotations

from dataclasses import dataclass

from sympy import Abs, Expr, Wild


@dataclass(frozen=True)
class Statistic:
    """A proven moment lemma of a distribution: ``E_q[statistic] = value``, cited as ``lemma``."""

    statistic: Expr
    value: Expr
    lemma: str
    free: tuple = ()  # symbols of the statistic that match anything free of z (E_q[e^(-t z)] for every t)


class Distribution:
    """A family member with concrete (symbolic or numeric) parameters.

    Subclasses provide ``density(z)``, ``log_density(z)`` (the written-out form a derivation shows),
    ``law()`` (how the distribution is named), ``support``, ``statistics()`` and ``quadrature_hint()``.
    """

    family: str
    support: tuple

    def density(self, z) -> Expr:
        raise NotImplementedError

    def log_density(self, z) -> Expr:
        raise NotImplementedError

    def law(self) -> Expr:
        raise NotImplementedError

    def statistics(self, z) -> tuple[Statistic, ...]:
        raise NotImplementedError

    def quadrature_hint(self) -> tuple[Expr, Expr]:
        """(centre, scale) of the bulk of the density, where quadrature should look."""
        raise NotImplementedError

    # the standard member (``standard()``, reached by ``standardise``) and its expectations
    def standard_moment(self, k: int):
        raise NotImplementedError

    def standard_expectations(self, u) -> tuple[tuple[Expr, Expr], ...]:
        return ()

    def standard_expectation(self, t, u):
        """E[t(u)] for u from this (standard) member: a power of u by ``standard_moment``, else the first pattern of
        ``standard_expectations`` that matches."""
        if t == 1:
            return self.standard_moment(0)
        if t == u:
            return self.standard_moment(1)
        if t.is_Pow and t.base == u and t.exp.is_Integer and t.exp > 0:
            return self.standard_moment(int(t.exp))
        for pattern, value in self.standard_expectations(u):
            found = match(t, pattern)
            if found is not None:
                return value.xreplace(found)
        return None


def match(expr, pattern):
    """``expr.match(pattern)`` binding every Wild of the pattern, or None; |x| also matches as |-x| (SymPy keeps
    one sign inside Abs, which need not be the pattern's)."""
    wilds = pattern.atoms(Wild)
    candidates = [expr]
    if isinstance(expr, Abs) and isinstance(pattern, Abs):
        expr, pattern = expr.args[0], pattern.args[0]
        candidates = [expr, -expr]
    for candidate in candidates:
        found = candidate.match(pattern)
        if found is not None and wilds <= set(found):
            return found
    return None
