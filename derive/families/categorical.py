"""The categorical family Categorical(probs) on the categories {1, …, K}, K symbolic: mass q(z) = probs_z, with
probs a probability vector (torch.distributions' name; its arguments are normalised to sum to one)."""

from __future__ import annotations

from functools import lru_cache

from sympy import Expr, IndexedBase, Symbol, log

from derive.notation import law_notation
from derive.simplex import K
from derive.symbols import LATEX_NAMES

#: the outcome, one of the categories 1..K
z = Symbol("z", integer=True, positive=True)
#: how the probability vectors print: q's as pi, p's as rho
LATEX = {"": r"\pi", "1": r"\pi", "2": r"\rho"}


@lru_cache(maxsize=None)
def probs(suffix: str = "") -> IndexedBase:
    """The probability vector ``probs`` + ``suffix`` (1 for q, 2 for p), componentwise."""
    label = Symbol("probs" + suffix)
    LATEX_NAMES.setdefault(label, LATEX[suffix])
    return IndexedBase(label, positive=True)


class Categorical:
    """Categorical(probs) with ``probs`` an IndexedBase: q(z) = probs_z for z in 1..K."""

    family = "categorical"
    discrete = True
    support = (1, K)

    def __init__(self, probabilities: IndexedBase):
        self.probs = probabilities

    def mass(self, x) -> Expr:
        return self.probs[x]

    def log_mass(self, x) -> Expr:
        return log(self.probs[x])

    def law(self) -> Expr:
        return law_notation("Categorical", 1)(self.probs)
