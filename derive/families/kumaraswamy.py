"""The Kumaraswamy family Kumaraswamy(concentration1, concentration0) on (0, 1): density a b z^(a-1) (1 - z^a)^(b-1)."""

from __future__ import annotations

from sympy import S, log

from derive.families.beta import Beta
from derive.families.family import Family


class Kumaraswamy(Family):
    family = "kumaraswamy"
    law_name = "Kumaraswamy"
    parameters = (("concentration1", "positive", r"a"), ("concentration0", "positive", r"b"))
    support = (0, 1)
    substitution = "z = u^(1/concentration1), u ~ Beta(1, concentration0)"

    def density(self, z):
        a, b = self.params
        return a * b * z ** (a - 1) * (1 - z**a) ** (b - 1)

    def log_density(self, z):
        a, b = self.params
        return log(a) + log(b) + (a - 1) * log(z) + (b - 1) * log(1 - z**a)

    def lemma_statistics(self, z):
        a = self.params[0]
        return (
            ("normalisation", S.One, "A Kumaraswamy density integrates to one", ()),
            ("log-mean", log(z), "The mean of log z under a Kumaraswamy distribution", ()),
            ("log-complement-mean", log(1 - z**a), "The mean of log(1 - z^a) under a Kumaraswamy distribution", ()),
        )

    def quadrature_hint(self):
        return S.Half, S.One / 4

    def standardise(self, u):
        return u ** (1 / self.params[0])

    def standard(self):
        return Beta(1, self.params[1])
