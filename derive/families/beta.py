"""The beta family Beta(concentration1, concentration0) on (0, 1): density z^(a-1) (1-z)^(b-1) / B(a, b)."""

from __future__ import annotations

from sympy import RisingFactorial, S, exp, log, loggamma, polygamma

from derive.families.family import Family


class Beta(Family):
    family = "beta"
    law_name = "Beta"
    parameters = (("concentration1", "positive", r"\alpha"), ("concentration0", "positive", r"\beta"))
    support = (0, 1)
    substitution = "z = u (the beta density is its own standard form)"
    standard_moments_text = ("expectations under the beta density: E[u^k] = (a)_k / (a+b)_k (rising factorials), "
                             "E[log u] = psi(a) - psi(a+b), E[log(1-u)] = psi(b) - psi(a+b) (derivatives of log B)")

    def density(self, z):
        a, b = self.params
        return exp(self._log_norm()) * z ** (a - 1) * (1 - z) ** (b - 1)

    def _log_norm(self):
        a, b = self.params
        return loggamma(a + b) - loggamma(a) - loggamma(b)

    def log_density(self, z):
        a, b = self.params
        return self._log_norm() + (a - 1) * log(z) + (b - 1) * log(1 - z)

    def lemma_statistics(self, z):
        return (
            ("normalisation", S.One, "A beta density integrates to one", ()),
            ("mean", z, "The mean of a beta distribution", ()),
            ("second-moment", z**2, "The second moment of a beta distribution", ()),
            ("log-mean", log(z), "The mean of log z under a beta distribution", ()),
            ("log-complement-mean", log(1 - z), "The mean of log(1 - z) under a beta distribution", ()),
        )

    def quadrature_hint(self):
        a, b = self.params
        return a / (a + b), S.One / 4

    def standardise(self, u):
        return u

    def standard(self):
        return self

    def standard_moment(self, k: int):
        a, b = self.params
        return RisingFactorial(a, k) / RisingFactorial(a + b, k)

    def standard_expectations(self, u):
        a, b = self.params
        return ((log(u), polygamma(0, a) - polygamma(0, a + b)), (log(1 - u), polygamma(0, b) - polygamma(0, a + b)))
