"""Student's t family StudentT(df, loc, scale) on the real line."""

from __future__ import annotations

from sympy import S, log, loggamma, oo, pi, polygamma, sqrt

from derive.families.family import LocationScale


class StudentT(LocationScale):
    family = "student-t"
    law_name = "StudentT"
    parameters = (("df", "positive", r"\nu"), ("loc", "real", r"\mu"), ("scale", "positive", r"\sigma"))
    support = (-oo, oo)
    standard_moments_text = ("expectations under the standard t density with df degrees of freedom: "
                             "E[log(1 + u^2/df)] = psi((df + 1)/2) - psi(df/2) (u^2/df is a beta-prime variable)")

    def _kernel(self, z):
        df, loc, scale = self.params
        return log(1 + (z - loc) ** 2 / (df * scale**2))

    def _log_norm(self):
        df, _, scale = self.params
        return loggamma((df + 1) / 2) - loggamma(df / 2) - log(df * pi) / 2 - log(scale)

    def density(self, z):
        df = self.params[0]
        from sympy import exp

        return exp(self._log_norm()) * (1 + (z - self.params[1]) ** 2 / (df * self.params[2] ** 2)) ** (-(df + 1) / 2)

    def log_density(self, z):
        df = self.params[0]
        return self._log_norm() - (df + 1) / 2 * self._kernel(z)

    def lemma_statistics(self, z):
        return (
            ("normalisation", S.One, "A Student's t density integrates to one", ()),
            ("log-kernel", self._kernel(z), "The mean of log(1 + ((z - loc)/scale)^2/df) under Student's t", ()),
        )

    def quadrature_hint(self):
        return self.params[1], self.params[2] * sqrt(1 + 1 / self.params[0])

    @staticmethod
    def standard_moment(k: int):
        if k:
            raise ValueError("moments of Student's t exist only for k < df")
        return S.One

    def standard_expectations(self, u):
        df = self.params[0]
        return ((log(1 + u**2 / df), polygamma(0, (df + 1) / 2) - polygamma(0, df / 2)),)
