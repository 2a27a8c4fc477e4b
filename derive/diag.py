"""The product-density walk for q = ∏_d q_d, p = ∏_d p_d over a symbolic dimension D.

KL(q || p) = ∫ q log(q/p) dz -> log of a product is a sum of logs -> linearity over the finite sum ->
marginalisation lemma (∫ q(z) f(z_d) dz = ∫ q_d f dz_d) -> the univariate KL for each d -> closed form.
Steps keep D symbolic; ``instantiate`` turns them into concrete D-dimensional integrals for checking.
"""

from __future__ import annotations

from sympy import Add, Indexed, Integral, Lambda, Mul, Product, Sum, Symbol, log, oo

from derive.engine import P, Q
from derive.families.normal import Normal
from derive.notation import MarginalP, MarginalQ, TestFunction
from derive.step import Binding, Step
from derive.symbols import D, d, j, mu_ix, sigma_ix, z_ix, z_vec

MARGINALISATION = "lemma-product-marginalisation"


def _marginal_law(k):
    return Normal(mu_ix[k], sigma_ix[k])


STD = Normal(0, 1)


def instantiate(expr, n: int, *, index=None, test_function=None):
    """Replace D by n, expand sums/products over d, integrate z over R^n, and write out the densities.

    ``index`` fixes a free d (lemma statements); ``test_function`` gives f a concrete body.
    """
    subs = {D: n} if index is None else {D: n, d: index}
    e = expr.xreplace(subs)
    e = e.replace(lambda x: isinstance(x, (Sum, Product)), _unroll)
    zs = [z_ix[k] for k in range(1, n + 1)]
    e = e.replace(
        lambda x: isinstance(x, Integral) and x.limits[0][0] == z_vec,
        lambda x: Integral(x.function, *[(zk, -oo, oo) for zk in zs]),
    )
    e = e.replace(Q, Lambda(z_vec, Mul(*[_marginal_law(k).density(z_ix[k]) for k in range(1, n + 1)])))
    e = e.replace(P, Lambda(z_vec, Mul(*[STD.density(z_ix[k]) for k in range(1, n + 1)])))
    e = e.replace(lambda x: isinstance(x, MarginalQ), lambda x: _marginal_law(x.args[0].indices[0]).density(x.args[0]))
    e = e.replace(lambda x: isinstance(x, MarginalP), lambda x: STD.density(x.args[0]))
    if test_function is not None:
        e = e.replace(lambda x: isinstance(x, TestFunction), lambda x: test_function(x.args[0]))
    return e.xreplace({x: flat(x) for x in e.atoms(Indexed)})


def flat(x):
    """``mu[2]`` -> a plain symbol ``mu_2`` with the same assumptions (SymPy integrates plain symbols reliably;
    with Indexed parameters ``integrate`` has returned wrong results for negative means)."""
    assumptions = {"positive": True} if x.is_positive else {"real": True}
    return Symbol(f"{x.base.label}_{x.indices[0]}", **assumptions)


def _unroll(x):
    """Sum/Product over concrete bounds -> explicit Add/Mul; xreplace also reaches bound integration variables."""
    (var, lo, hi), body = x.limits[0], x.function
    terms = [body.xreplace({var: k}) for k in range(int(lo), int(hi) + 1)]
    return Add(*terms) if isinstance(x, Sum) else Mul(*terms)


def hints(n: int) -> dict:
    return {flat(z_ix[k]): (flat(mu_ix[k]), flat(sigma_ix[k])) for k in range(1, n + 1)}


def _zd():
    return z_ix[d]


def kl_diag_steps(univariate_name: str, univariate_closed_form, canonical):
    """Steps of KL(∏ q_d || ∏ p_d) for symbolic D; cites the univariate KL derivation for each d."""
    zd = _zd()
    log_ratio = log(MarginalQ(zd)) - log(MarginalP(zd))
    per_d = univariate_closed_form.xreplace(_univariate_to_indexed())
    return (
        Step(Integral(Q(z_vec) * log(Q(z_vec) / P(z_vec)), z_vec), "definition", "", ()),
        Step(
            Integral(Mul(Q(z_vec), Sum(log_ratio, (d, 1, D)), evaluate=False), z_vec),
            "log-product",
            "q and p are products of their marginals; the log of a product is the sum of the logs",
            (),
        ),
        Step(
            Sum(Integral(Mul(Q(z_vec), log_ratio, evaluate=False), z_vec), (d, 1, D)),
            "linearity",
            "linearity of the integral over a finite sum",
            (),
        ),
        Step(
            Sum(Integral(Mul(MarginalQ(zd), log_ratio, evaluate=False), (zd, -oo, oo)), (d, 1, D)),
            "marginalisation",
            "each summand depends on z_d only, so the other marginals integrate to 1",
            (MARGINALISATION,),
        ),
        Step(
            Sum(per_d, (d, 1, D)),
            "cite",
            "each summand is a univariate KL divergence, derived above",
            (univariate_name,),
        ),
        Step(canonical, "simplify", "pull the constant factor out of the sum", ()),
    )


def _univariate_to_indexed():
    from derive.symbols import mu, sigma

    return {mu: mu_ix[d], sigma: sigma_ix[d]}


def marginalisation_steps():
    """Steps of the lemma ∫ q(z) f(z_d) dz = ∫ q_d(z_d) f(z_d) dz_d for a product density q."""
    zd = _zd()
    f = TestFunction(zd)
    return (
        Step(Integral(Q(z_vec) * f, z_vec), "definition", "", ()),
        Step(
            Integral(Mul(Product(MarginalQ(z_ix[j]), (j, 1, D)), f, evaluate=False), z_vec),
            "product-density",
            "q is the product of its marginals",
            (),
        ),
        Step(
            Integral(MarginalQ(zd) * f, (zd, -oo, oo)),
            "fubini",
            "integrate coordinate by coordinate; every factor other than the d-th integrates to 1",
            ("lemma-normal-normalisation",),
        ),
    )


def diag_bindings():
    """What q(z), p(z) stand for in the D-dimensional derivations (for display)."""
    return (
        Binding(Q, z_vec, Product(MarginalQ(_zd()), (d, 1, D)), None),
        Binding(P, z_vec, Product(MarginalP(_zd()), (d, 1, D)), None),
        Binding(MarginalQ, _zd(), Normal(mu_ix[d], sigma_ix[d]).density(_zd()), Normal(mu_ix[d], sigma_ix[d]).law()),
        Binding(MarginalP, _zd(), STD.density(_zd()), STD.law()),
    )
