"""The multivariate normal family N(μ, Σ) on R^k with full covariance: density and written-out log-density in
SymPy matrix expressions (MatrixSymbol μ, Σ; the integration variable z is a k-vector)."""

from __future__ import annotations

from sympy import (
    Determinant,
    Expr,
    Inverse,
    MatAdd,
    MatrixSymbol,
    Symbol,
    exp,
    log,
    pi,
    sqrt,
)

from derive.notation import Form, NormalLaw

#: the dimension of the multivariate normals (instantiated at 1, 2, 3 for checking)
k = Symbol("k", integer=True, positive=True)
#: the integration variable as a k-vector (inside densities and forms)
z = MatrixSymbol("z", k, 1)

LOG_DENSITY = "lemma-mvn-log-density"
QUADRATIC_FORM = "lemma-mvn-quadratic-form"


def vector(name: str) -> MatrixSymbol:
    return MatrixSymbol(name, k, 1)


def matrix(name: str) -> MatrixSymbol:
    return MatrixSymbol(name, k, k)


def minus(a, b):
    """a − b for k-vectors, kept as written (SymPy would order the terms as −b + a)."""
    return MatAdd(a, -b, evaluate=False)


class MVN:
    """N(loc, cov) with ``loc`` a k-vector and ``cov`` a symmetric positive definite k×k matrix expression."""

    family = "mvn"
    support = ()  # all of R^k: integrals are written ∫ … dz over the vector z

    def __init__(self, loc, cov):
        self.loc = loc
        self.cov = cov

    def quadratic(self, x) -> Expr:
        """(x − μ)ᵀ Σ⁻¹ (x − μ)."""
        d = minus(x, self.loc)
        return Form(d, Inverse(self.cov), d)

    def density(self, x=z) -> Expr:
        return exp(-self.quadratic(x) / 2) / sqrt((2 * pi) ** k * Determinant(self.cov))

    def neg_log_density_terms(self, x=z) -> tuple[Expr, ...]:
        """−log q(x) = (k/2) log 2π + ½ log det Σ + ½ (x − μ)ᵀ Σ⁻¹ (x − μ), term by term."""
        return (k * log(2 * pi) / 2, log(Determinant(self.cov)) / 2, self.quadratic(x) / 2)

    def law(self) -> Expr:
        return NormalLaw(self.loc, self.cov)
