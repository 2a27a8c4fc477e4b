"""The exponential family Exp(rate) on (0, ∞): density, log-density, and its moment lemmas."""

from __future__ import annotations

from sympy import S, Expr, exp, factorial, log, oo

from derive.families.base import Distribution, Statistic
from derive.notation import ExponentialLaw

#: Lemma names (contract: steps cite them, ``derive show lemma-...`` renders their proofs).
NORMALISATION = "lemma-exponential-normalisation"
MEAN = "lemma-exponential-mean"
LOG_DENSITY = "lemma-exponential-log-density"


class Exponential(Distribution):
    """Exp(rate) with ``rate > 0``: density rate·e^(−rate·z) for z > 0."""

    family = "exponential"
    support = (0, oo)
    substitution = "z = u / rate"
    standard_moments_text = "moments of the standard exponential density e^(-u): the k-th is k!"

    def __init__(self, rate):
        self.rate = rate

    def density(self, z) -> Expr:
        return self.rate * exp(-self.rate * z)

    def log_density(self, z) -> Expr:
        return log(self.rate) - self.rate * z

    def law(self) -> Expr:
        return ExponentialLaw(self.rate)

    def statistics(self, z) -> tuple[Statistic, ...]:
        return (Statistic(S.One, S.One, NORMALISATION), Statistic(z, S.One / self.rate, MEAN))

    def quadrature_hint(self):
        return S.One / self.rate, S.One / self.rate

    def standardise(self, u) -> Expr:
        """The scale substitution z = u / rate."""
        return u / self.rate

    @staticmethod
    def standard() -> Exponential:
        return Exponential(1)

    @staticmethod
    def standard_moment(k: int):
        """E[u^k] = k! for u ~ Exp(1)."""
        return factorial(k)
