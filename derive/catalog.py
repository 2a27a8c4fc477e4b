"""The built-in derivations and lemmas (the names are a contract)."""

from __future__ import annotations

from functools import partial

from sympy import (
    Add, Determinant, E, Identity, Integral, Inverse, MatMul, Mul, S, Sum, Trace, ZeroMatrix, log, pi,
)

from derive import diag, lemmas, mvn
from derive.engine import P, Q, bindings_for, expectation_walk, kl_walk, rule_closed_form
from derive.families import normal
from derive.families.mvn import LOG_DENSITY as MVN_LOG_DENSITY
from derive.families.mvn import MVN, QUADRATIC_FORM, k, matrix, minus, vector
from derive.families.normal import Normal
from derive.numeric import CONDITION, merge_domains
from derive.notation import KL, CrossEntropy, Entropy, Form
from derive.registry import get, register
from derive.step import Derivation, Step
from derive.symbols import D, d, mu, mu1, mu2, mu_ix, sigma, sigma1, sigma2, sigma_ix, z, z_vec

HALF = S.Half


def _unevaluated_half(sign, *terms):
    """``sign·½(t1 + t2 + …)`` kept as written (SymPy would distribute the ½)."""
    return Mul(sign * HALF, Add(*terms, evaluate=False), evaluate=False)


def _hints(q):
    if getattr(q, "discrete", False):  # sums need no quadrature hint
        return lambda n: {}
    return lambda n: {z: q.quadrature_hint()}


def _univariate(name, title, summary, lhs, steps, q, p=None, params=(), cites=(), condition=None):
    """A univariate derivation; random check points satisfy ``condition`` (where a conditional pair is finite)."""
    domains = merge_domains(getattr(q, "domains", dict)(), getattr(p, "domains", dict)() if p is not None else None,
                            {CONDITION: condition} if condition is not None else None)
    return Derivation(
        name=name,
        title=title,
        lhs=lhs,
        steps=steps,
        bindings=bindings_for(z, q, p),
        params=params,
        summary=summary,
        cites=cites,
        hints=_hints(q),
        domains=domains or None,
    )


@register("entropy-normal", "H(q) for q = N(mu, sigma^2)")
def entropy_normal():
    q = Normal(mu, sigma)
    canonical = log(2 * pi * sigma**2) / 2 + HALF
    steps = expectation_walk(q, q, z, same=True, canonical=canonical, where="entropy-normal")
    return _univariate("entropy-normal", "Entropy of a normal distribution", "H(q) for q = N(mu, sigma^2)",
                       Entropy(Q), steps, q, params=(mu, sigma))


@register("cross-entropy-normal-std-normal", "H(q, p) for q = N(mu, sigma^2), p = N(0, 1)")
def cross_entropy_normal_std_normal():
    q, p = Normal(mu, sigma), Normal(0, 1)
    canonical = Add(log(2 * pi) / 2, Mul(HALF, Add(mu**2, sigma**2), evaluate=False), evaluate=False)
    steps = expectation_walk(q, p, z, same=False, canonical=canonical, where="cross-entropy-normal-std-normal")
    return _univariate("cross-entropy-normal-std-normal", "Cross-entropy of a normal against the standard normal",
                       "H(q, p) for q = N(mu, sigma^2), p = N(0, 1)", CrossEntropy(Q, P), steps, q, p,
                       params=(mu, sigma))


@register("kl-normal-std-normal", "KL(q || p) for q = N(mu, sigma^2), p = N(0, 1)")
def kl_normal_std_normal():
    q = Normal(mu, sigma)
    ce, h = get("cross-entropy-normal-std-normal"), get("entropy-normal")
    canonical = _unevaluated_half(-1, 1, log(sigma**2), -(mu**2), -(sigma**2))
    steps = kl_walk(q, z, (ce.name, ce.closed_form), (h.name, h.closed_form), canonical=canonical,
                    where="kl-normal-std-normal")
    return _univariate("kl-normal-std-normal", "KL divergence of a normal from the standard normal",
                       "KL(q || p) for q = N(mu, sigma^2), p = N(0, 1)", KL(Q, P), steps, q, Normal(0, 1),
                       params=(mu, sigma), cites=(ce.name, h.name))


