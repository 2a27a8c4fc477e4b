"""The binomial family Binomial(total_count, probs) on {0, ..., total_count}: mass C(n, z) p^z (1 - p)^(n - z)."""

from __future__ import annotations

from sympy import S, Symbol, binomial, log

from derive.families.family import Family

M = Symbol("m", integer=True, nonnegative=True)  # the count of a coefficient C(m, z) whose log is averaged


class Binomial(Family):
    family = "binomial"
    law_name = "Binomial"
    parameters = (("total_count", "count", "n"), ("probs", "unit", "p"))
    discrete = True
    #: E_q[log C(m, z)] is a finite sum with no closed form: kept (computed term by term)
    kept = ("log-coefficient-mean",)

    @property
    def support(self):
        return (0, self.total_count)

    def density(self, z):
        n, p = self.params
        return binomial(n, z) * p**z * (1 - p) ** (n - z)

    def log_density(self, z):
        n, p = self.params
        return log(binomial(n, z)) + z * log(p) + (n - z) * log(1 - p)

    def lemma_condition(self, slug: str):
        """E_q[log C(m, z)] is finite when every z <= total_count has C(m, z) > 0: m >= total_count."""
        return {"log-coefficient-mean": M >= self.total_count}.get(slug)

    def lemma_statistics(self, z):
        return (
            ("normalisation", S.One, "A binomial mass function sums to one", ()),
            ("mean", z, "The mean of a binomial distribution", ()),
            ("log-coefficient-mean", log(binomial(M, z)), "The mean of log C(m, z) under a binomial distribution (a "
             "finite sum with no closed form)", (M,)),
        )
