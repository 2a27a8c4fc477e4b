"""The walk for Dirichlet distributions on the simplex Δ^{K−1} (K symbolic), and its two lemmas.

H(q, p) = −∫ q log p dz -> write out the log-density of p -> linearity (over the sum over k too) -> q integrates
to one and E_q[log z_k] = ψ(α_k) − ψ(α_0) -> closed form. KL(q ‖ p) = H(q, p) − H(q), citing both.

The lemmas are derived, not asserted:

* ``lemma-dirichlet-normalisation``: ∫_Δ ∏_k z_k^(α_k − 1) dz = ∏_k Γ(α_k) / Γ(α_0), by the stick-breaking
  substitution (a product of beta integrals, Fubini) and a telescoping product.
* ``lemma-dirichlet-log-mean``: E_q[log z_k] = ψ(α_k) − ψ(α_0), by writing log z_k · z_k^(α_k − 1) as the
  derivative of z_k^(α_k − 1) with respect to α_k, differentiating under the integral sign and using the
  normalisation: E_q[log z_k] = ∂/∂α_k log B(α).

Every step is checked at K = 2, 3, 4 (``derive.simplex``: integrals over the simplex as one-dimensional integrals
in stick-breaking coordinates, 30-digit quadrature).
"""

from __future__ import annotations

from functools import partial

from sympy import Add, Derivative, Integral, Mul, Product, Sum, gamma, log, loggamma

from derive.engine import P, Q
from derive.families.dirichlet import LOG_MEAN, NORMALISATION, Dirichlet
from derive.simplex import K, i, instantiate, j, k, over_cube, over_simplex, total, v, z
from derive.step import Binding, Step
from derive.symbols import z_vec

BETA_NORMALISATION = "lemma-beta-normalisation"


def _sum(*terms):
    return Add(*terms, evaluate=False)


def bindings(q: Dirichlet, p: Dirichlet | None = None) -> tuple[Binding, ...]:
    out = [Binding(Q, z_vec, q.density(), q.law())]
    if p is not None:
        out.append(Binding(P, z_vec, p.density(), p.law()))
    return tuple(out)


def instantiate_for(q: Dirichlet, p: Dirichlet | None = None, index=None):
    """``expr, n -> expr`` at K = n + 1 with the densities of ``q`` (and ``p``); the free index k at
    ``index(n)``."""
    bound = bindings(q, p)
    if index is None:
        return partial(instantiate, bound=bound)
    return lambda expr, n: instantiate(expr, n, bound=bound, index=index(n))


def equal_at_dimensions(inst):
    """a = b (no integrals) at K = 2, 3, 4 after ``inst``, symbolically or at random points (closed-form steps)."""

    def equal(a, b) -> bool:
        from derive.checking import DIMENSIONS, compare
        from derive.prove import DerivationError

        try:
            for n in DIMENSIONS:
                compare(inst(a, n), inst(b, n), {}, label="closed form", points=2)
        except DerivationError:
            return False
        return True

    return equal


def expectation_steps(q: Dirichlet, target: Dirichlet, *, same: bool, canonical, where: str, inst,
                      log_mean=None) -> tuple[Step, ...]:
    """Steps of ``−E_q[log target]``: the entropy of q when ``same``, the cross-entropy against target otherwise.
    ``log_mean`` (index -> value) is E_q[log z_k], the lemma's closed form by default."""
    from derive.engine import rule_closed_form

    log_mean = log_mean or q.log_mean
    f = Q if same else P
    const, stat = target.neg_log_density_terms()
    weight = target.alpha[k] - 1
    steps = [
        Step(-over_simplex(Mul(Q(z_vec), log(f(z_vec)), evaluate=False)), "definition", "", ()),
        Step(over_simplex(Mul(Q(z_vec), _sum(const, stat), evaluate=False)), "expand-log-density",
             f"write out the log-density of {'q' if same else 'p'}: a log of a product is a sum of logs", ()),
        Step(_sum(Mul(const, over_simplex(Q(z_vec)), evaluate=False),
                  -Sum(Mul(weight, over_simplex(Mul(log(z[k]), Q(z_vec), evaluate=False)), evaluate=False),
                       (k, 1, K))),
             "linearity", "linearity of the integral, also over the finite sum over k; the constants do not depend "
             "on z", ()),
        Step(_sum(const, -Sum(Mul(weight, log_mean(k), evaluate=False), (k, 1, K))), "moment-lemmas",
             "q integrates to one (the normalisation lemma); E_q[log z_k] = psi(alpha_k) - psi(alpha_0)",
             (NORMALISATION, LOG_MEAN)),
    ]
    steps.append(rule_closed_form(steps[-1].expr, canonical, where, equal=equal_at_dimensions(inst)))
    return tuple(steps)


def kl_steps(cross_entropy, entropy, *, canonical, where: str, inst) -> tuple[Step, ...]:
    """Steps of ``KL(q ‖ p) = ∫ q log(q/p) dz = H(q, p) − H(q)``; ``cross_entropy`` and ``entropy`` are (name,
    closed form) pairs in q's and p's parameters."""
    from derive.engine import rule_closed_form

    ce_def = -over_simplex(Mul(Q(z_vec), log(P(z_vec)), evaluate=False))
    h_def = over_simplex(Mul(Q(z_vec), log(Q(z_vec)), evaluate=False))
    steps = [
        Step(over_simplex(Mul(Q(z_vec), log(Q(z_vec) / P(z_vec)), evaluate=False)), "definition", "", ()),
        Step(_sum(ce_def, h_def), "log-quotient",
             "log of a quotient is a difference of logs; linearity: cross-entropy minus entropy", ()),
        Step(_sum(cross_entropy[1], Mul(-1, entropy[1], evaluate=False)), "cite",
             "insert the closed forms of the cross-entropy and the entropy derived above",
             (cross_entropy[0], entropy[0])),
    ]
    steps.append(rule_closed_form(steps[-1].expr, canonical, where, equal=equal_at_dimensions(inst)))
    return tuple(steps)