@register("kl-normal-std-normal-diag", "KL(q || p) for q = prod_d N(mu_d, sigma_d^2), p = N(0, I), D dimensions")
def kl_normal_std_normal_diag():
    uni = get("kl-normal-std-normal")
    summand = Add(1, log(sigma_ix[d] ** 2), -(mu_ix[d] ** 2), -(sigma_ix[d] ** 2), evaluate=False)
    canonical = Mul(-HALF, Sum(summand, (d, 1, D)), evaluate=False)
    return Derivation(
        name="kl-normal-std-normal-diag",
        title="KL divergence of a diagonal normal from the standard normal in D dimensions",
        lhs=KL(Q, P),
        steps=diag.kl_diag_steps(uni.name, uni.closed_form, canonical),
        bindings=diag.diag_bindings(),
        params=(mu_ix, sigma_ix),
        summary="KL(q || p) for q = prod_d N(mu_d, sigma_d^2), p = N(0, I), D dimensions",
        dimension=D,
        instantiate=diag.instantiate,
        cites=(uni.name, diag.MARGINALISATION),
        hints=diag.hints,
    )


@register("cross-entropy-normal-normal", "H(q, p) for q = N(mu1, sigma1^2), p = N(mu2, sigma2^2)")
def cross_entropy_normal_normal():
    q, p = Normal(mu1, sigma1), Normal(mu2, sigma2)
    canonical = log(2 * pi * sigma2**2) / 2 + (sigma1**2 + (mu1 - mu2) ** 2) / (2 * sigma2**2)
    steps = expectation_walk(q, p, z, same=False, canonical=canonical, where="cross-entropy-normal-normal")
    return _univariate("cross-entropy-normal-normal", "Cross-entropy between two normal distributions",
                       "H(q, p) for q = N(mu1, sigma1^2), p = N(mu2, sigma2^2)", CrossEntropy(Q, P), steps, q, p,
                       params=(mu1, sigma1, mu2, sigma2))


@register("kl-normal-normal", "KL(q || p) for q = N(mu1, sigma1^2), p = N(mu2, sigma2^2)")
def kl_normal_normal():
    q, p = Normal(mu1, sigma1), Normal(mu2, sigma2)
    ce, h = get("cross-entropy-normal-normal"), get("entropy-normal")
    h_q = h.closed_form.xreplace({mu: mu1, sigma: sigma1})
    canonical = log(sigma2 / sigma1) + (sigma1**2 + (mu1 - mu2) ** 2) / (2 * sigma2**2) - HALF
    steps = kl_walk(q, z, (ce.name, ce.closed_form), (h.name, h_q), canonical=canonical, where="kl-normal-normal")
    return _univariate("kl-normal-normal", "KL divergence between two normal distributions",
                       "KL(q || p) for q = N(mu1, sigma1^2), p = N(mu2, sigma2^2)", KL(Q, P), steps, q, p,
                       params=(mu1, sigma1, mu2, sigma2), cites=(ce.name, h.name))


# ---- lemmas -------------------------------------------------------------------------------------------------

def _moment_lemma(name, title, q, params, index, condition=None):
    """Register the moment lemma ``index`` of q's lemma table (proven by the family's standardising substitution)."""
    stat = q.statistics(z)[index]

    def build():
        return Derivation(
            name=name,
            title=title,
            lhs=None,
            steps=lemmas.moment_lemma_steps(q, stat.statistic, stat.value, name),
            bindings=lemmas.lemma_bindings(q),
            params=params,
            summary=title,
            hints=_lemma_hints(q),
            domains=merge_domains(getattr(q, "domains", dict)(), {CONDITION: condition} if condition is not None
                                  else None),
        )

    register(name, title, kind="lemma")(build)


def _lemma_hints(q):
    if getattr(q, "discrete", False):
        return lambda n: {}
    return lambda n: {z: q.quadrature_hint(), lemmas.variable(q.standard()): q.standard().quadrature_hint()}


def _log_density_lemma(name, title, q, params, summary):
    def build():
        x = lemmas.variable(q, "z")
        lo, hi = (S(b) for b in q.support)
        domains = merge_domains({x: (lo, hi)} if lo.is_finite and hi.is_finite else {}, getattr(q, "domains", dict)())
        return Derivation(name=name, title=title, lhs=None, steps=lemmas.log_density_steps(q, x),
                          bindings=lemmas.lemma_bindings(q), params=params, summary=summary, domains=domains)

    register(name, title, kind="lemma")(build)


