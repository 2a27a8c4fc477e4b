"""The categorical and Dirichlet derivations (vector families over K categories, K symbolic) and the Dirichlet
lemmas. Registered from ``derive.catalog``; the names are a contract."""

from __future__ import annotations

from sympy import Add, Mul, Sum, loggamma, polygamma

from derive import categorical, dirichlet
from derive.engine import P, Q
from derive.families.categorical import Categorical, probs
from derive.families.dirichlet import LOG_MEAN, NORMALISATION, Dirichlet, concentration
from derive.notation import KL, CrossEntropy, Entropy
from derive.registry import get, register
from derive.simplex import DIMENSION, K, beta_hints, k, total
from derive.step import Derivation

SUMMARY = {
    "entropy-categorical": "H(q) for q = Categorical(probs) on K categories",
    "cross-entropy-categorical-categorical": "H(q, p) for q = Categorical(probs1), p = Categorical(probs2)",
    "kl-categorical-categorical": "KL(q || p) for q = Categorical(probs1), p = Categorical(probs2)",
    "entropy-dirichlet": "H(q) for q = Dirichlet(concentration) on the simplex of K categories",
    "cross-entropy-dirichlet-dirichlet": "H(q, p) for q = Dirichlet(concentration1), p = Dirichlet(concentration2)",
    "kl-dirichlet-dirichlet": "KL(q || p) for q = Dirichlet(concentration1), p = Dirichlet(concentration2)",
    NORMALISATION: "int_simplex prod_k z_k^(alpha_k - 1) dz = prod_k Gamma(alpha_k) / Gamma(alpha_0)",
    LOG_MEAN: "E_q[log z_k] = psi(alpha_k) - psi(alpha_0) for q = Dirichlet(alpha)",
}


# ---- categorical ------------------------------------------------------------------------------------------------

def _categorical(name, title, lhs, steps, q, p=None):
    inst = categorical.instantiate_for(q, p)
    return Derivation(
        name=name, title=title, lhs=lhs, steps=steps, bindings=categorical.bindings(q, p),
        params=(q.probs,) + ((p.probs,) if p is not None else ()), summary=SUMMARY[name], dimension=DIMENSION,
        instantiate=inst, hints=lambda n: {},
    )


@register("entropy-categorical", SUMMARY["entropy-categorical"])
def entropy_categorical():
    q = Categorical(probs())
    return _categorical("entropy-categorical", "Entropy of a categorical distribution", Entropy(Q),
                        categorical.expectation_steps(q, q, same=True), q)


@register("cross-entropy-categorical-categorical", SUMMARY["cross-entropy-categorical-categorical"])
def cross_entropy_categorical_categorical():
    q, p = Categorical(probs("1")), Categorical(probs("2"))
    return _categorical("cross-entropy-categorical-categorical", "Cross-entropy between two categorical distributions",
                        CrossEntropy(Q, P), categorical.expectation_steps(q, p, same=False), q, p)


@register("kl-categorical-categorical", SUMMARY["kl-categorical-categorical"])
def kl_categorical_categorical():
    q, p = Categorical(probs("1")), Categorical(probs("2"))
    return _categorical("kl-categorical-categorical", "KL divergence between two categorical distributions",
                        KL(Q, P), categorical.kl_steps(q, p), q, p)


# ---- Dirichlet --------------------------------------------------------------------------------------------------

def _dirichlet(name, title, lhs, steps, q, p=None, cites=(), index=None):
    return Derivation(
        name=name, title=title, lhs=lhs, steps=steps, bindings=dirichlet.bindings(q, p),
        params=(q.alpha,) + ((p.alpha,) if p is not None else ()), summary=SUMMARY[name], dimension=DIMENSION,
        instantiate=dirichlet.instantiate_for(q, p, index), cites=cites, hints=beta_hints(q.alpha),
        integrate=dirichlet.integrate_definition,
    )


def _psi(x):
    return polygamma(0, x)


def _log_beta(a):
    """log B(α) = Σ_k log Γ(α_k) − log Γ(α_0)."""
    return Add(Sum(loggamma(a[k]), (k, 1, K)), -loggamma(total(a)), evaluate=False)


