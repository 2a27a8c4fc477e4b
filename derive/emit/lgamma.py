"""Bregman divergences of log Γ in a closed form, without the difference of two large log Γ values.

A KL between members of a family with a log Γ in its normaliser (gamma, inverse gamma, …) has the shape
c·(log Γ(X2) − log Γ(X1) − (X2 − X1) ψ(X1)) + …, whose three terms are of size X log X while their total is
O((X2 − X1)²/X): float64 loses 100 ulp at concentrations near 10 and 2·10⁴ near 1000. With log Γ(x) = (x log x − x)
+ G(x), the group is

    X2 (log X2 − log X1) − X2 + X1  +  E(X1, X2 − X1),

E the Bregman divergence of G (``derive.emit.bregman.lgamma_excess_bregman``: no difference of nearby values), and
the first part is left to the stable pass, which pairs its logs with the closed form's others (for the gamma,
a2 (m − 1 − log m) with m = a1 r2/(a2 r1): ``expm1mx``). ``rewrite`` finds each group and checks the result.
"""

from __future__ import annotations

import random

from sympy import Rational, default_sort_key, expand, log, loggamma, polygamma, simplify

from derive.emit.bregman import lgamma_excess_bregman
from derive.emit.identity import same


def rewrite(expr, name: str = ""):
    """``expr`` with every group c·(log Γ(X2) − log Γ(X1) − (X2 − X1) ψ(X1)) written as above; unchanged when it has
    none (or a part of the pattern is missing)."""
    if not expr.has(loggamma) or not expr.has(polygamma):
        return expr
    e = expand(expr)
    out, changed = e, False
    for lg in sorted(e.atoms(loggamma), key=default_sort_key):
        x1 = lg.args[0]
        c = -e.coeff(lg)
        psi = e.coeff(polygamma(0, x1))
        if c == 0 or psi == 0 or c.has(loggamma, polygamma):
            continue
        x2 = simplify(x1 - psi / c)
        if x2 == x1 or x2.has(polygamma, loggamma) or simplify(e.coeff(loggamma(x2)) - c) != 0:
            continue
        group = loggamma(x2) - loggamma(x1) - (x2 - x1) * polygamma(0, x1)
        split = x2 * (log(x2) - log(x1)) - x2 + x1 + lgamma_excess_bregman(x1, x2 - x1, x2)
        out = out - c * expand(group) + c * split
        changed = True
    if not changed:
        return expr
    _check(name, expr, out)
    return out


def _check(name, expr, out):
    """The rewritten form equals the original at three points (positive values for its free symbols)."""
    rng = random.Random(name or str(expr))
    symbols = sorted(expr.free_symbols, key=default_sort_key)
    for _ in range(3):
        point = {s: Rational(rng.randint(5, 2000), 100) for s in symbols}
        same(name, expr, out, point, what="log-gamma arrangement")


__all__ = ["rewrite"]
