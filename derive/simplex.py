"""The probability simplex Δ^{K−1} = {z ∈ (0, 1)^K : Σ_k z_k = 1} with K symbolic, integrals over it (and over the
unit cube of stick-breaking coordinates), and their instantiation at a concrete K for checking.

Steps keep K symbolic (sums and products over k = 1..K of indexed symbols). ``instantiate(expr, n)`` makes them
concrete at K = n + 1, so that the checks' dimensions 1, 2, 3 (the dimension K − 1 of the simplex) are K = 2, 3, 4:
densities written out, sums and products unrolled, indexed symbols made plain (``alpha[2]`` -> ``alpha_2``).
An integral over the simplex is then written in stick-breaking coordinates v ∈ (0, 1)^(K−1),

    z_k = v_k ∏_{i<k} (1 − v_i)  (k < K),   z_K = ∏_{i<K} (1 − v_i),

times the Jacobian determinant SymPy computes from that map (at K = 2 the map is z_1 = v_1, the plain integral
over (0, 1)). Inside the simplex every z_k and 1 − v_i is positive, so logs and powers of products are split; the
integrand is expanded into a sum of products of functions of one v_i each and each product is integrated
coordinate by coordinate (Fubini). What remains are one-dimensional integrals over (0, 1), which the checks
evaluate by 30-digit quadrature. An integrand that does not separate raises ``DerivationError``: never a silent
approximation. Derivatives (with respect to a parameter) left in a step are taken by SymPy after that, so a
derivative of an integral is differentiated under the integral sign by SymPy, not by us.
"""

from __future__ import annotations

from sympy import (
    Add, Derivative, Dummy, Indexed, IndexedBase, Integral, Lambda, Matrix, Mul, Product, Rational, Sum, Symbol,
    expand, expand_log, expand_power_base, gamma, log, loggamma, powsimp,
)
from sympy.printing.precedence import PRECEDENCE

from derive.prove import DerivationError
from derive.symbols import LATEX_NAMES, z_vec

#: the number of categories (instantiated at 2, 3, 4 for checking)
K = Symbol("K", integer=True, positive=True)
#: the dimension of the simplex, the derivations' ``dimension``: checks at K − 1 = 1, 2, 3
DIMENSION = K - 1
k = Symbol("k", integer=True, positive=True)
j = Symbol("j", integer=True, positive=True)
i = Symbol("i", integer=True, positive=True)
#: a point of the simplex, componentwise (z_vec is the vector, printed bold)
z = IndexedBase(Symbol("z"), positive=True)
#: stick-breaking coordinates, componentwise, and the vector
v = IndexedBase(Symbol("v"), positive=True)
v_vec = Symbol("v_vec", positive=True)
LATEX_NAMES.setdefault(v_vec, r"\mathbf{v}")


class SimplexIntegral(Integral):
    """∫ f dz over the probability simplex Δ^{K−1} (an ``Integral`` with the variable only; printed with its
    domain)."""

    domain_latex = r"\Delta^{%s - 1}"

    def _domain(self, printer):
        return self.domain_latex % printer._print(K)

    def _latex(self, printer):
        var = printer._print(self.limits[0][0])
        body = printer.parenthesize(self.function, PRECEDENCE["Mul"], strict=True)
        return r"\int_{%s} %s\, d%s" % (self._domain(printer), body, var)


class CubeIntegral(SimplexIntegral):
    """∫ f dv over the unit cube (0, 1)^{K−1}."""

    domain_latex = r"\left(0, 1\right)^{%s - 1}"


def over_simplex(body):
    return SimplexIntegral(body, z_vec)


def over_cube(body):
    return CubeIntegral(body, v_vec)


def total(base: IndexedBase, index=j):
    """Σ_j base_j: the sum of a parameter vector (α_0 = Σ_j α_j)."""
    return Sum(base[index], (index, 1, K))


# ---- concrete K -------------------------------------------------------------------------------------------------

def flat(x: Indexed) -> Symbol:
    """``alpha[2]`` -> a plain symbol ``alpha_2`` with the same assumptions."""
    assumptions = {"positive": True} if x.is_positive else {"real": True}
    return Symbol(f"{x.base.label}_{x.indices[0]}", **assumptions)


def components(base: IndexedBase, count: int) -> list[Symbol]:
    return [flat(base[m]) for m in range(1, count + 1)]


def unroll(expr):
    """Sums and products with numeric bounds written out, repeatedly (an inner sum whose bounds depend on an outer
    index becomes numeric once the outer one is written out)."""
    while True:
        ready = [s for s in expr.atoms(Sum, Product) if all(b.is_number for b in s.limits[0][1:])]
        if not ready:
            if expr.has(Sum, Product):
                raise DerivationError(f"sums or products with symbolic bounds remain in {expr}")
            return expr
        outer = ready[0]
        (var, lo, hi), body = outer.limits[0], outer.function
        terms = [body.xreplace({var: m}) for m in range(int(lo), int(hi) + 1)]
        expr = expr.xreplace({outer: (Add if isinstance(outer, Sum) else Mul)(*terms)})


