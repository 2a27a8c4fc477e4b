"""The normal family N(loc, scale^2): density, log-density, and its moment lemmas."""

from __future__ import annotations

from sympy import Abs, Expr, S, Symbol, Wild, erf, exp, factorial2, log, oo, pi, sqrt

from derive.families.base import Distribution, Statistic
from derive.notation import NormalLaw

#: Lemma names (contract: steps cite them, ``derive show lemma-...`` renders their proofs).
NORMALISATION = "lemma-normal-normalisation"
MEAN = "lemma-normal-mean"
VARIANCE = "lemma-normal-variance"
SECOND_MOMENT = "lemma-normal-second-moment"
LOG_DENSITY = "lemma-normal-log-density"


class Normal(Distribution):
    """N(loc, scale^2) with ``scale > 0``."""

    family = "normal"
    support = (-oo, oo)

    def __init__(self, loc, scale):
        self.loc = loc
        self.scale = scale

    def density(self, z) -> Expr:
        return exp(-((z - self.loc) ** 2) / (2 * self.scale**2)) / sqrt(2 * pi * self.scale**2)

    def log_density(self, z) -> Expr:
        return -log(2 * pi * self.scale**2) / 2 - (z - self.loc) ** 2 / (2 * self.scale**2)

    def law(self) -> Expr:
        return NormalLaw(self.loc, self.scale**2)

    def statistics(self, z) -> tuple[Statistic, ...]:
        from derive.lemmas import expectation

        m, s = self.loc, self.scale
        return (
            Statistic(S.One, S.One, NORMALISATION),
            Statistic(z, m, MEAN),
            Statistic((z - m) ** 2, s**2, VARIANCE),
            Statistic(z**2, m**2 + s**2, SECOND_MOMENT),
        ) + tuple(Statistic(stat, expectation(self, stat), lemma, free) for lemma, stat, _, free in EXTRA)

    def quadrature_hint(self):
        return self.loc, self.scale

    substitution = "z = loc + scale * u"
    standard_moments_text = ("standard normal moments: the density integrates to 1, odd moments vanish by symmetry, "
                             "the second moment is 1")

    def standardise(self, u) -> Expr:
        """The location-scale substitution z = loc + scale * u."""
        return self.loc + self.scale * u

    @staticmethod
    def standard() -> Normal:
        return Normal(0, 1)

    @staticmethod
    def standard_moment(k: int):
        """E[u^k] for u ~ N(0, 1)."""
        return 0 if k % 2 else factorial2(k - 1)

    def standard_expectations(self, u):
        a = Wild("A", exclude=[u], properties=[lambda x: bool(x.is_positive)])
        b, c = Wild("B", exclude=[u]), Wild("c", exclude=[u], properties=[lambda x: bool(x.is_positive)])
        return (
            (Abs(a * u + b), a * sqrt(2 / pi) * exp(-(b**2) / (2 * a**2)) + b * erf(b / (sqrt(2) * a))),
            (exp(-c * u), exp(c**2 / 2)),
        )


M, T = Symbol("m", real=True), Symbol("t", positive=True)
_Z = Symbol("z", real=True)
#: lemmas derived by the substitution and the standard normal's expectations: (name, statistic, title, free)
EXTRA = (
    ("lemma-normal-absolute-deviation", Abs(_Z - M), "The mean absolute deviation of a normal distribution from a point",
     (M,)),
    ("lemma-normal-mgf", exp(-T * _Z), "The moment generating function of a normal distribution", (T,)),
)
