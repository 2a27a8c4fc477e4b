"""The built-in derivations and lemmas (the names are a contract)."""

from __future__ import annotations

from sympy import Add, Mul, S, Sum, log, pi

from derive import diag, lemmas
from derive.engine import P, Q, bindings_for, expectation_walk, kl_walk
from derive.families import normal
from derive.families.normal import Normal
from derive.notation import KL, CrossEntropy, Entropy
from derive.registry import get, register
from derive.step import Derivation
from derive.symbols import D, d, mu, mu1, mu2, mu_ix, sigma, sigma1, sigma2, sigma_ix, z

HALF = S.Half


def _unevaluated_half(sign, *terms):
    """``sign·½(t1 + t2 + …)`` kept as written (SymPy would distribute the ½)."""
    return Mul(sign * HALF, Add(*terms, evaluate=False), evaluate=False)


def _hints(q):
    return lambda n: {z: q.quadrature_hint()}


def _univariate(name, title, summary, lhs, steps, q, p=None, params=(), cites=()):
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

def _moment_lemma(name, title, index):
    q = Normal(mu, sigma)
    stat = q.statistics(z)[index]

    def build():
        return Derivation(
            name=name,
            title=title,
            lhs=None,
            steps=lemmas.moment_lemma_steps(q, stat.statistic, stat.value, name),
            bindings=lemmas.lemma_bindings(q),
            params=(mu, sigma),
            summary=title,
            hints=lambda n: {z: (mu, sigma), lemmas.u: (0, 1)},
        )

    register(name, title, kind="lemma")(build)


_moment_lemma(normal.NORMALISATION, "A normal density integrates to one", 0)
_moment_lemma(normal.MEAN, "The mean of a normal distribution", 1)
_moment_lemma(normal.VARIANCE, "The variance of a normal distribution", 2)
_moment_lemma(normal.SECOND_MOMENT, "The second moment of a normal distribution", 3)


@register(normal.LOG_DENSITY, "The log-density of a normal distribution, written out", kind="lemma")
def lemma_log_density():
    q = Normal(mu, sigma)
    return Derivation(
        name=normal.LOG_DENSITY,
        title="The log-density of a normal distribution, written out",
        lhs=None,
        steps=lemmas.log_density_steps(q),
        bindings=lemmas.lemma_bindings(q),
        params=(mu, sigma),
        summary="log q(z) for q = N(mu, sigma^2)",
    )


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

