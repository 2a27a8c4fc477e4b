"""The geometric family Geometric(probs) on {0, 1, 2, ...}: the number of failures before the first success,
mass (1 - probs)^z probs (torch.distributions' convention)."""

from __future__ import annotations

from sympy import S, log, oo

from derive.families.family import Family


class Geometric(Family):
    family = "geometric"
    law_name = "Geometric"
    parameters = (("probs", "unit", r"p"),)
    support = (0, oo)
    discrete = True

    def density(self, z):
        (p,) = self.params
        return (1 - p) ** z * p

    def log_density(self, z):
        (p,) = self.params
        return log(p) + z * log(1 - p)

    def lemma_statistics(self, z):
        return (
            ("normalisation", S.One, "A geometric mass function sums to one", ()),
            ("mean", z, "The mean of a geometric distribution", ()),
        )
