"""Pairs that are finite only under a condition on the parameters (supports that depend on them, moments that exist
only for some), the checks of the step that says so, and expectations kept as series."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from sympy import Piecewise, Sum, Symbol, factorial, log, oo

from derive import registry, support
from derive.checking import check_steps
from derive.families.bernoulli import Bernoulli
from derive.families.exponential import Exponential
from derive.families.pareto import Pareto
from derive.families.uniform import Uniform
from derive.lemmas import kept_expectation
from derive.numeric import CONDITION, random_point
from derive.prove import DerivationError
from derive.step import Derivation


def _condition(name):
    closed = registry.get(name).closed_form
    assert isinstance(closed, Piecewise) and closed.args[1] == (oo, True)
    return closed.args[0].cond


@pytest.mark.parametrize("name, holds, fails", [
    ("kl-uniform-uniform", {"low1": 0, "high1": 1, "low2": -1, "high2": 2},
     {"low1": -2, "high1": 1, "low2": -1, "high2": 2}),
    ("kl-uniform-exponential", {"low1": 0.5, "high1": 1}, {"low1": -0.5, "high1": 1}),
    ("kl-pareto-pareto", {"scale1": 2, "scale2": 1}, {"scale1": 1, "scale2": 2}),
    ("kl-pareto-exponential", {"alpha1": 1.5}, {"alpha1": 0.9}),
    ("kl-pareto-normal", {"alpha1": 2.5}, {"alpha1": 1.5}),
    ("kl-beta-uniform", {"low2": -0.1, "high2": 1.1}, {"low2": 0.1, "high2": 1.1}),
    ("kl-binomial-binomial", {"total_count1": 3, "total_count2": 5}, {"total_count1": 5, "total_count2": 3}),
])
def test_a_conditional_pair_is_finite_exactly_where_its_condition_holds(name, holds, fails):
    cond = _condition(name)
    by_name = {str(s): s for s in cond.free_symbols}
    assert cond.xreplace({by_name[k]: v for k, v in holds.items() if k in by_name}) == True  # noqa: E712
    assert cond.xreplace({by_name[k]: v for k, v in fails.items() if k in by_name}) == False  # noqa: E712
    step = registry.get(name).steps[1]
    assert step.rule == "finiteness" and "+oo" in step.justification


def test_the_finiteness_step_fails_when_the_condition_is_wrong():
    """A planted condition that claims finiteness where q leaks out of p's support (or a Pareto mean diverges)."""
    q, p = Uniform.member("1"), Exponential(Symbol("rate2", positive=True))
    params = (*q.params, p.rate)
    with pytest.raises(DerivationError, match="finite where q's support leaves"):
        support.checker(q, p, params, finite=q.high > q.low)("planted")
    pq, pe = Pareto.member("1"), Exponential(Symbol("rate2", positive=True))
    integrand = -pq.density(Symbol("z")) * pe.log_density(Symbol("z"))
    with pytest.raises(DerivationError, match="converges"):  # claims +oo for alpha <= 3, but alpha > 1 converges
        support.checker(pq, pe, (*pq.params, pe.rate), finite=pq.alpha > 3, integrand=integrand,
                        z=Symbol("z"))("planted")


def test_a_planted_wrong_finite_branch_is_caught_by_the_step_check():
    d = registry.get("kl-pareto-exponential")
    (value, cond), rest = d.steps[-1].expr.args
    wrong = replace(d.steps[-1], expr=Piecewise((value + Symbol("alpha1", positive=True) / 100, cond), rest))
    with pytest.raises(DerivationError):
        check_steps(Derivation(**{**d.__dict__, "steps": d.steps[:-1] + (wrong,)}), points=2)


def test_random_points_meet_the_joint_relation():
    q = Uniform.member("1")
    rng = random.Random(1)
    for _ in range(50):
        point = random_point(list(q.params), rng, q.domains())
        assert point[q.high] > point[q.low]
    assert CONDITION in q.domains()


def test_a_kept_series_must_have_no_closed_form():
    z = Symbol("z")
    with pytest.raises(DerivationError, match="has a closed form"):
        kept_expectation(Bernoulli.member(""), z)
    kept = registry.get("lemma-poisson-log-factorial-mean").closed_form
    assert isinstance(kept, Sum) and any(a.args[0].func == factorial for a in kept.function.atoms(log))


