"""The inverse-gamma family InverseGamma(concentration, rate) on (0, ∞): 1/z ~ Gamma(concentration, rate)."""

from __future__ import annotations

from sympy import S, exp, gamma, log, loggamma, oo

from derive.families.family import Family
from derive.families.gamma import Gamma


class InverseGamma(Family):
    family = "inverse-gamma"
    law_name = "InvGamma"
    parameters = (("concentration", "positive", r"\alpha"), ("rate", "positive", r"\lambda"))
    support = (0, oo)
    substitution = "z = rate / u, u standard gamma with the same concentration"

    def density(self, z):
        a, r = self.params
        return r**a * z ** (-a - 1) * exp(-r / z) / gamma(a)

    def log_density(self, z):
        a, r = self.params
        return a * log(r) - loggamma(a) - (a + 1) * log(z) - r / z

    def lemma_statistics(self, z):
        return (
            ("normalisation", S.One, "An inverse-gamma density integrates to one", ()),
            ("log-mean", log(z), "The mean of log z under an inverse-gamma distribution", ()),
            ("inverse-mean", 1 / z, "The mean of 1/z under an inverse-gamma distribution", ()),
        )

    def quadrature_hint(self):
        a, r = self.params
        return r / (a + 1), r / a

    def standardise(self, u):
        return self.rate / u

    def standard(self):
        return Gamma(self.concentration, 1)
