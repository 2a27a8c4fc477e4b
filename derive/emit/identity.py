"""Checks that a hand-arranged expression for emitted code equals the derived one, before it is used.

The stable rearrangements written through helper functions (ψ′ − 1/x, Bregman divergences of log Γ, Dekker's
products, k·(e^x − 1 − x), …) are compared with the derivation's own expression at exact rational points, to 30
digits at 40, after each helper function is replaced by its definition (``DEFINITIONS``).
"""

from __future__ import annotations

from sympy import S, digamma, log, loggamma, pi, polygamma

from derive.emit.bregman import lgamma_excess_bregman, product_difference, trigamma_excess, trigamma_excess_difference
from derive.emit.loader import bd0, extended, held, log_factorial, logpmf, plain_logpmf, stirlerr
from derive.emit.stable import as_array, expm1mx, finite_product, log_ratio, log_ratio_of, xlog1p


def _lgamma_excess(x):
    """G(x) = log Γ(x) − (x log x − x)."""
    return loggamma(x) - x * log(x) + x


#: each helper function by its definition
DEFINITIONS = {
    trigamma_excess: lambda x: polygamma(1, x) - 1 / x,
    trigamma_excess_difference: lambda x, y: polygamma(1, x) - 1 / x - polygamma(1, x + y) + 1 / (x + y),
    product_difference: lambda a, b, c, d: a * b - c * d,
    lgamma_excess_bregman: lambda a, h, b: _lgamma_excess(b) - _lgamma_excess(a) - h * (digamma(a) - log(a)),
    expm1mx: lambda x, kex, k: kex - k - k * x,
    log_ratio: lambda a, b: log(a / b),
    log_ratio_of: lambda a, b, d: log(a / b),
    xlog1p: lambda e: (1 + e) * log(1 + e),
    finite_product: lambda m, lm: m,
    stirlerr: lambda n: loggamma(n + 1) - (n + S.Half) * log(n) + n - log(2 * pi) / 2 if n != 0 else S.Zero,
    bd0: lambda x, m: x * log(x / m) + m - x,
    held: lambda x: x,
    log_factorial: lambda m: loggamma(m + 1),
    as_array: lambda x, n: n,
}


def plain(expr):
    """``expr`` with each helper function written out by its definition (a log-pmf by its helper's steps, a
    double-double helper by its body)."""
    expr = expr.replace(lambda e: isinstance(e, logpmf), plain_logpmf)
    expr = expr.replace(lambda e: isinstance(e, extended), lambda e: type(e).body(*e.args))
    for f, definition in DEFINITIONS.items():
        expr = expr.replace(lambda e, f=f: isinstance(e, f), lambda e, d=definition: d(*e.args))
    return expr


def same(name: str, derived, arranged, point, what: str = "closed-form curvature") -> None:
    """Raise AssertionError unless ``arranged`` equals ``derived`` at ``point`` to 30 digits."""
    from derive.numeric import close

    a, b = derived.xreplace(point).evalf(40), plain(arranged).xreplace(point).evalf(40)
    if not close(a, b):
        raise AssertionError(f"{name}: the {what} {b} differs from the derived one {a} at {point}")
