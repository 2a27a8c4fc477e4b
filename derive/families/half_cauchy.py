"""The half-Cauchy family HalfCauchy(scale) on (0, ∞): |x| for x ~ Cauchy(0, scale)."""

from __future__ import annotations

from sympy import Poly, S, log, oo, pi

from derive.families.cauchy import Cauchy
from derive.families.family import Family


class HalfCauchy(Family):
    family = "half-cauchy"
    law_name = "HalfCauchy"
    parameters = (("scale", "positive", r"\gamma"),)
    support = (0, oo)
    substitution = "z = scale * u"
    standard_moments_text = ("expectations under the standard half-Cauchy density 2/(pi (1 + u^2)): "
                             "E[log(A u^2 + C)] = log A + 2 log(1 + sqrt(C/A)), as for the Cauchy density (the "
                             "integrand is even)")

    def density(self, z):
        (s,) = self.params
        return 2 * s / (pi * (s**2 + z**2))

    def log_density(self, z):
        (s,) = self.params
        return log(2) + log(s) - log(pi) - log(s**2 + z**2)

    def lemma_statistics(self, z):
        (s,) = self.params
        return (
            ("normalisation", S.One, "A half-Cauchy density integrates to one", ()),
            ("log-kernel", log(s**2 + z**2), "The mean of log(scale^2 + z^2) under a half-Cauchy distribution", ()),
        )

    def quadrature_hint(self):
        return self.params[0], self.params[0]

    def standardise(self, u):
        return self.params[0] * u

    @staticmethod
    def standard():
        return HalfCauchy(1)

    @staticmethod
    def standard_moment(k: int):
        if k:
            raise ValueError("the half-Cauchy distribution has no moments")
        return S.One

    def standard_expectation(self, t, u):
        """E[log(A u^2 + C)] = log A + 2 log(1 + sqrt(C/A)): the Cauchy expectation, whose integrand is even."""
        if t == 1:
            return S.One
        if t.func == log and t.args[0].is_polynomial(u) and Poly(t.args[0], u).degree() == 2 \
                and Poly(t.args[0], u).coeff_monomial(u) == 0:
            return Cauchy(0, 1).standard_expectation(t, u)
        return None
