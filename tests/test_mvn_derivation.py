"""The multivariate normal derivations: they reduce to the univariate and diagonal results, planted errors in their
matrix steps are caught, they render with bold vectors, tr and det, and the emitted code computes their closed
forms."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from sympy import Inverse, MatMul, Mul, S, Symbol, Trace, expand_log, simplify

from derive import registry
from derive.checking import StepCheckError, check_steps
from derive.mvn import cholesky_factor, instantiate
from derive.render.documents import latex
from derive.symbols import mu1, mu2, sigma1, sigma2
from generated import function

MVN = ("entropy-mvn", "cross-entropy-mvn-mvn", "kl-mvn-mvn", "kl-mvn-std-normal")


def closed(name, n):
    d = registry.get(name)
    return d.instantiate(d.closed_form, n)


def same(a, b) -> bool:
    return simplify(expand_log(a - b, force=True)) == 0


def test_k1_reduces_to_the_univariate_results():
    """At k = 1, Σ = L_11²: the univariate closed forms with σ = L_11 (derived separately, by the scalar walk)."""
    l1, l2 = (cholesky_factor(f"Sigma{s}", 1)[0, 0] for s in ("1", "2"))
    m1, m2 = Symbol("mu1_1", real=True), Symbol("mu2_1", real=True)
    uni = {mu1: m1, sigma1: l1, mu2: m2, sigma2: l2}
    for mvn_name, uni_name in (("kl-mvn-mvn", "kl-normal-normal"),
                               ("cross-entropy-mvn-mvn", "cross-entropy-normal-normal")):
        assert same(closed(mvn_name, 1), registry.get(uni_name).closed_form.xreplace(uni)), mvn_name
    l, m = cholesky_factor("Sigma", 1)[0, 0], Symbol("mu_1", real=True)
    entropy = registry.get("entropy-normal")
    assert same(closed("entropy-mvn", 1), entropy.closed_form.xreplace(dict(zip(entropy.params, (m, l)))))


def _diagonal(n, *names):
    """Off-diagonal Cholesky entries of the named covariances set to 0: Σ = diag(L_ii²)."""
    return {x: S.Zero for name in names for x in cholesky_factor(name, n) if x.is_positive is not True and x != 0}


@pytest.mark.parametrize("n", [2, 3])
def test_diagonal_covariances_reduce_to_sums_of_univariate_kls(n):
    diag = _diagonal(n, "Sigma1", "Sigma2")
    general = closed("kl-mvn-mvn", n).xreplace(diag)
    uni = registry.get("kl-normal-normal").closed_form
    total = sum(uni.xreplace({mu1: Symbol(f"mu1_{i}", real=True), mu2: Symbol(f"mu2_{i}", real=True),
                              sigma1: cholesky_factor("Sigma1", n)[i - 1, i - 1],
                              sigma2: cholesky_factor("Sigma2", n)[i - 1, i - 1]}) for i in range(1, n + 1))
    assert same(general, total)


def test_diagonal_std_normal_kl_is_the_d_dimensional_diag_result():
    n = 3
    mvn = closed("kl-mvn-std-normal", n).xreplace(_diagonal(n, "Sigma"))
    diag = registry.get("kl-normal-std-normal-diag")
    d_dim = diag.instantiate(diag.closed_form, n)  # plain symbols mu_d, sigma_d
    # both name the means mu_1..mu_n; the diagonal's sigma_i is the factor's L_ii
    rename = {Symbol(f"sigma_{i}", positive=True): cholesky_factor("Sigma", n)[i - 1, i - 1] for i in range(1, n + 1)}
    assert same(mvn, d_dim.xreplace(rename))


def _planted(name, step, expr):
    d = registry.get(name)
    steps = list(d.steps)
    steps[step - 1] = dataclasses.replace(steps[step - 1], expr=expr)
    return dataclasses.replace(d, steps=tuple(steps))


def test_swapped_covariances_in_the_trace_are_caught():
    d = registry.get("cross-entropy-mvn-mvn")
    s1, s2 = d.params[1], d.params[3]
    wrong = d.steps[3].expr.xreplace({Trace(MatMul(Inverse(s2), s1)): Trace(MatMul(Inverse(s1), s2))})
    assert wrong != d.steps[3].expr
    with pytest.raises(StepCheckError, match=r"cross-entropy-mvn-mvn: step 4 \(moment-lemmas\) at k = 1"):
        check_steps(_planted("cross-entropy-mvn-mvn", 4, wrong))


def test_dropped_half_in_the_quadratic_form_lemma_is_caught():
    d = registry.get("lemma-mvn-quadratic-form")
    wrong = Mul(2, d.steps[-1].expr)
    with pytest.raises(StepCheckError, match=r"lemma-mvn-quadratic-form: step 5 \(moments\) at k = 1"):
        check_steps(_planted("lemma-mvn-quadratic-form", 5, wrong))


@pytest.mark.parametrize("name", MVN)
def test_latex_has_bold_vectors_trace_and_det(name):
    tex = latex(name)
    assert r"\boldsymbol{\Sigma}" in tex and r"\det\left(" in tex and r"\mathbf{z}" in tex
    if name != "entropy-mvn":
        assert r"\boldsymbol{\mu}" in tex and r"\operatorname{tr}" in tex


@pytest.mark.parametrize("name", MVN)
def test_emitted_numpy_code_computes_the_derived_closed_form(name):
    """The derivation's closed form at k = 3 (written out with Σ = L Lᵀ) against the emitted NumPy function."""
    d = registry.get(name)
    n = 3
    rng = np.random.default_rng(5)
    expr = d.instantiate(d.closed_form, n)
    point, args = {}, []
    for p in d.params:
        if p.shape[1] == 1:
            values = rng.normal(size=n)
            point |= {s: v for s, v in zip(instantiate(p, n), values)}
            args.append(values)
        else:
            factor = cholesky_factor(p.name, n)
            values = np.tril(rng.normal(size=(n, n)), -1) + np.diag(rng.uniform(0.5, 2, n))
            point |= {factor[i, j]: values[i, j] for i in range(n) for j in range(i + 1)}
            args.append(values)
    ours = function(name, "numpy")(*args)
    assert float(expr.xreplace(point).evalf(30)) == pytest.approx(float(ours), rel=1e-12)


def test_mvn_steps_check():
    for name in ("lemma-mvn-log-density", "kl-mvn-std-normal"):
        assert all("k = 1, 2, 3" in c.method for c in check_steps(registry.get(name)))
