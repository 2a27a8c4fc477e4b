"""The stable pass writes a positive semi-definite quadratic form, spelt out as monomials, as a sum of squares
(``derive.emit.stable.SquaresOpt``): checked symbolically against the form, on random forms, and by the accuracy
it buys the uniform's KL against a normal (30 ulp before)."""

from __future__ import annotations

import mpmath
import numpy as np
from generated import function
from hypothesis import given, settings
from hypothesis import strategies as st
from sympy import EulerGamma, Matrix, Pow, Rational, Symbol, expand, pi

from derive import registry
from derive.emit.squares import SquaresOpt, _sum_of_squares

h, l, m, s, x3 = (Symbol(n, real=True) for n in ("high1", "low1", "mu2", "scale1", "x3"))
sigma = Symbol("sigma2", positive=True)


def _monomials(form):
    return [(SquaresOpt._split(t)[0], SquaresOpt._split(t)[2]) for t in expand(form).as_ordered_terms()]


def test_the_uniform_against_a_normal_becomes_two_squares():
    form = (h**2 + h * l + l**2) / 6 - (h + l) * m / 2 + m**2 / 2
    written = SquaresOpt()(expand(form / sigma**2))
    assert expand(written - form / sigma**2) == 0
    squares = [p for p in written.atoms(Pow) if p.exp == 2 and p.base.is_Add]
    assert len(squares) == 2, written  # (mu - (h + l)/2)^2 / 2 + (h - l)^2 / 24, over sigma^2


def test_irrational_coefficients_complete_the_square():
    """A Gumbel's mean loc + γ·scale: (loc − μ + γ·scale)²/2 + π²/12·scale²."""
    form = (l - m + EulerGamma * s) ** 2 / 2 + pi**2 / 12 * s**2
    squares = _sum_of_squares(_monomials(form))
    assert squares is not None and (squares - form).expand().simplify() == 0
    assert len(squares.args) == 2


def test_an_indefinite_form_is_left_alone():
    assert _sum_of_squares(_monomials(h**2 - 3 * h * l + l**2)) is None
    expr = expand((h**2 - 3 * h * l + l**2) / sigma**2)
    assert SquaresOpt()(expr) == expr


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-4, 4), min_size=9, max_size=9), st.lists(st.integers(0, 3), min_size=3, max_size=3))
def test_random_semi_definite_forms_are_the_same_polynomial(entries, weights):
    """B D Bᵀ with D >= 0 is semi-definite (some rank-deficient): its sum of squares expands back to it, with
    non-negative weights."""
    B, xs = Matrix(3, 3, entries), Matrix([h, l, m])
    form = expand((xs.T * B * Matrix.diag(*[Rational(w) for w in weights]) * B.T * xs)[0])
    if form == 0:
        return
    squares = _sum_of_squares(_monomials(form))
    assert squares is not None
    assert expand(squares - form) == 0
    assert all(t.as_coeff_Mul()[0] > 0 for t in squares.as_ordered_terms())


def test_uniform_against_normal_lost_128_ulp_and_now_12():
    """Over 300 random points (was 128 ulp with the form written out). What is left is log(sigma2/(high1 - low1))
    rounding where the KL is near its least value, ½ log(πe/6) = 0.176, and the log term is several times it."""
    name = "kl-uniform-normal"
    closed = registry.get(name).closed_form
    args = {str(a): a for a in closed.free_symbols}
    kl = function(name)
    rng = np.random.default_rng(4)
    worst = 0.0
    for _ in range(300):
        lo = float(rng.uniform(-3, 3))
        point = {"low1": lo, "high1": lo + float(np.exp(rng.uniform(-2, 2))), "mu2": float(rng.uniform(-3, 3)),
                 "sigma2": float(np.exp(rng.uniform(-2, 2)))}
        with mpmath.workdps(50):
            truth = float(closed.evalf(50, subs={args[k]: mpmath.mpf(v) for k, v in point.items()}))
        got = float(kl(**point))
        worst = max(worst, abs(got - truth) / np.spacing(abs(truth)))
    assert worst <= 12, worst

