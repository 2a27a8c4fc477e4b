"""The Gumbel family Gumbel(loc, scale) on the real line: density e^(-(w + e^(-w))) / scale, w = (z - loc)/scale."""

from __future__ import annotations

from sympy import EulerGamma, S, Symbol, exp, gamma, log, oo, pi

from derive.families.family import LocationScale, wild

T = Symbol("t", positive=True)


class Gumbel(LocationScale):
    family = "gumbel"
    law_name = "Gumbel"
    parameters = (("loc", "real", r"\mu"), ("scale", "positive", r"\beta"))
    support = (-oo, oo)
    standard_moments_text = ("expectations under the standard Gumbel density e^(-u - e^(-u)): E[u] = gamma (Euler's "
                             "constant), E[u^2] = gamma^2 + pi^2/6, and E[e^(-c u)] = Gamma(1 + c) (substitute "
                             "w = e^(-u))")

    def density(self, z):
        w = (z - self.loc) / self.scale
        return exp(-w - exp(-w)) / self.scale

    def log_density(self, z):
        w = (z - self.loc) / self.scale
        return -log(self.scale) - w - exp(-w)

    def lemma_statistics(self, z):
        return (
            ("normalisation", S.One, "A Gumbel density integrates to one", ()),
            ("mean", z, "The mean of a Gumbel distribution", ()),
            ("second-moment", z**2, "The second moment of a Gumbel distribution", ()),
            ("mgf", exp(-T * z), "The moment generating function of a Gumbel distribution", (T,)),
        )

    @staticmethod
    def standard_moment(k: int):
        return (S.One, EulerGamma, EulerGamma**2 + pi**2 / 6)[k]

    def standard_expectations(self, u):
        c = wild("c", u, positive=True)
        return ((exp(-c * u), gamma(1 + c)),)
