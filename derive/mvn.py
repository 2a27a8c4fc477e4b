"""The walk for multivariate normals with full covariance, and its instantiation at a concrete dimension.

H(q, p) = −∫ q log p dz -> write out the log-density of p (matrix form) -> linearity -> q integrates to one
and the quadratic-form lemma E_q[(z − m)ᵀ A (z − m)] = tr(AΣ) + (μ − m)ᵀ A (μ − m) -> closed form. The lemma is
itself derived (split z − m = (z − μ) + (μ − m), the trace trick, linearity, the moments of q).

Steps keep the dimension k symbolic. ``instantiate(expr, n)`` makes them concrete for checking: vectors become
n symbols, each covariance Σ becomes L Lᵀ for a lower-triangular L with positive diagonal (so every random point
is admissible), Σ⁻¹ = L⁻ᵀ L⁻¹ and det Σ = ∏ L_ii², and ∫ … dz becomes an n-fold integral over R^n.
"""

from __future__ import annotations

from sympy import (
    Add, Determinant, ImmutableMatrix, Integral, Inverse, Lambda, MatMul, MatrixSymbol, Mul, S, Symbol,
    Trace, Transpose, expand, expand_log, integrate, log, oo,
)

from derive.engine import P, Q, rule_closed_form
from derive.families.mvn import LOG_DENSITY, MVN, QUADRATIC_FORM, k, minus, z
from derive.notation import Form
from derive.step import Binding, Step
from derive.symbols import z_vec

HALF = S.Half
LIMITS = (z_vec,)  # ∫ … dz over R^k, printed with the bold z


def _sum(*terms):
    return Add(*terms, evaluate=False)


def _half(expr):
    return Mul(HALF, expr, evaluate=False)


def bindings(q: MVN, p: MVN | None = None) -> tuple[Binding, ...]:
    out = [Binding(Q, z_vec, q.density(), q.law())]
    if p is not None:
        out.append(Binding(P, z_vec, p.density(), p.law()))
    return tuple(out)


def expectation_steps(q: MVN, target: MVN, *, same: bool, canonical, where: str) -> tuple[Step, ...]:
    """Steps of ``−E_q[log target]``: the entropy of q when ``same``, the cross-entropy against target otherwise."""
    f = Q if same else P
    const, logdet, quad = target.neg_log_density_terms()
    quad_z = target.quadratic(z)
    lemma_value = _sum(Trace(MatMul(Inverse(target.cov), q.cov)),
                       Form(minus(q.loc, target.loc), Inverse(target.cov), minus(q.loc, target.loc)))
    steps = [
        Step(-Integral(Mul(Q(z_vec), log(f(z_vec)), evaluate=False), LIMITS), "definition", "", ()),
        Step(Integral(Mul(Q(z_vec), _sum(const, logdet, quad), evaluate=False), LIMITS), "expand-log-density",
             f"write out the log-density of {'q' if same else 'p'}: a log of a product is a sum of logs",
             (LOG_DENSITY,)),
        Step(_sum(Mul(_sum(const, logdet), Integral(Q(z_vec), LIMITS), evaluate=False),
                  _half(Integral(Mul(quad_z, Q(z_vec), evaluate=False), LIMITS))),
             "linearity", "linearity of the integral; the constants do not depend on z", ()),
        Step(_sum(const, logdet, _half(lemma_value)), "moment-lemmas",
             f"q integrates to one; the quadratic-form lemma with m = {target.loc} and A the inverse of {target.cov}",
             (QUADRATIC_FORM,)),
    ]
    steps.append(rule_closed_form(steps[-1].expr, canonical, where, equal=equal_at_dimensions))
    return tuple(steps)


def quadratic_form_steps(q: MVN, m, a) -> tuple[Step, ...]:
    """Steps of the lemma ∫ (z − m)ᵀ A (z − m) q(z) dz = tr(AΣ) + (μ − m)ᵀ A (μ − m)."""
    zc, shift = minus(z, q.loc), minus(q.loc, m)
    zm = minus(z, m)
    split = (Form(zc, a, zc), Form(zc, a, shift), Form(shift, a, zc), Form(shift, a, shift))
    trace = Trace(MatMul(a, zc, Transpose(zc), evaluate=False))
    value = _sum(Trace(MatMul(a, q.cov)), Form(shift, a, shift))
    steps = (
        Step(Integral(Mul(Form(zm, a, zm), Q(z_vec), evaluate=False), LIMITS), "definition", "", ()),
        Step(Integral(Mul(_sum(*split), Q(z_vec), evaluate=False), LIMITS), "split",
             "write z - m = (z - mu) + (mu - m) and multiply out the quadratic form", ()),
        Step(Integral(Mul(_sum(trace, *split[1:]), Q(z_vec), evaluate=False), LIMITS), "trace-trick",
             "a scalar is its own trace, and tr(XY) = tr(YX)", ()),
        Step(_sum(Integral(Mul(trace, Q(z_vec), evaluate=False), LIMITS),
                  Integral(Mul(split[1], Q(z_vec), evaluate=False), LIMITS),
                  Integral(Mul(split[2], Q(z_vec), evaluate=False), LIMITS),
                  Mul(split[3], Integral(Q(z_vec), LIMITS), evaluate=False)),
             "linearity", "linearity of the integral; mu - m does not depend on z", ()),
        Step(value, "moments",
             "trace and integral commute, and the covariance of q is Sigma; the mean of z - mu is 0, so the cross "
             "terms vanish; "
             "q integrates to one", ()),
    )
    return steps


