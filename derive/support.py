"""Where q puts mass and p has none: the reason a cross-entropy or KL divergence is +∞."""

from __future__ import annotations

from sympy import Interval, oo

from derive.prove import DerivationError


def gap(q, p):
    """A point of q's support outside p's (None when q's support lies inside p's), for supports with numeric ends."""
    (qlo, qhi), (plo, phi) = q.support, p.support
    inside = Interval(qlo, qhi).is_subset(Interval(plo, phi))
    if inside is None:
        raise DerivationError(f"cannot decide whether the support of {q.family} lies inside that of {p.family}")
    if inside:
        return None
    if qlo < plo:
        return plo - 1 if qlo == -oo else (qlo + plo) / 2
    return phi + 1 if qhi == oo else (qhi + phi) / 2


def describe(q, p) -> str:
    """Words for the gap: 'q = ... puts mass on (-oo, 0], where p = ... has none'."""
    (qlo, qhi), (plo, phi) = q.support, p.support
    pieces = []
    if qlo < plo:
        pieces.append(f"({qlo}, {plo}]")
    if qhi > phi:
        pieces.append(f"[{phi}, {qhi})")
    return (f"q puts mass on {' and '.join(pieces)}, where p has none: there log p(z) = -oo on a set of positive "
            "q-probability, so the integral diverges to +oo")


def checker(q, p):
    """A step check: at the gap point, q's density is positive at random parameters and the point is outside p's
    support."""
    from derive.numeric import random_point, rng_for

    def check(label: str) -> str:
        w = gap(q, p)
        if w is None:
            raise DerivationError(f"{label}: the support of q lies inside that of p")
        rng = rng_for(label)
        params = sorted(q.density(w).free_symbols, key=str)
        for _ in range(4):
            value = q.density(w).xreplace(random_point(params, rng))
            if not value.is_positive:
                raise DerivationError(f"{label}: q's density at z = {w} is {value}, not positive")
        return f"support: q(z) > 0 at z = {w} (4 random points), outside p's support {Interval(*p.support)}"

    return check

