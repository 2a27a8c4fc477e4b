"""The uniform family Uniform(low, high) on (low, high): density 1 / (high - low)."""

from __future__ import annotations

from sympy import Poly, Rational, S, Symbol, exp, log, powsimp

from derive.families.family import Family

T = Symbol("t", positive=True)  # the argument of the moment generating function E_q[e^(-t z)]


class Uniform(Family):
    family = "uniform"
    law_name = "U"
    parameters = (("low", "real", "a"), ("high", "real", "b"))
    substitution = "z = low + (high - low) u, u uniform on (0, 1)"
    standard_moments_text = ("expectations under the standard uniform density on (0, 1): E[u^k] = 1/(k+1), "
                             "E[log(A + B u)] = ((A + B) log(A + B) - A log A)/B - 1, E[e^(c u)] = (e^c - 1)/c")

    @property
    def support(self):
        return tuple(self.params)

    def relation(self):
        return self.high > self.low

    def density(self, z):
        return 1 / (self.high - self.low)

    def log_density(self, z):
        return -log(self.high - self.low)

    def lemma_statistics(self, z):
        return (
            ("normalisation", S.One, "A uniform density integrates to one", ()),
            ("mean", z, "The mean of a uniform distribution", ()),
            ("second-moment", z**2, "The second moment of a uniform distribution", ()),
            ("log-mean", log(z), "The mean of log z under a uniform distribution on positive numbers", ()),
            ("log-complement-mean", log(1 - z), "The mean of log(1 - z) under a uniform distribution below one", ()),
            ("mgf", exp(-T * z), "The moment generating function of a uniform distribution", (T,)),
        )

    def lemma_condition(self, slug: str):
        """log z needs low >= 0, log(1 - z) needs high <= 1 (the lemma is proven there)."""
        return {"log-mean": self.low > 0, "log-complement-mean": self.high < 1}.get(slug)

    def near_scale(self):
        """The width: how far low and high may move for a KL near 0 to be computed along the segment."""
        return self.high - self.low

    def quadrature_hint(self):
        return (self.low + self.high) / 2, (self.high - self.low) / 2

    def standardise(self, u):
        return self.low + (self.high - self.low) * u

    @staticmethod
    def standard():
        return Uniform(0, 1)

    @staticmethod
    def standard_moment(k: int):
        return Rational(1, k + 1)

    def standard_expectation(self, t, u):
        """Powers of u, then log(A + B u) and e^(c u) for any A, B, c free of u (the substituted statistics)."""
        value = super().standard_expectation(t, u)
        t = powsimp(t, combine="exp")  # e^(b u) e^(-a u) -> e^((b - a) u)
        if value is not None or not isinstance(t, (log, exp)):
            return value
        try:
            poly = Poly(t.args[0], u)
        except Exception:  # noqa: BLE001  (not a polynomial in u)
            return None
        if poly.degree() != 1:
            return None
        b, a = poly.coeff_monomial(u), poly.coeff_monomial(1)
        if isinstance(t, log):
            return ((a + b) * log(a + b) - a * log(a)) / b - 1
        return exp(a) * (exp(b) - 1) / b
