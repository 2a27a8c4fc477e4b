"""The Dirichlet family Dirichlet(concentration) on the probability simplex Δ^{K−1}, K symbolic: density
Γ(α_0) / ∏_k Γ(α_k) · ∏_k z_k^(α_k − 1) with α_0 = Σ_k α_k (torch.distributions' name ``concentration``)."""

from __future__ import annotations

from functools import lru_cache

from sympy import Expr, IndexedBase, Mul, Product, Sum, Symbol, gamma, log, loggamma, polygamma

from derive.notation import law_notation
from derive.simplex import K, j, total, z
from derive.symbols import LATEX_NAMES

#: how the concentration vectors print: q's as alpha, p's as beta
LATEX = {"": r"\alpha", "1": r"\alpha", "2": r"\beta"}

NORMALISATION = "lemma-dirichlet-normalisation"
LOG_MEAN = "lemma-dirichlet-log-mean"


@lru_cache(maxsize=None)
def concentration(suffix: str = "") -> IndexedBase:
    """The concentration vector ``concentration`` + ``suffix`` (1 for q, 2 for p), componentwise."""
    label = Symbol("concentration" + suffix)
    LATEX_NAMES.setdefault(label, LATEX[suffix])
    return IndexedBase(label, positive=True)


class Dirichlet:
    """Dirichlet(alpha) with ``alpha`` an IndexedBase of K positive components."""

    family = "dirichlet"

    def __init__(self, alpha: IndexedBase):
        self.alpha = alpha

    def total(self) -> Expr:
        """α_0 = Σ_j α_j."""
        return total(self.alpha)

    def kernel(self) -> Expr:
        """∏_j z_j^(α_j − 1), the density without its normalising constant."""
        return Product(z[j] ** (self.alpha[j] - 1), (j, 1, K))

    def normaliser(self) -> Expr:
        """1 / B(α) = Γ(α_0) / ∏_j Γ(α_j)."""
        return gamma(self.total()) / Product(gamma(self.alpha[j]), (j, 1, K))

    def density(self) -> Expr:
        return Mul(self.normaliser(), self.kernel(), evaluate=False)

    def neg_log_density_terms(self) -> tuple[Expr, Expr]:
        """−log q(z) = [−log Γ(α_0) + Σ_j log Γ(α_j)] − Σ_j (α_j − 1) log z_j: the constant and the statistic."""
        const = -loggamma(self.total()) + Sum(loggamma(self.alpha[j]), (j, 1, K))
        return const, -Sum((self.alpha[j] - 1) * log(z[j]), (j, 1, K))

    def log_mean(self, index) -> Expr:
        """E_q[log z_index] = ψ(α_index) − ψ(α_0) (lemma-dirichlet-log-mean)."""
        return polygamma(0, self.alpha[index]) - polygamma(0, self.total())

    def law(self) -> Expr:
        return law_notation("Dirichlet", 1)(self.alpha)
