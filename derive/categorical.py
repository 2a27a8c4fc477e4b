"""The walk for categorical distributions on K categories (K symbolic), with sums over the outcomes.

H(q, p) = −Σ_z q(z) log p(z) -> write out the mass functions (q(z) = π_z, p(z) = ρ_z) -> closed form;
KL(q ‖ p) = Σ_z q(z) log(q(z)/p(z)) -> log of a quotient -> write out -> Σ_k π_k (log π_k − log ρ_k), taken directly
(not as H(q, p) − H(q), which cancels as p → q). Checked at K = 2, 3, 4 (``derive.simplex.instantiate``) with each
probability vector written as positive components over their sum, so every random point is a distribution.
"""

from __future__ import annotations

from functools import partial

from sympy import Add, Mul, Sum, log

from derive.engine import P, Q
from derive.families.categorical import Categorical, z
from derive.simplex import K, instantiate, k
from derive.step import Binding, Step

LIMITS = (z, 1, K)
ZERO_TERMS = "a term with a zero probability in q is 0 (x log x -> 0 as x -> 0)"


def bindings(q: Categorical, p: Categorical | None = None) -> tuple[Binding, ...]:
    out = [Binding(Q, z, q.mass(z), q.law())]
    if p is not None:
        out.append(Binding(P, z, p.mass(z), p.law()))
    return tuple(out)


def instantiate_for(q: Categorical, p: Categorical | None = None):
    """``expr, n -> expr`` at K = n + 1 with the densities of ``q`` (and ``p``) and normalised probabilities."""
    bases = (q.probs,) + ((p.probs,) if p is not None else ())
    return partial(instantiate, bound=bindings(q, p), normalise=bases)


def expectation_steps(q: Categorical, target: Categorical, *, same: bool) -> tuple[Step, ...]:
    """Steps of ``−E_q[log target]``: the entropy of q when ``same``, the cross-entropy against target otherwise."""
    f = Q if same else P
    which = "q(z) = pi_z" if same else "q(z) = pi_z and p(z) = rho_z"
    return (
        Step(-Sum(Mul(Q(z), log(f(z)), evaluate=False), LIMITS), "definition", "", ()),
        Step(-Sum(Mul(q.mass(k), target.log_mass(k), evaluate=False), (k, 1, K)), "write-out",
             f"write out the mass functions, {which}, and name the outcome k; {ZERO_TERMS}", ()),
    )


def kl_steps(q: Categorical, p: Categorical) -> tuple[Step, ...]:
    """Steps of ``KL(q ‖ p) = Σ_k π_k (log π_k − log ρ_k)``."""
    return (
        Step(Sum(Mul(Q(z), log(Q(z) / P(z)), evaluate=False), LIMITS), "definition", "", ()),
        Step(Sum(Mul(Q(z), Add(log(Q(z)), -log(P(z)), evaluate=False), evaluate=False), LIMITS), "log-quotient",
             "the log of a quotient is the difference of the logs", ()),
        Step(Sum(Mul(q.mass(k), Add(q.log_mass(k), -p.log_mass(k), evaluate=False), evaluate=False), (k, 1, K)),
             "write-out", f"write out the mass functions, q(z) = pi_z and p(z) = rho_z, and name the outcome k; "
             f"{ZERO_TERMS}, and the divergence is +oo where some rho_k = 0 < pi_k", ()),
    )
