"""The Cauchy family Cauchy(loc, scale) on the real line: density scale / (π (scale² + (z - loc)²))."""

from __future__ import annotations

from dataclasses import replace

from sympy import Poly, S, Symbol, factor, log, logcombine, oo, pi, simplify, sqrt

from derive.families.family import LocationScale

M = Symbol("m", real=True)  # the centre and ...
C = Symbol("c", positive=True)  # ... the scale of the log-kernel E_q[log(c^2 + (z - m)^2)]


class Cauchy(LocationScale):
    family = "cauchy"
    law_name = "Cauchy"
    parameters = (("loc", "real", r"\mu"), ("scale", "positive", r"\gamma"))
    support = (-oo, oo)
    standard_moments_text = ("expectations under the standard Cauchy density 1/(pi (1 + u^2)): E[log(A((u - a)^2 + "
                             "b^2))] = log A + log((1 + b)^2 + a^2) (by contour integration; it has no moments)")

    def density(self, z):
        return self.scale / (pi * (self.scale**2 + (z - self.loc) ** 2))

    def log_density(self, z):
        return log(self.scale) - log(pi) - log(self.scale**2 + (z - self.loc) ** 2)

    def lemma_statistics(self, z):
        return (
            ("normalisation", S.One, "A Cauchy density integrates to one", ()),
            ("log-kernel", log(C**2 + (z - M) ** 2), "The mean of log(c^2 + (z - m)^2) under a Cauchy distribution",
             (M, C)),
        )

    def statistics(self, z):
        """The lemma values, simplified (the log-kernel's comes out of the substitution as nested logs)."""
        return tuple(replace(s, value=logcombine(simplify(s.value))) for s in super().statistics(z))

    @staticmethod
    def standard_moment(k: int):
        if k:
            raise ValueError("the Cauchy distribution has no moments")
        return S.One

    def standard_expectation(self, t, u):
        """E[log(A u^2 + B u + C)] = log A + log((1 + b)^2 + a^2), where A u^2 + B u + C = A((u - a)^2 + b^2)."""
        if t == 1:
            return S.One
        if not (t.func == log and t.args[0].is_polynomial(u) and Poly(t.args[0], u).degree() == 2):
            return None
        A, B, C0 = Poly(t.args[0], u).all_coeffs()
        a = -B / (2 * A)
        b = sqrt(factor(C0 / A - a**2))
        return log(A) + log((1 + b) ** 2 + a**2)
