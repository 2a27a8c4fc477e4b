"""The Pareto family Pareto(scale, alpha) on [scale, ∞): density alpha scale^alpha / z^(alpha + 1)."""

from __future__ import annotations

from sympy import S, exp, log, oo

from derive.families.exponential import Exponential
from derive.families.family import Family


class Pareto(Family):
    family = "pareto"
    law_name = "Pareto"
    parameters = (("scale", "positive", r"x_{m}"), ("alpha", "positive", r"\alpha"))
    substitution = "z = scale * exp(u / alpha), u standard exponential"

    @property
    def support(self):
        return (self.params[0], oo)

    def density(self, z):
        s, a = self.params
        return a * s**a / z ** (a + 1)

    def log_density(self, z):
        s, a = self.params
        return log(a) + a * log(s) - (a + 1) * log(z)

    def lemma_statistics(self, z):
        return (
            ("normalisation", S.One, "A Pareto density integrates to one", ()),
            ("log-mean", log(z), "The mean of log z under a Pareto distribution", ()),
            ("mean", z, "The mean of a Pareto distribution (finite for alpha > 1)", ()),
            ("second-moment", z**2, "The second moment of a Pareto distribution (finite for alpha > 2)", ()),
        )

    def lemma_condition(self, slug: str):
        """E[z^k] = alpha scale^k / (alpha - k) needs alpha > k (else the integral diverges)."""
        return {"mean": self.alpha > 1, "second-moment": self.alpha > 2}.get(slug)

    def quadrature_hint(self):
        s, a = self.params
        return s * (1 + 1 / a), s / a

    def standardise(self, u):
        s, a = self.params
        return s * exp(u / a)

    @staticmethod
    def standard():
        return Exponential(1)
