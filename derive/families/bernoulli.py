"""The Bernoulli family Bernoulli(probs) on {0, 1}: mass probs^z (1 - probs)^(1 - z)."""

from __future__ import annotations

from sympy import S, factorial, log

from derive.families.family import Family


class Bernoulli(Family):
    family = "bernoulli"
    law_name = "Bernoulli"
    parameters = (("probs", "unit", r"p"),)
    support = (0, 1)
    discrete = True

    def density(self, z):
        (p,) = self.params
        return p**z * (1 - p) ** (1 - z)

    def log_density(self, z):
        (p,) = self.params
        return z * log(p) + (1 - z) * log(1 - p)

    def lemma_statistics(self, z):
        return (
            ("normalisation", S.One, "A Bernoulli mass function sums to one", ()),
            ("mean", z, "The mean of a Bernoulli distribution", ()),
            ("log-factorial-mean", log(factorial(z)), "The mean of log z! under a Bernoulli distribution (0! = 1! = 1)",
             ()),
        )
