"""The exponential family's derivations and lemmas (names are a contract: lower case, hyphenated)."""

from __future__ import annotations

from sympy import log

from derive.catalog import _log_density_lemma, _moment_lemma, _univariate
from derive.engine import P, Q, expectation_walk, kl_walk
from derive.families import exponential
from derive.families.exponential import Exponential
from derive.notation import KL, CrossEntropy, Entropy
from derive.registry import get, register
from derive.symbols import rate, rate1, rate2, z


@register("entropy-exponential", "H(q) for q = Exp(rate)")
def entropy_exponential():
    q = Exponential(rate)
    steps = expectation_walk(q, q, z, same=True, canonical=1 - log(rate), where="entropy-exponential")
    return _univariate("entropy-exponential", "Entropy of an exponential distribution", "H(q) for q = Exp(rate)",
                       Entropy(Q), steps, q, params=(rate,))


@register("cross-entropy-exponential-exponential", "H(q, p) for q = Exp(rate1), p = Exp(rate2)")
def cross_entropy_exponential_exponential():
    q, p = Exponential(rate1), Exponential(rate2)
    steps = expectation_walk(q, p, z, same=False, canonical=rate2 / rate1 - log(rate2),
                             where="cross-entropy-exponential-exponential")
    return _univariate("cross-entropy-exponential-exponential", "Cross-entropy between two exponential distributions",
                       "H(q, p) for q = Exp(rate1), p = Exp(rate2)", CrossEntropy(Q, P), steps, q, p,
                       params=(rate1, rate2))


@register("kl-exponential-exponential", "KL(q || p) for q = Exp(rate1), p = Exp(rate2)")
def kl_exponential_exponential():
    q, p = Exponential(rate1), Exponential(rate2)
    ce, h = get("cross-entropy-exponential-exponential"), get("entropy-exponential")
    canonical = log(rate1 / rate2) + rate2 / rate1 - 1
    steps = kl_walk(q, z, (ce.name, ce.closed_form), (h.name, h.closed_form.xreplace({rate: rate1})),
                    canonical=canonical, where="kl-exponential-exponential")
    return _univariate("kl-exponential-exponential", "KL divergence between two exponential distributions",
                       "KL(q || p) for q = Exp(rate1), p = Exp(rate2)", KL(Q, P), steps, q, p,
                       params=(rate1, rate2), cites=(ce.name, h.name))


EXP = Exponential(rate)
_moment_lemma(exponential.NORMALISATION, "An exponential density integrates to one", EXP, (rate,), 0)
_moment_lemma(exponential.MEAN, "The mean of an exponential distribution", EXP, (rate,), 1)
_log_density_lemma(exponential.LOG_DENSITY, "The log-density of an exponential distribution, written out", EXP,
                   (rate,), "log q(z) for q = Exp(rate)")