NORMAL = Normal(mu, sigma)
_moment_lemma(normal.NORMALISATION, "A normal density integrates to one", NORMAL, (mu, sigma), 0)
_moment_lemma(normal.MEAN, "The mean of a normal distribution", NORMAL, (mu, sigma), 1)
_moment_lemma(normal.VARIANCE, "The variance of a normal distribution", NORMAL, (mu, sigma), 2)
_moment_lemma(normal.SECOND_MOMENT, "The second moment of a normal distribution", NORMAL, (mu, sigma), 3)
_log_density_lemma(normal.LOG_DENSITY, "The log-density of a normal distribution, written out", NORMAL, (mu, sigma),
                   "log q(z) for q = N(mu, sigma^2)")


@register(diag.MARGINALISATION, "Integrating a function of z_d against a product density", kind="lemma")
def lemma_marginalisation():
    def inst(expr, n):
        return diag.instantiate(expr, n, index=n, test_function=lambda x: x**3 - 2 * x + S(1) / 3)

    return Derivation(
        name=diag.MARGINALISATION,
        title="Integrating a function of z_d against a product density",
        lhs=None,
        steps=diag.marginalisation_steps(),
        bindings=diag.diag_bindings(),
        params=(mu_ix, sigma_ix),
        summary="∫ q(z) f(z_d) dz = ∫ q_d(z_d) f(z_d) dz_d for q = prod_d q_d",
        dimension=D,
        instantiate=inst,
        hints=diag.hints,
    )



# ---- multivariate normals with full covariance ------------------------------------------------------------------

def _mvn_checking(q, p=None) -> dict:
    """The fields every multivariate-normal derivation shares: bindings, and how it is checked at k = 1, 2, 3."""
    bound = mvn.bindings(q, p)
    return dict(bindings=bound, dimension=k, instantiate=partial(mvn.instantiate, bound=bound),
                hints=mvn.hints_for(q), integrate=mvn.integrate_by_substitution(q))


def _mvn(name, title, summary, lhs, steps, q, p=None, cites=()):
    return Derivation(
        name=name, title=title, lhs=lhs, steps=steps,
        params=(q.loc, q.cov) + ((p.loc, p.cov) if p is not None and p.loc != ZeroMatrix(k, 1) else ()),
        summary=summary, cites=cites, **_mvn_checking(q, p),
    )


MU, SIGMA = vector("mu"), matrix("Sigma")
MU1, SIGMA1, MU2, SIGMA2 = vector("mu1"), matrix("Sigma1"), vector("mu2"), matrix("Sigma2")


SUMMARY = {
    "entropy-mvn": "H(q) for q = N(mu, Sigma) on R^k",
    "cross-entropy-mvn-mvn": "H(q, p) for q = N(mu1, Sigma1), p = N(mu2, Sigma2) on R^k",
    "kl-mvn-mvn": "KL(q || p) for q = N(mu1, Sigma1), p = N(mu2, Sigma2) on R^k",
    "kl-mvn-std-normal": "KL(q || p) for q = N(mu, Sigma), p = N(0, I) on R^k",
}


@register("entropy-mvn", SUMMARY["entropy-mvn"])
def entropy_mvn():
    q = MVN(MU, SIGMA)
    canonical = log(Determinant(2 * pi * E * SIGMA)) / 2
    steps = mvn.expectation_steps(q, q, same=True, canonical=canonical, where="entropy-mvn")
    return _mvn("entropy-mvn", "Entropy of a multivariate normal distribution", SUMMARY["entropy-mvn"], Entropy(Q),
                steps, q)


def _ce_mvn_canonical(mu_q, cov_q, mu_p, cov_p):
    d = minus(mu_p, mu_q)
    return _unevaluated_half(1, k * log(2 * pi), log(Determinant(cov_p)), Trace(MatMul(Inverse(cov_p), cov_q)),
                             Form(d, Inverse(cov_p), d))


@register("cross-entropy-mvn-mvn", SUMMARY["cross-entropy-mvn-mvn"])
def cross_entropy_mvn_mvn():
    q, p = MVN(MU1, SIGMA1), MVN(MU2, SIGMA2)
    steps = mvn.expectation_steps(q, p, same=False, canonical=_ce_mvn_canonical(MU1, SIGMA1, MU2, SIGMA2),
                                  where="cross-entropy-mvn-mvn")
    return _mvn("cross-entropy-mvn-mvn", "Cross-entropy between two multivariate normal distributions",
                SUMMARY["cross-entropy-mvn-mvn"], CrossEntropy(Q, P), steps, q, p)


