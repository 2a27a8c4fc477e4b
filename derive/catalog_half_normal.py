"""The half-normal family's derivations and lemmas (names are a contract: lower case, hyphenated)."""

from __future__ import annotations

from sympy import S, log, pi

from derive.catalog import _log_density_lemma, _moment_lemma, _univariate
from derive.engine import P, Q, expectation_walk, kl_walk
from derive.families import half_normal
from derive.families.half_normal import HalfNormal
from derive.notation import KL, CrossEntropy, Entropy
from derive.registry import get, register
from derive.symbols import scale, scale1, scale2, z


@register("entropy-half-normal", "H(q) for q = HalfNormal(scale)")
def entropy_half_normal():
    q = HalfNormal(scale)
    canonical = log(pi * scale**2 / 2) / 2 + S.Half
    steps = expectation_walk(q, q, z, same=True, canonical=canonical, where="entropy-half-normal")
    return _univariate("entropy-half-normal", "Entropy of a half-normal distribution", "H(q) for q = HalfNormal(scale)",
                       Entropy(Q), steps, q, params=(scale,))


@register("cross-entropy-half-normal-half-normal", "H(q, p) for q = HalfNormal(scale1), p = HalfNormal(scale2)")
def cross_entropy_half_normal_half_normal():
    q, p = HalfNormal(scale1), HalfNormal(scale2)
    canonical = log(pi * scale2**2 / 2) / 2 + scale1**2 / (2 * scale2**2)
    steps = expectation_walk(q, p, z, same=False, canonical=canonical, where="cross-entropy-half-normal-half-normal")
    return _univariate("cross-entropy-half-normal-half-normal", "Cross-entropy between two half-normal distributions",
                       "H(q, p) for q = HalfNormal(scale1), p = HalfNormal(scale2)", CrossEntropy(Q, P), steps, q, p,
                       params=(scale1, scale2))


@register("kl-half-normal-half-normal", "KL(q || p) for q = HalfNormal(scale1), p = HalfNormal(scale2)")
def kl_half_normal_half_normal():
    q, p = HalfNormal(scale1), HalfNormal(scale2)
    ce, h = get("cross-entropy-half-normal-half-normal"), get("entropy-half-normal")
    canonical = log(scale2 / scale1) + scale1**2 / (2 * scale2**2) - S.Half
    steps = kl_walk(q, z, (ce.name, ce.closed_form), (h.name, h.closed_form.xreplace({scale: scale1})),
                    canonical=canonical, where="kl-half-normal-half-normal")
    return _univariate("kl-half-normal-half-normal", "KL divergence between two half-normal distributions",
                       "KL(q || p) for q = HalfNormal(scale1), p = HalfNormal(scale2)", KL(Q, P), steps, q, p,
                       params=(scale1, scale2), cites=(ce.name, h.name))


HALF_NORMAL = HalfNormal(scale)
_moment_lemma(half_normal.NORMALISATION, "A half-normal density integrates to one", HALF_NORMAL, (scale,), 0)
_moment_lemma(half_normal.SECOND_MOMENT, "The second moment of a half-normal distribution", HALF_NORMAL, (scale,), 1)
_log_density_lemma(half_normal.LOG_DENSITY, "The log-density of a half-normal distribution, written out", HALF_NORMAL,
                   (scale,), "log q(z) for q = HalfNormal(scale)")