def stick_breaking(n: int):
    """(v_1..v_n, the map to z_1..z_{n+1}, the Jacobian determinant of z_1..z_n with respect to v). The Jacobian
    matrix is lower triangular (checked), so its determinant is the product of its diagonal, ∏_k ∏_{i<k} (1 − v_i)."""
    vs = components(v, n)
    zs, rest = [], 1
    for vi in vs:
        zs.append(vi * rest)
        rest = rest * (1 - vi)
    zs.append(rest)
    jac = Matrix(zs[:n]).jacobian(vs)
    if any(jac[r, c] != 0 for r in range(n) for c in range(r + 1, n)):
        raise DerivationError("the stick-breaking Jacobian is not triangular")
    return vs, zs, Mul(*(jac[r, r] for r in range(n)))


def _split_products(expr, vs):
    """``expr`` with logs and powers of products split and products distributed over sums, each 1 − v_i kept as
    one factor (expanding it would split every term in two)."""
    e = expand_power_base(expand_log(expr, force=True), force=True)
    complements = {1 - vi: Dummy(f"w_{m}", positive=True) for m, vi in enumerate(vs, start=1)}
    e = expand(e.xreplace(complements), mul=True, multinomial=False, power_exp=False, power_base=False, log=False,
               deep=True)
    return e.xreplace({w: c for c, w in complements.items()})


def separate(integrand, vs):
    """∫_{(0,1)^n} integrand dv as a sum of products of one-dimensional integrals (Fubini), the integrand split into
    Σ_t c_t ∏_i f_{t,i}(v_i) (logs and powers of products split: every factor is positive on the cube)."""
    out = []
    for term in Add.make_args(_split_products(integrand, vs)):
        groups = {vi: [] for vi in vs}
        coefficient = []
        for f in Mul.make_args(term):
            inside = f.free_symbols & set(vs)
            if len(inside) > 1:
                raise DerivationError(f"the integrand does not separate over the stick-breaking coordinates: {f}")
            (groups[inside.pop()] if inside else coefficient).append(f)
        out.append(Mul(*coefficient, *(Integral(powsimp(Mul(*fs), force=True), (vi, 0, 1))
                                       for vi, fs in groups.items())))
    return Add(*out)


def _split_integral(integral):
    """∫ Σ_t c_t f_t dv -> Σ_t c_t ∫ f_t dv (linearity), each f_t with its powers of one base combined."""
    (var, *_), = integral.limits
    out = []
    for term in Add.make_args(_split_products(integral.function, [var])):
        c, f = term.as_independent(var, as_Add=False)
        out.append(c * Integral(powsimp(f, force=True), integral.limits[0]))
    return Add(*out)


def canonical(expr):
    """``expr`` (one-dimensional integrals only) in a normal form: integrals split over sums with the constants
    taken out (linearity), everything multiplied out, log Γ as ``loggamma``. Two steps equal by linearity alone then
    become the same expression, whose value the checker computes once."""
    expr = expr.xreplace({x: _split_integral(x) for x in expr.atoms(Integral)})
    expr = expand(expr, mul=True, multinomial=False, power_exp=False, power_base=False, log=False)
    return expr.replace(lambda e: isinstance(e, log) and isinstance(e.args[0], gamma) and e.args[0].args[0].is_positive,
                        lambda e: loggamma(e.args[0].args[0]))


def _concrete_integral(integral, n: int):
    """A simplex or cube integral at K = n + 1 as one-dimensional integrals over (0, 1)."""
    vs, zs, jacobian = stick_breaking(n)
    body = integral.function
    if not isinstance(integral, CubeIntegral):
        body = body.xreplace(dict(zip(components(z, n + 1), zs))) * jacobian
    return separate(body, vs)


def _leaf_derivative(e):
    return isinstance(e, Derivative) and not e.expr.has(Integral)


def instantiate(expr, n: int, bound=(), index=None, normalise=()):
    """``expr`` at K = n + 1 (the free index k at ``index``): densities from ``bound`` written out, sums and
    products unrolled, indexed symbols plain, integrals over the simplex or the cube as one-dimensional integrals,
    derivatives taken. Each base in ``normalise`` (probability vectors) is replaced by its components over their
    sum, so any positive point is a probability vector."""
    for b in bound:
        expr = expr.replace(b.func, Lambda(b.var, b.body))
    expr = unroll(expr.xreplace({K: n + 1, **({k: index} if index is not None else {})}))
    expr = expr.xreplace({x: flat(x) for x in expr.atoms(Indexed)})
    for base in normalise:
        comps = components(base, n + 1)
        expr = expr.xreplace({c: c / Add(*comps) for c in comps})
    expr = expr.replace(_leaf_derivative, lambda e: e.doit(deep=False))
    expr = expr.replace(lambda e: isinstance(e, SimplexIntegral), lambda e: _concrete_integral(e, n))
    # deep=False: differentiate (under the integral sign where there is one), but do not try to integrate
    expr = expr.replace(lambda e: isinstance(e, Derivative), lambda e: e.doit(deep=False))
    return canonical(expr) if expr.has(Integral) else expr


def beta_hints(alpha: IndexedBase):
    """Quadrature hints at K = n + 1: under Dirichlet(alpha) the stick-breaking coordinate v_i is
    Beta(alpha_i, Σ_{j>i} alpha_j), centred at alpha_i / Σ_{j>=i} alpha_j."""

    def hints(n: int) -> dict:
        a = components(alpha, n + 1)
        return {vi: (a[m] / Add(*a[m:]), Rational(1, 4)) for m, vi in enumerate(components(v, n))}

    return hints
