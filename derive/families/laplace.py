"""The Laplace family Laplace(loc, scale) on the real line: density e^(-|z - loc|/scale) / (2 scale)."""

from __future__ import annotations

from sympy import Abs, S, Symbol, exp, factorial, log, oo

from derive.families.family import LocationScale, wild

M = Symbol("m", real=True)  # the centre of an absolute deviation E_q[|z - m|]


class Laplace(LocationScale):
    family = "laplace"
    law_name = "Laplace"
    parameters = (("loc", "real", r"\mu"), ("scale", "positive", r"b"))
    support = (-oo, oo)
    standard_moments_text = ("expectations under the standard Laplace density e^(-|u|)/2: odd moments vanish, the k-th "
                             "even moment is k!, and E|A u + B| = |B| + A e^(-|B|/A)")

    def density(self, z):
        return exp(-Abs(z - self.loc) / self.scale) / (2 * self.scale)

    def log_density(self, z):
        return -log(2) - log(self.scale) - Abs(z - self.loc) / self.scale

    def lemma_statistics(self, z):
        return (
            ("normalisation", S.One, "A Laplace density integrates to one", ()),
            ("mean", z, "The mean of a Laplace distribution", ()),
            ("second-moment", z**2, "The second moment of a Laplace distribution", ()),
            ("absolute-deviation", Abs(z - M), "The mean absolute deviation of a Laplace distribution from a point",
             (M,)),
        )

    @staticmethod
    def standard_moment(k: int):
        return 0 if k % 2 else factorial(k)

    def standard_expectations(self, u):
        a, b = wild("A", u, positive=True), wild("B", u)
        return ((Abs(a * u + b), Abs(b) + a * exp(-Abs(b) / a)),)