def normalisation_steps(q: Dirichlet) -> tuple[Step, ...]:
    """Steps of ∫_Δ ∏_j z_j^(α_j − 1) dz = ∏_j Γ(α_j) / Γ(α_0)."""
    a = q.alpha
    rest = Sum(a[j], (j, i + 1, K))  # β_i = α_{i+1} + … + α_K
    return (
        Step(over_simplex(q.kernel()), "definition", "", ()),
        Step(over_cube(Product(v[i] ** (a[i] - 1) * (1 - v[i]) ** (rest - 1), (i, 1, K - 1))), "stick-breaking",
             "substitute z_k = v_k prod_{i<k} (1 - v_i) for k < K and z_K = prod_{i<K} (1 - v_i), a bijection of the "
             "cube (0, 1)^(K-1) onto the simplex with Jacobian prod_i (1 - v_i)^(K-1-i); collect the powers of "
             "each 1 - v_i", ()),
        Step(Product(Integral(v[i] ** (a[i] - 1) * (1 - v[i]) ** (rest - 1), (v[i], 0, 1)), (i, 1, K - 1)), "fubini",
             "the integrand is a product of functions of one v_i each: integrate coordinate by coordinate", ()),
        Step(Product(gamma(a[i]) * gamma(rest) / gamma(a[i] + rest), (i, 1, K - 1)), "beta-integral",
             "Euler's beta integral, int_0^1 v^(a-1) (1-v)^(b-1) dv = Gamma(a) Gamma(b) / Gamma(a+b)",
             (BETA_NORMALISATION,)),
        Step(Product(gamma(a[j]), (j, 1, K)) / gamma(total(a)), "telescoping",
             "alpha_i + (alpha_{i+1} + ... + alpha_K) is the sum that the factor before divides by (alpha_0 for "
             "i = 1): the product telescopes", ()),
    )


def log_mean_steps(q: Dirichlet) -> tuple[Step, ...]:
    """Steps of E_q[log z_k] = ψ(α_k) − ψ(α_0) (k free)."""
    a = q.alpha
    c = q.normaliser()
    log_b = _sum(Sum(loggamma(a[j]), (j, 1, K)), -loggamma(total(a)))
    return (
        Step(over_simplex(Mul(log(z[k]), Q(z_vec), evaluate=False)), "definition", "", ()),
        Step(Mul(c, over_simplex(Mul(log(z[k]), q.kernel(), evaluate=False)), evaluate=False), "write-out",
             "write out the Dirichlet density; its normalising constant does not depend on z", ()),
        Step(Mul(c, over_simplex(Derivative(q.kernel(), a[k])), evaluate=False), "derivative",
             "log(z_k) z_k^(alpha_k - 1) is the derivative of z_k^(alpha_k - 1) with respect to alpha_k, and the "
             "other factors do not depend on alpha_k", ()),
        Step(Mul(c, Derivative(over_simplex(q.kernel()), a[k]), evaluate=False), "leibniz",
             "differentiate under the integral sign (for alpha_k > 0 the derivative is dominated by an integrable "
             "function of z)", ()),
        Step(Mul(c, Derivative(Product(gamma(a[j]), (j, 1, K)) / gamma(total(a)), a[k]), evaluate=False),
             "dirichlet-integral", "the Dirichlet integral (the normalisation lemma)", (NORMALISATION,)),
        Step(Derivative(log_b, a[k]), "log-derivative",
             "the normalising constant is the reciprocal of the integral, and f'/f = (log f)'", ()),
        Step(q.log_mean(k), "differentiate",
             "only the k-th term of the sum depends on alpha_k; the chain rule through alpha_0 = sum_j alpha_j; "
             "psi is the derivative of log Gamma", ()),
    )


def lemma_index(n: int) -> int:
    """The category the lemma with a free k is checked at, at K = n + 1: the last (K = 2), a middle one (K = 3),
    the first (K = 4), so the three kinds of stick-breaking coordinate are all checked."""
    return {1: 2, 2: 2, 3: 1}[n]


def integrate_definition(definition, n: int):
    """``sympy.integrate`` of an instantiated definition (one-dimensional integrals over (0, 1)): SymPy does the
    beta integral (as a hypergeometric function at 1), not the one with log v (it gives no answer in 90 s); such a
    definition is reported as not settled straight away."""
    from sympy import integrate

    from derive.verify import NotSettled

    integrals = definition.atoms(Integral)
    if any(x.function.has(log) for x in integrals):
        raise NotSettled("sympy.integrate cannot do int_0^1 v^(a-1) (1-v)^(b-1) log(v) dv (no answer in 90 s on "
                         "this machine); the step chain and quadrature stand")
    return definition.xreplace({x: integrate(x.function, x.limits[0], conds="none") for x in integrals})


integrate_definition.label = "sympy.integrate in stick-breaking coordinates"
