"""The gamma family Gamma(concentration, rate) on (0, ∞): density rate^α z^(α-1) e^(-rate z) / Γ(α)."""

from __future__ import annotations

from sympy import RisingFactorial, S, Symbol, exp, gamma, log, loggamma, oo, polygamma

from derive.families.family import Family, wild

T = Symbol("t", positive=True)  # the argument of the moment generating function E_q[e^(-t z)]


class Gamma(Family):
    family = "gamma"
    law_name = "Gamma"
    parameters = (("concentration", "positive", r"\alpha"), ("rate", "positive", r"\lambda"))
    support = (0, oo)
    substitution = "z = u / rate"
    standard_moments_text = ("expectations under the standard gamma density u^(alpha-1) e^(-u) / Gamma(alpha): "
                             "E[u^k] = Gamma(alpha+k)/Gamma(alpha), E[log u] = psi(alpha) (the derivative of log Gamma), "
                             "E[e^(-c u)] = (1 + c)^(-alpha)")

    def density(self, z):
        a, r = self.params
        return r**a * z ** (a - 1) * exp(-r * z) / gamma(a)

    def log_density(self, z):
        a, r = self.params
        return a * log(r) - loggamma(a) + (a - 1) * log(z) - r * z

    def lemma_statistics(self, z):
        return (
            ("normalisation", S.One, "A gamma density integrates to one", ()),
            ("mean", z, "The mean of a gamma distribution", ()),
            ("second-moment", z**2, "The second moment of a gamma distribution", ()),
            ("log-mean", log(z), "The mean of log z under a gamma distribution", ()),
            ("mgf", exp(-T * z), "The moment generating function of a gamma distribution", (T,)),
        )

    def quadrature_hint(self):
        a, r = self.params
        return a / r, (a + 1) / r

    def standardise(self, u):
        return u / self.rate

    def standard(self):
        return Gamma(self.concentration, 1)

    def standard_moment(self, k: int):
        return RisingFactorial(self.concentration, k)

    def standard_expectations(self, u):
        c = wild("c", u, positive=True)
        return ((log(u), polygamma(0, self.concentration)), (exp(-c * u), (1 + c) ** -self.concentration))
