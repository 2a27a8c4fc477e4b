"""What the engine needs to know about a family: density, authored log-density, support and moment lemmas."""

from __future__ import annotations

from dataclasses import dataclass

from sympy import Expr


@dataclass(frozen=True)
class Statistic:
    """A proven moment lemma of a distribution: ``E_q[statistic] = value``, cited as ``lemma``."""

    statistic: Expr
    value: Expr
    lemma: str


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