@register("kl-mvn-mvn", SUMMARY["kl-mvn-mvn"])
def kl_mvn_mvn():
    q, p = MVN(MU1, SIGMA1), MVN(MU2, SIGMA2)
    ce, h = get("cross-entropy-mvn-mvn"), get("entropy-mvn")
    h_q = h.closed_form.xreplace({MU: MU1, SIGMA: SIGMA1})
    d = minus(MU2, MU1)
    canonical = _unevaluated_half(1, Trace(MatMul(Inverse(SIGMA2), SIGMA1)), Form(d, Inverse(SIGMA2), d), -k,
                                  log(Determinant(SIGMA2)), -log(Determinant(SIGMA1)))
    steps = kl_walk(MVN(MU1, SIGMA1), z_vec, (ce.name, ce.closed_form), (h.name, h_q), canonical=canonical,
                    where="kl-mvn-mvn", equal=mvn.equal_at_dimensions)
    return _mvn("kl-mvn-mvn", "KL divergence between two multivariate normal distributions", SUMMARY["kl-mvn-mvn"],
                KL(Q, P), steps, q, p, cites=(ce.name, h.name))


@register("kl-mvn-std-normal", SUMMARY["kl-mvn-std-normal"])
def kl_mvn_std_normal():
    q, p = MVN(MU, SIGMA), MVN(ZeroMatrix(k, 1), Identity(k))
    general = get("kl-mvn-mvn")
    cited = general.closed_form.xreplace({MU1: MU, SIGMA1: SIGMA, MU2: ZeroMatrix(k, 1), SIGMA2: Identity(k)})
    canonical = _unevaluated_half(1, Trace(SIGMA), Form(MU, Identity(k), MU), -k, -log(Determinant(SIGMA)))
    steps = (
        Step(Integral(Mul(Q(z_vec), log(Q(z_vec) / P(z_vec)), evaluate=False), mvn.LIMITS), "definition", "", ()),
        Step(cited, "cite", "the KL divergence between two multivariate normals, derived above, with "
             "mu2 = 0 and Sigma2 = I", (general.name,)),
        rule_closed_form(cited, canonical, "kl-mvn-std-normal", equal=mvn.equal_at_dimensions),
    )
    return _mvn("kl-mvn-std-normal", "KL divergence of a multivariate normal from the standard normal",
                SUMMARY["kl-mvn-std-normal"], KL(Q, P), steps, q, p, cites=(general.name,))


@register(QUADRATIC_FORM, "The expectation of a quadratic form under a multivariate normal", kind="lemma")
def lemma_mvn_quadratic_form():
    q = MVN(MU, SIGMA)
    m, a = vector("m"), matrix("A")
    return Derivation(
        name=QUADRATIC_FORM, title="The expectation of a quadratic form under a multivariate normal", lhs=None,
        steps=mvn.quadratic_form_steps(q, m, a), params=(MU, SIGMA, m, a),
        summary="E_q[(z - m)^T A (z - m)] = tr(A Sigma) + (mu - m)^T A (mu - m) for q = N(mu, Sigma)",
        **_mvn_checking(q),
    )


@register(MVN_LOG_DENSITY, "The log-density of a multivariate normal, written out", kind="lemma")
def lemma_mvn_log_density():
    q = MVN(MU, SIGMA)
    return Derivation(
        name=MVN_LOG_DENSITY, title="The log-density of a multivariate normal, written out", lhs=None,
        steps=mvn.log_density_steps(q), params=(MU, SIGMA), summary="log q(z) for q = N(mu, Sigma) on R^k",
        **_mvn_checking(q),
    )


import derive.catalog_exponential  # noqa: E402, F401  (registers the exponential family's derivations)
import derive.catalog_half_normal  # noqa: E402, F401  (registers the half-normal family's derivations)
import derive.catalog_families  # noqa: E402, F401  (registers the declared families and the pairs between them)
import derive.catalog_vector  # noqa: E402, F401  (registers the categorical and Dirichlet derivations)
