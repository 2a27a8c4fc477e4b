"""KL(Beta(a) ‖ Beta(b)) away from p = q without differences of large log Γ values.

The derived closed form log B(b) − log B(a) + Σ_k (a_k − b_k)(ψ(a_k) − ψ(A)) (A = a1 + a0) is a sum of terms of
size log Γ(A) whose total is O(1): float64 loses 200 ulp at concentrations near 12 and 5000 near 500. It is the
Bregman divergence of log B, and log Γ(x) = (x log x − x) + G(x) splits it into two parts, as for the Dirichlet
(``derive.emit.vector``):

    KL = Σ_k b_k (e^y_k − 1 − y_k) + Σ_k E(a_k, h_k) − E(A, H),   y_k = log((a_k/A)/(b_k/B)),  h = b − a,

B times the categorical KL between the means, and E the Bregman divergence of G (``lgamma_excess_bregman``: no
difference of nearby values). Near p = q the near-diagonal form (``derive.emit.near_diagonal``) is used instead.
``far_form`` checks the arrangement against the derived closed form before returning it.
"""

from __future__ import annotations

import random
from functools import lru_cache

from sympy import Abs, Add, Piecewise, Rational
from sympy.codegen.cfunctions import log1p

from derive.emit.bregman import lgamma_excess_bregman, product_difference
from derive.emit.identity import same
from derive.emit.stable import expm1mx, log_ratio

NAME = "kl-beta-beta"


@lru_cache(maxsize=None)
def far_form(name: str):
    """The arrangement above for ``kl-beta-beta`` (checked at three points), None for any other derivation."""
    if name != NAME:
        return None
    from derive import registry
    from derive.emit.near_diagonal import pair_parameters

    _, a, b, _ = pair_parameters(name)
    h = [bk - ak for ak, bk in zip(a, b)]
    A, H = Add(*a), Add(*h)
    # a_k B / (b_k A) = 1 ∓ D / (b_k A), D = b1 a0 − b0 a1 (Dekker's products, to an ulp): no cancellation where p
    # is near a scaling of q; the ratio of logs where the fraction is far from 1
    D = product_difference(b[0], a[1], b[1], a[0])
    r = [-D / (b[0] * A), D / (b[1] * A)]
    y = [Piecewise((log1p(rk), Abs(rk) < Rational(1, 2)), (log1p(H / A) - log_ratio(bk, ak), True))
         for ak, bk, rk in zip(a, b, r)]
    means = Add(*(bk * expm1mx(yk, (ak / bk) * ((A + H) / A), 1) for ak, bk, yk in zip(a, b, y)))
    value = (means + Add(*(lgamma_excess_bregman(ak, hk, bk) for ak, hk, bk in zip(a, h, b)))
             - lgamma_excess_bregman(A, H, Add(*b)))
    derived = registry.get(name).closed_form
    rng = random.Random(name)
    for _ in range(3):
        point = {t: Rational(rng.randint(5, 2000), 100) for t in (*a, *b)}
        same(name, derived, value, point, what="arrangement")
    return value
