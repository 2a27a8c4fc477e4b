"""The continuous Bernoulli family CB(probs) on [0, 1] (Loaiza-Ganem & Cunningham 2019): density
C(p) p^z (1 - p)^(1 - z) with C(p) = 2 artanh(1 - 2p) / (1 - 2p). With eta = log(p / (1 - p)) the density is
proportional to e^(eta z), whose moments SymPy integrates."""

from __future__ import annotations

from functools import lru_cache

from sympy import Dummy, S, Symbol, atanh, exp, factor_terms, integrate, log, simplify

from derive.families.family import Family


class ContinuousBernoulli(Family):
    family = "continuous-bernoulli"
    law_name = "CB"
    parameters = (("probs", "unit", r"\lambda"),)
    support = (0, 1)
    substitution = "z = u (the density is its own standard form)"
    standard_moments_text = ("expectations under the continuous Bernoulli density, proportional to e^(eta u) on [0, 1] "
                             "with eta = log(p/(1-p)): E[u^k] = int u^k e^(eta u) du / int e^(eta u) du (SymPy "
                             "integrates both)")

    def _eta(self):
        (p,) = self.params
        return log(p) - log(1 - p)

    def log_normaliser(self):
        (p,) = self.params
        return log(2 * atanh(1 - 2 * p) / (1 - 2 * p))

    def density(self, z):
        (p,) = self.params
        return exp(self.log_normaliser()) * p**z * (1 - p) ** (1 - z)

    def log_density(self, z):
        (p,) = self.params
        return self.log_normaliser() + z * log(p) + (1 - z) * log(1 - p)

    def lemma_statistics(self, z):
        return (
            ("normalisation", S.One, "A continuous Bernoulli density integrates to one", ()),
            ("mean", z, "The mean of a continuous Bernoulli distribution", ()),
            ("second-moment", z**2, "The second moment of a continuous Bernoulli distribution", ()),
        )

    def quadrature_hint(self):
        return S.Half, S.One / 4

    def standardise(self, u):
        return u

    def standard(self):
        return self

    def standard_moment(self, k: int):
        """E[u^k] = ∫ u^k e^(eta u) du / ∫ e^(eta u) du over [0, 1] (eta != 0: p != 1/2), in p."""
        (p,) = self.params
        return _moment(k).xreplace({P: p})


P = Symbol("p", positive=True)


@lru_cache(maxsize=None)
def _moment(k: int):
    """E[u^k] in P: SymPy integrates in eta, then e^eta = p/(1 - p) and eta = 2 artanh(2p - 1) (compact in p)."""
    eta, u = Dummy("eta", real=True, nonzero=True), Dummy("u", positive=True)
    ratio = integrate(u**k * exp(eta * u), (u, 0, 1), conds="none") / integrate(exp(eta * u), (u, 0, 1), conds="none")
    return factor_terms(simplify(simplify(ratio).subs(exp(eta), P / (1 - P)).subs(eta, 2 * atanh(2 * P - 1))))
