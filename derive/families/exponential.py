"""The exponential family Exp(rate) on (0, ∞): density, log-density, and its moment lemmas."""

from __future__ import annotations

from sympy import EulerGamma, Expr, Piecewise, S, Symbol, Wild, exp, factorial, gamma, log, oo

from derive.families.base import Distribution, Statistic
from derive.notation import ExponentialLaw

#: Lemma names (contract: steps cite them, ``derive show lemma-...`` renders their proofs).
NORMALISATION = "lemma-exponential-normalisation"
MEAN = "lemma-exponential-mean"
LOG_DENSITY = "lemma-exponential-log-density"


class Exponential(Distribution):
    """Exp(rate) with ``rate > 0``: density rate·e^(−rate·z) for z > 0."""

    family = "exponential"
    support = (0, oo)
    substitution = "z = u / rate"
    standard_moments_text = ("expectations under the standard exponential density e^(-u): E[u^k] = k!, "
                             "E[u^c] = Gamma(1 + c), E[log u] = -gamma (Euler's constant), E[e^(-c u)] = 1/(1 + c)")

    def __init__(self, rate):
        self.rate = rate

    def density(self, z) -> Expr:
        return self.rate * exp(-self.rate * z)

    def log_density(self, z) -> Expr:
        return log(self.rate) - self.rate * z

    def law(self) -> Expr:
        return ExponentialLaw(self.rate)

    def statistics(self, z) -> tuple[Statistic, ...]:
        from derive.lemmas import expectation

        derived = tuple(Statistic(stat, expectation(self, stat), lemma, free) for lemma, stat, _, free in EXTRA)
        return (Statistic(S.One, S.One, NORMALISATION), Statistic(z, S.One / self.rate, MEAN)) + derived

    def quadrature_hint(self):
        return S.One / self.rate, S.One / self.rate

    def standardise(self, u) -> Expr:
        """The scale substitution z = u / rate."""
        return u / self.rate

    @staticmethod
    def standard() -> Exponential:
        return Exponential(1)

    @staticmethod
    def standard_moment(k: int):
        """E[u^k] = k! for u ~ Exp(1)."""
        return factorial(k)

    def standard_expectations(self, u):
        c = Wild("c", exclude=[u], properties=[lambda x: bool(x.is_positive)])
        # E[e^(c u)] = 1/(1 - c) exists only for c < 1, written 1/c > 1 so that c = 1/alpha gives alpha > 1
        return ((log(u), -EulerGamma), (u**c, gamma(1 + c)), (exp(-c * u), 1 / (1 + c)),
                (exp(c * u), Piecewise((1 / (1 - c), 1 / c > 1), (oo, True))))


T = Symbol("t", positive=True)
#: lemmas derived by the substitution and the standard exponential's expectations: (name, statistic, title, free)
EXTRA = (
    ("lemma-exponential-second-moment", Symbol("z", real=True) ** 2, "The second moment of an exponential distribution",
     ()),
    ("lemma-exponential-log-mean", log(Symbol("z", real=True)), "The mean of log z under an exponential distribution",
     ()),
    ("lemma-exponential-mgf", exp(-T * Symbol("z", real=True)),
     "The moment generating function of an exponential distribution", (T,)),
)
