"""The Weibull family Weibull(scale, concentration) on (0, ∞): (z/scale)^concentration ~ Exp(1)."""

from __future__ import annotations

from sympy import S, Symbol, exp, log, oo

from derive.families.exponential import Exponential
from derive.families.family import Family

T = Symbol("t", positive=True)  # the power in E_q[z^t]


class Weibull(Family):
    family = "weibull"
    law_name = "Weibull"
    parameters = (("scale", "positive", r"\lambda"), ("concentration", "positive", r"k"))
    support = (0, oo)
    substitution = "z = scale * u^(1/concentration), u standard exponential"

    def density(self, z):
        lam, k = self.params
        return k / lam * (z / lam) ** (k - 1) * exp(-((z / lam) ** k))

    def log_density(self, z):
        lam, k = self.params
        return log(k) - log(lam) + (k - 1) * (log(z) - log(lam)) - z**k / lam**k

    def lemma_statistics(self, z):
        return (
            ("normalisation", S.One, "A Weibull density integrates to one", ()),
            ("log-mean", log(z), "The mean of log z under a Weibull distribution", ()),
            ("power-mean", z**T, "The moments E_q[z^t] of a Weibull distribution", (T,)),
        )

    def near_factors(self):
        """log z = log scale + (log u)/concentration: the near form's window also bounds concentration times the
        log-scale step (along the path, (scale2/scale1)^concentration overflowed at concentrations in the hundreds
        and a ratio within e, where the KL is far from 0)."""
        return {self.scale: self.concentration}

    def quadrature_hint(self):
        return self.scale, self.scale

    def standardise(self, u):
        return self.scale * u ** (1 / self.concentration)

    @staticmethod
    def standard():
        return Exponential(1)