def log_density_steps(q: MVN) -> tuple[Step, ...]:
    """Steps of ``log q(z) = written-out log-density``."""
    const, logdet, quad = q.neg_log_density_terms()
    return (
        Step(log(Q(z_vec)), "definition", "", ()),
        Step(-_sum(const, logdet, quad), "log-product",
             "the log of a product is the sum of the logs; the normalising constant gives (k/2) log(2 pi) and "
             "(1/2) log det Sigma",
             ()),
    )


# ---- concrete dimension ----------------------------------------------------------------------------------------


def _symbols(prefix: str, n: int, positive=False):
    return [Symbol(f"{prefix}_{i}", **({"positive": True} if positive else {"real": True})) for i in range(1, n + 1)]


def z_symbols(n: int):
    return _symbols("z", n)


def cholesky_factor(name: str, n: int) -> ImmutableMatrix:
    """A lower-triangular n×n matrix of symbols with positive diagonal: the Cholesky factor of ``name``."""
    tag = name.replace("Sigma", "L")
    return ImmutableMatrix(n, n, lambda i, j: Symbol(f"{tag}_{i + 1}{j + 1}", positive=True) if i == j
                           else Symbol(f"{tag}_{i + 1}{j + 1}", real=True) if i > j else S.Zero)


def _explicit(m: MatrixSymbol, n: int) -> dict:
    """Replacements of a k-shaped matrix symbol (and of its inverse and determinant) at dimension n."""
    if m.name == "z":
        return {m: ImmutableMatrix(z_symbols(n))}
    if m.shape[1] == 1:
        return {m: ImmutableMatrix(_symbols(m.name, n))}
    if m.name.startswith("Sigma"):
        chol = cholesky_factor(m.name, n)
        inv = chol.inv()
        return {m: chol * chol.T, Inverse(m): inv.T * inv, Determinant(m): Mul(*[chol[i, i] ** 2 for i in range(n)])}
    return {m: ImmutableMatrix(n, n, lambda i, j: Symbol(f"{m.name.lower()}_{i + 1}{j + 1}", real=True))}


def _form_value(form: Form):
    return form.product().doit().as_explicit()[0, 0]


def instantiate(expr, n: int, bound=()):
    """``expr`` at dimension n: densities written out (from ``bound`` bindings), vectors and matrices explicit,
    ∫ … dz over R^n."""
    for b in bound:
        expr = expr.replace(b.func, Lambda(b.var, b.body))
    zs = z_symbols(n)
    expr = expr.replace(lambda x: isinstance(x, Integral) and x.limits[0][0] == z_vec,
                        lambda x: Integral(x.function, *[(zi, -oo, oo) for zi in zs]))
    subs = {}
    for m in sorted(expr.atoms(MatrixSymbol), key=str):
        subs.update(_explicit(m, n))
    expr = expr.xreplace(subs).xreplace({k: n})
    expr = expr.replace(lambda x: isinstance(x, Form), _form_value)
    return expr.replace(lambda x: isinstance(x, (Trace, Determinant)), _scalar_value)


def _scalar_value(x):
    """tr or det of an explicit matrix expression, written out."""
    m = x.arg.doit().as_explicit()
    return m.trace() if isinstance(x, Trace) else m.det()


def hints_for(q: MVN):
    """Quadrature hints at dimension n: the n-fold integral over z under q uses z = μ + √2 L x."""

    def hints(n: int) -> dict:
        centre = instantiate(q.loc, n)
        return {tuple(z_symbols(n)): (tuple(centre), cholesky_factor(q.cov.name, n))}

    return hints


def integrate_by_substitution(q: MVN):
    """sympy.integrate of an instantiated definition after the change of variables z = μ + L u (Jacobian det L):
    the integrands become polynomials in u times the standard normal density, which SymPy integrates over R^n
    (directly, it does not finish for n = 2 within minutes). Logs of the densities are expanded with
    ``force=True``: every factor of a normal density is positive."""

    def run(definition, n: int):
        us = _symbols("u", n)
        centre, chol = instantiate(q.loc, n), cholesky_factor(q.cov.name, n)
        z_of_u = dict(zip(z_symbols(n), centre + chol * ImmutableMatrix(us)))
        jacobian = Mul(*[chol[i, i] for i in range(n)])

        def direct(integral):
            integrand = expand(expand_log(integral.function.xreplace(z_of_u) * jacobian, force=True))
            return integrate(integrand, *[(u, -oo, oo) for u in us])

        return definition.xreplace({i: direct(i) for i in definition.atoms(Integral)})

    return run


def equal_at_dimensions(a, b) -> bool:
    """a = b (no integrals) at k = 1, 2, 3, symbolically or at random points (used for closed-form steps)."""
    from derive.checking import DIMENSIONS, compare
    from derive.prove import DerivationError

    try:
        for n in DIMENSIONS:
            compare(instantiate(a, n), instantiate(b, n), {}, label="closed form", points=2)
    except DerivationError:
        return False
    return True
