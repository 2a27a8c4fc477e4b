"""The log-normal family LogNormal(loc, scale) on (0, ∞): log z ~ N(loc, scale^2)."""

from __future__ import annotations

from sympy import S, exp, log, oo, pi, sqrt

from derive.families.family import Family
from derive.families.normal import Normal


class LogNormal(Family):
    family = "lognormal"
    law_name = "LogNormal"
    parameters = (("loc", "real", r"\mu"), ("scale", "positive", r"\sigma"))
    support = (0, oo)
    substitution = "z = exp(loc + scale * u), so log z = loc + scale * u"

    def density(self, z):
        return exp(-((log(z) - self.loc) ** 2) / (2 * self.scale**2)) / (z * self.scale * sqrt(2 * pi))

    def log_density(self, z):
        return -log(z) - log(self.scale) - log(2 * pi) / 2 - (log(z) - self.loc) ** 2 / (2 * self.scale**2)

    def lemma_statistics(self, z):
        return (
            ("normalisation", S.One, "A log-normal density integrates to one", ()),
            ("log-mean", log(z), "The mean of log z under a log-normal distribution", ()),
            ("log-second-moment", log(z) ** 2, "The second moment of log z under a log-normal distribution", ()),
        )

    def quadrature_hint(self):
        return exp(self.loc), exp(self.loc) * self.scale

    def standardise(self, u):
        return exp(self.loc + self.scale * u)

    @staticmethod
    def standard():
        return Normal(0, 1)