def entropy_canonical(a):
    """log B(α) + (α_0 − K) ψ(α_0) − Σ_k (α_k − 1) ψ(α_k)."""
    a0 = total(a)
    return Add(_log_beta(a), Mul(a0 - K, _psi(a0), evaluate=False), -Sum((a[k] - 1) * _psi(a[k]), (k, 1, K)),
               evaluate=False)


def cross_entropy_canonical(a, b):
    """−log Γ(β_0) + Σ_k log Γ(β_k) − Σ_k (β_k − 1)(ψ(α_k) − ψ(α_0))."""
    return Add(-loggamma(total(b)), Sum(loggamma(b[k]), (k, 1, K)),
               -Sum((b[k] - 1) * (_psi(a[k]) - _psi(total(a))), (k, 1, K)), evaluate=False)


def kl_canonical(a, b):
    """log Γ(α_0) − Σ log Γ(α_k) − log Γ(β_0) + Σ log Γ(β_k) + Σ_k (α_k − β_k)(ψ(α_k) − ψ(α_0))."""
    return Add(loggamma(total(a)), -Sum(loggamma(a[k]), (k, 1, K)), -loggamma(total(b)),
               Sum(loggamma(b[k]), (k, 1, K)), Sum((a[k] - b[k]) * (_psi(a[k]) - _psi(total(a))), (k, 1, K)),
               evaluate=False)


@register("entropy-dirichlet", SUMMARY["entropy-dirichlet"])
def entropy_dirichlet():
    q = Dirichlet(concentration())
    steps = dirichlet.expectation_steps(q, q, same=True, canonical=entropy_canonical(q.alpha),
                                        where="entropy-dirichlet", inst=dirichlet.instantiate_for(q))
    return _dirichlet("entropy-dirichlet", "Entropy of a Dirichlet distribution", Entropy(Q), steps, q,
                      cites=(NORMALISATION, LOG_MEAN))


@register("cross-entropy-dirichlet-dirichlet", SUMMARY["cross-entropy-dirichlet-dirichlet"])
def cross_entropy_dirichlet_dirichlet():
    q, p = Dirichlet(concentration("1")), Dirichlet(concentration("2"))
    steps = dirichlet.expectation_steps(q, p, same=False, canonical=cross_entropy_canonical(q.alpha, p.alpha),
                                        where="cross-entropy-dirichlet-dirichlet",
                                        inst=dirichlet.instantiate_for(q, p))
    return _dirichlet("cross-entropy-dirichlet-dirichlet", "Cross-entropy between two Dirichlet distributions",
                      CrossEntropy(Q, P), steps, q, p, cites=(NORMALISATION, LOG_MEAN))


@register("kl-dirichlet-dirichlet", SUMMARY["kl-dirichlet-dirichlet"])
def kl_dirichlet_dirichlet():
    q, p = Dirichlet(concentration("1")), Dirichlet(concentration("2"))
    ce, h = get("cross-entropy-dirichlet-dirichlet"), get("entropy-dirichlet")
    h_q = h.closed_form.xreplace({concentration(): q.alpha})
    steps = dirichlet.kl_steps((ce.name, ce.closed_form), (h.name, h_q), canonical=kl_canonical(q.alpha, p.alpha),
                               where="kl-dirichlet-dirichlet", inst=dirichlet.instantiate_for(q, p))
    return _dirichlet("kl-dirichlet-dirichlet", "KL divergence between two Dirichlet distributions", KL(Q, P), steps,
                      q, p, cites=(ce.name, h.name))


@register(NORMALISATION, "The Dirichlet integral", kind="lemma")
def lemma_dirichlet_normalisation():
    q = Dirichlet(concentration())
    return _dirichlet(NORMALISATION, "The Dirichlet integral", None, dirichlet.normalisation_steps(q), q)


@register(LOG_MEAN, "The mean of log z_k under a Dirichlet distribution", kind="lemma")
def lemma_dirichlet_log_mean():
    q = Dirichlet(concentration())
    return _dirichlet(LOG_MEAN, "The mean of log z_k under a Dirichlet distribution", None,
                      dirichlet.log_mean_steps(q), q, index=dirichlet.lemma_index)


__all__ = ["SUMMARY", "cross_entropy_canonical", "entropy_canonical", "kl_canonical"]
