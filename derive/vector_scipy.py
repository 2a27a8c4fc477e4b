"""scipy.stats beside the categorical and Dirichlet closed forms (``derive verify``): the closed form at K = 2, 3, 4
and random admissible points against ``scipy.stats.dirichlet(alpha).entropy()`` and ``scipy.stats.entropy`` (the
entropy of a distribution, and with two the KL divergence)."""

from __future__ import annotations

from derive.prove import DerivationError
from derive.step import Derivation

NAMES = ("entropy-categorical", "kl-categorical-categorical", "entropy-dirichlet")
TOLERANCE = 1e-12


def _theirs(name, stats, vectors):
    if name == "entropy-dirichlet":
        return float(stats.dirichlet(vectors[0]).entropy())
    return float(stats.entropy(*vectors))  # scipy normalises probability vectors, as the derivation's points are


def check(derivation: Derivation) -> str:
    """The closed form against scipy.stats at K = 2, 3, 4; raises DerivationError when they differ by more than
    1e-12 (relative)."""
    try:
        from scipy import stats
    except ImportError:
        return ""
    from derive.checking import DIMENSIONS
    from derive.numeric import rng_for
    from derive.simplex import components

    rng = rng_for(derivation.name, "scipy")
    for n in DIMENSIONS:
        closed = derivation.instantiate(derivation.closed_form, n)
        for _ in range(4):
            vectors = [[rng.uniform(0.3, 3) for _ in range(n + 1)] for _ in derivation.params]
            point = {s: x for base, values in zip(derivation.params, vectors)
                     for s, x in zip(components(base, n + 1), values)}
            ours, theirs = float(closed.xreplace(point)), _theirs(derivation.name, stats, vectors)
            if abs(ours - theirs) > TOLERANCE * max(1.0, abs(theirs)):
                raise DerivationError(f"{derivation.name}: scipy.stats gives {theirs} at K = {n + 1}, {vectors}; "
                                      f"the closed form {ours}")
    return f"; scipy.stats agrees to {TOLERANCE:g} at K = 2, 3, 4"