def test_poisson_kl_cancels_the_series_and_matches_scipy():
    np = pytest.importorskip("numpy")
    stats = pytest.importorskip("scipy.stats")
    from generated import function

    closed = registry.get("kl-poisson-poisson").closed_form
    assert not closed.has(oo) and "Sum" not in str(closed)
    r1, r2 = np.array([0.3, 2.0, 7.5]), np.array([1.1, 2.0, 3.0])
    k = np.arange(0, 200)
    expected = [np.sum(stats.poisson(a).pmf(k) * (stats.poisson(a).logpmf(k) - stats.poisson(b).logpmf(k)))
                for a, b in zip(r1, r2)]
    np.testing.assert_allclose(function("kl-poisson-poisson")(r1, r2), expected, rtol=1e-12, atol=1e-15)


def test_kept_series_are_summed_in_numpy():
    np = pytest.importorskip("numpy")
    stats = pytest.importorskip("scipy.stats")
    from generated import function

    from derive.emit.code import CodeError, emit_module

    rate = np.array([0.05, 1.0, 7.5, 30.0])
    np.testing.assert_allclose(function("entropy-poisson")(rate), [stats.poisson(r).entropy() for r in rate],
                               rtol=1e-12)
    # at rate 250 the derived form -r log r + r + E[log z!] cancels terms of 10^3 (and e^(z log r - ...) carries
    # 10^-13 relative error): 4e-11 measured
    np.testing.assert_allclose(function("entropy-poisson")(250.0), stats.poisson(250.0).entropy(), rtol=1e-10)
    n, p = np.array([1.0, 5.0, 40.0]), np.array([0.5, 0.1, 0.93])
    np.testing.assert_allclose(function("entropy-binomial")(n, p), [stats.binom(a, b).entropy() for a, b in zip(n, p)],
                               rtol=1e-12)
    # past rate 750 the first chunks' terms all underflow to 0, which ended the sum (-21019 for 5.42 at 3000)
    np.testing.assert_allclose(function("entropy-poisson")(3000.0), 5.4220945346204325833, rtol=1e-8)
    with pytest.raises(CodeError, match="--grad is not available"):
        emit_module("entropy-poisson", "torch", grad=True)


def test_large_binomials_sum_their_terms_in_log_space():
    """C(n, z) p^z (1 - p)^(n - z) as one exponential of log Γ's: with Γ(n + 1) a factor of its own (SymPy's
    e^(log Γ(n + 1))), the entropy at n = 200 was 122 for 3.29. Beyond that, the derived form E[log C(n, z)] - n H(p)
    cancels terms of size 600 at n = 1000 (1e-10 relative measured)."""
    np = pytest.importorskip("numpy")
    stats = pytest.importorskip("scipy.stats")
    from generated import function

    n, p = np.array([200.0, 1000.0]), np.array([0.3, 0.7])
    np.testing.assert_allclose(function("entropy-binomial")(n, p), [stats.binom(a, b).entropy() for a, b in zip(n, p)],
                               rtol=1e-9)


@pytest.mark.parametrize("target", ["torch", "jax", "tensorflow"])
def test_series_are_summed_on_every_target(target):
    """The binomial's series end at total_count, the Poisson's do not: every target sums them for all elements at
    once (JAX in float32 unless x64 is enabled: the Poisson's -r log r + r + E[log z!] then keeps 3 digits at rate
    250)."""
    np = pytest.importorskip("numpy")
    stats = pytest.importorskip("scipy.stats")
    pytest.importorskip(target)
    from generated import function

    n, p = np.array([1.0, 5.0, 40.0, 3.0]), np.array([0.5, 0.1, 0.93, 0.2])
    got = np.asarray(function("entropy-binomial", target)(n, p))
    # JAX computes in float32 unless x64 is enabled: E[log C(n, z)] - n H(p) cancels a factor 10 at n = 40
    rtol = 1e-4 if target == "jax" else 1e-12
    np.testing.assert_allclose(got, [stats.binom(a, b).entropy() for a, b in zip(n, p)], rtol=rtol)
    rate = np.array([0.05, 1.0, 7.5, 30.0, 250.0])  # an infinite series, summed in chunks
    got = np.asarray(function("entropy-poisson", target)(rate))
    expected = [stats.poisson(r).entropy() for r in rate]
    np.testing.assert_allclose(got, expected, rtol=5e-3 if target == "jax" else 1e-10)
    n2 = np.array([1.0, 9.0, 40.0, 2.0])  # smaller, larger, equal and smaller total counts
    p2 = p[::-1].copy()
    kl = np.asarray(function("kl-binomial-binomial", target)(n, p, n2, p2))
    np.testing.assert_allclose(kl, function("kl-binomial-binomial")(n, p, n2, p2), rtol=rtol)
    assert np.isinf(kl[3]), "q's total count above p's: q puts mass where p has none"
