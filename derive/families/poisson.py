"""The Poisson family Poisson(rate) on {0, 1, 2, ...}: mass rate^z e^(-rate) / z!."""

from __future__ import annotations

from sympy import S, exp, factorial, log, oo

from derive.families.family import Family


class Poisson(Family):
    family = "poisson"
    law_name = "Poisson"
    parameters = (("rate", "positive", r"\lambda"),)
    support = (0, oo)
    discrete = True
    #: lemmas with no closed form: E_q[log z!] = Σ_z log(z!) q(z) is kept as a series (computed numerically)
    kept = ("log-factorial-mean",)

    def density(self, z):
        (r,) = self.params
        return r**z * exp(-r) / factorial(z)

    def log_density(self, z):
        (r,) = self.params
        return z * log(r) - r - log(factorial(z))

    def lemma_statistics(self, z):
        return (
            ("normalisation", S.One, "A Poisson mass function sums to one", ()),
            ("mean", z, "The mean of a Poisson distribution", ()),
            ("log-factorial-mean", log(factorial(z)), "The mean of log z! under a Poisson distribution (a series "
             "with no closed form)", ()),
        )
