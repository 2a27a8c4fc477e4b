"""Symbolic equality proofs, cheapest route first."""

from __future__ import annotations

from sympy import Integral, Sum, expand, expand_log, gamma, log, loggamma, simplify


class DerivationError(ValueError):
    """A derivation could not be carried out or checked; the message names the derivation and the step."""


def symbolic_equal(a, b) -> bool:
    """True when ``a - b`` simplifies to 0 (logs expanded under the symbols' assumptions). False means 'not proven'."""
    diff = (a - b).doit() if (a.has(Integral, Sum) or b.has(Integral, Sum)) else a - b
    # log Γ(x) = log(Γ(x)) for the positive arguments derivations have
    diff = diff.replace(lambda e: isinstance(e, loggamma) and e.args[0].is_positive, lambda e: log(gamma(e.args[0])))
    if expand(expand_log(diff)) == 0:
        return True
    return simplify(diff) == 0
