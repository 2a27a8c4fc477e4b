"""A lemma: a small proven fact ``∫ statistic(z) q(z) dz = value`` about one family, with its own derivation."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Lemma:
    """``∫ statistic · q dz = value`` for the density bound to ``q``; ``name`` is how steps cite it."""

    name: str
    title: str
    statistic: object
    value: object
