"""The half-normal family HalfNormal(scale) on (0, ∞): |x| for x ~ N(0, scale^2)."""

from __future__ import annotations

from sympy import Expr, S, exp, gamma, log, oo, pi, sqrt

from derive.families.base import Distribution, Statistic
from derive.notation import HalfNormalLaw

#: Lemma names (contract: steps cite them, ``derive show lemma-...`` renders their proofs).
NORMALISATION = "lemma-half-normal-normalisation"
SECOND_MOMENT = "lemma-half-normal-second-moment"
LOG_DENSITY = "lemma-half-normal-log-density"


class HalfNormal(Distribution):
    """HalfNormal(scale) with ``scale > 0``: density sqrt(2/π)/scale · e^(−z²/(2 scale²)) for z > 0."""

    family = "half-normal"
    support = (0, oo)
    substitution = "z = scale * u"
    standard_moments_text = ("moments of the standard half-normal density sqrt(2/pi) e^(-u^2/2): it integrates to 1 "
                             "and its second moment is 1")

    def __init__(self, scale):
        self.scale = scale

    def density(self, z) -> Expr:
        return sqrt(2 / pi) / self.scale * exp(-(z**2) / (2 * self.scale**2))

    def log_density(self, z) -> Expr:
        return log(2 / pi) / 2 - log(self.scale) - z**2 / (2 * self.scale**2)

    def law(self) -> Expr:
        return HalfNormalLaw(self.scale)

    def statistics(self, z) -> tuple[Statistic, ...]:
        return (Statistic(S.One, S.One, NORMALISATION), Statistic(z**2, self.scale**2, SECOND_MOMENT))

    def quadrature_hint(self):
        return self.scale, self.scale

    def standardise(self, u) -> Expr:
        """The scale substitution z = scale * u."""
        return self.scale * u

    @staticmethod
    def standard() -> HalfNormal:
        return HalfNormal(S.One)

    @staticmethod
    def standard_moment(k: int):
        """E[u^k] = 2^(k/2) Γ((k+1)/2) / sqrt(π) for u ~ HalfNormal(1)."""
        return 2 ** (S(k) / 2) * gamma(S(k + 1) / 2) / sqrt(pi)
