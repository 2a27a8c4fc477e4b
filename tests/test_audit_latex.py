"""The audit's LaTeX parser: a table of (LaTeX, expected SymPy), the pre-processing real documents need, and its
one-line errors. Expected values are written in SymPy directly, never by the parser."""

from __future__ import annotations

import pytest
from sympy import (
    Abs,
    E,
    Function,
    IndexedBase,
    Integral,
    Rational,
    Sum,
    Symbol,
    digamma,
    exp,
    gamma,
    log,
    oo,
    pi,
    sqrt,
)

from derive.audit.errors import AuditError, LatexError
from derive.audit.latex import parse, parse_latex_expr
from derive.errors import USAGE_ERRORS

mu, mu1, mu2 = (Symbol(n, real=True) for n in ("mu", "mu1", "mu2"))
sigma, sigma1, sigma2 = (Symbol(n, positive=True) for n in ("sigma", "sigma1", "sigma2"))
z, x = Symbol("z", real=True), Symbol("x", real=True)
d, D = Symbol("d", integer=True), Symbol("D", real=True)
NAMES = {"mu": mu, "mu1": mu1, "mu2": mu2, "sigma": sigma, "sigma1": sigma1, "sigma2": sigma2, "z": z}
q, p = Function("q"), Function("p")
half = Rational(1, 2)

PLAIN = [
    (r"\frac{1}{2}", half),
    (r"\frac12 + \tfrac{1}{3}", half + Rational(1, 3)),
    (r"\dfrac{\mu}{\sigma}", mu / sigma),
    (r"2\pi\sigma^2", 2 * pi * sigma**2),
    (r"\sigma^{2}", sigma**2),
    (r"\sigma_1^2", sigma1**2),
    (r"\sigma_{2}", sigma2),
    (r"\mu_1 - \mu_2", mu1 - mu2),
    (r"\sqrt{2\pi\sigma^2}", sqrt(2 * pi * sigma**2)),
    (r"\sqrt[3]{\sigma}", sigma ** Rational(1, 3)),
    (r"\log(2\pi\sigma^2)", log(2 * pi * sigma**2)),
    (r"\ln \sigma", log(sigma)),
    (r"\log \frac{\sigma_2}{\sigma_1}", log(sigma2 / sigma1)),
    (r"\log \sigma_1 \log \sigma_2", log(sigma1) * log(sigma2)),
    (r"\log\left(\frac{1}{\sqrt{2\pi\sigma^2}}\right)", log(1 / sqrt(2 * pi * sigma**2))),
    (r"\left[ \mu + \sigma \right]^2", (mu + sigma) ** 2),
    (r"e^{-\frac{(z - \mu)^2}{2\sigma^2}}", exp(-((z - mu) ** 2) / (2 * sigma**2))),
    (r"e^x", E ** x),
    (r"\frac{1}{2}\ln(2 \pi e \sigma^2)", log(2 * pi * E * sigma**2) / 2),  # a bare e is Euler's number
    (r"\exp(\mu)", exp(mu)),
    (r"\mu\,\sigma", mu * sigma),
    (r"\mu \cdot \sigma \times 2", 2 * mu * sigma),
    (r"1 + \log(\sigma^2) + -\mu^2 - \sigma^2", 1 + log(sigma**2) - mu**2 - sigma**2),
    (r"-\frac{1}{2}(1 + \mu)", -half * (1 + mu)),
    (r"|z - \mu|", Abs(z - mu)),
    (r"\left| z \right| + 1", Abs(z) + 1),
    (r"\mathrm{rate} + \text{x}", Symbol("rate", real=True) + x),
    (r"\Gamma(\sigma) + \psi(\sigma)", gamma(sigma) + digamma(sigma)),
    (r"\int_0^\infty x e^{-x} \, dx", Integral(x * exp(-x), (x, 0, oo))),
    (r"\int_{-\infty}^{\infty} e^{-z^2} \,\mathrm{d}z", Integral(exp(-(z**2)), (z, -oo, oo))),
    (r"\sum_{d=1}^D (1 + \log(\sigma^2))", Sum(1 + log(sigma**2), (d, 1, D))),
    (r"\sum_{d=1}^{D} \sigma_d^2", Sum(IndexedBase("sigma", positive=True)[d] ** 2, (d, 1, D))),
    (r"\sum_{d=1}^{3} d + 1", Sum(d, (d, 1, 3)) + 1),
    (r"0.5\mu", half * mu),
]


@pytest.mark.parametrize(("latex", "expected"), PLAIN)
def test_parse_latex_expr(latex, expected):
    assert parse_latex_expr(latex, NAMES) == expected


DENSITIES = [
    (r"- \int q(z) \log p(z) dz", -Integral(q(z) * log(p(z)), z)),
    (r"\int q(z) \log q(z) \, dz", Integral(q(z) * log(q(z)), z)),
    (r"\frac{1}{2} \log(2\pi) \int q(z) dz + \frac{1}{2} \int z^2 q(z) dz",
     half * log(2 * pi) * Integral(q(z), z) + half * Integral(z**2 * q(z), z)),
    (r"\int q(z) \left[ \frac{1}{2\sigma^2} (z - \mu)^2 \right] dz",
     Integral(q(z) * (z - mu) ** 2 / (2 * sigma**2), z)),
    (r"\log q(z; \mu, \sigma^2)", log(q(z, mu, sigma**2))),
    (r"KL(q \parallel p)", Function("KL")(Symbol("q"), Symbol("p"))),
    (r"KL(q||p)", Function("KL")(Symbol("q"), Symbol("p"))),
    (r"D_{\mathrm{KL}}(q(z) \| p(z))", Function("KL")(Symbol("q"), Symbol("p"))),
    (r"H(q) + H(q, p)", Function("H")(Symbol("q")) + Function("H")(Symbol("q"), Symbol("p"))),
    (r"\mathbb{E}_{q}[\log p(z)]", Integral(q(z) * log(p(z)), z)),
    (r"\mathbb{E}_{z \sim q}\left[ z^2 \right]", Integral(q(z) * z**2, z)),
]


@pytest.mark.parametrize(("latex", "expected"), DENSITIES)
def test_parse_with_densities(latex, expected):
    expr, warnings = parse(latex, NAMES, {"q", "p"})
    assert expr == expected
    assert warnings == []


def test_integral_without_differential_warns():
    expr, warnings = parse(r"\int q(z) \log \frac{q(z)}{p(z)}", NAMES, {"q", "p"})
    assert expr == Integral(q(z) * log(q(z) / p(z)), z)
    assert warnings == ["an integral without a differential: read as dz"]


@pytest.mark.parametrize(("latex", "message"), [
    (r"\frac{1}{", "unexpected the end"),
    (r"(\mu + 1", "expected ')'"),
    (r"\text{Cross Entropy}(q, p)", "is prose"),
    (r"\text{Entropy} + 1", "is prose"),
    (r"\mu +", "unexpected the end"),
    (r"\foo{1}", "unsupported command '\\foo'"),
    (r"\int x", "without a differential"),
    (r"\sum_{d} d", "needs a range"),
    (r"KL(q \parallel p)", "not a declared density"),
    (r"", "empty expression"),
    (r"\mathrm{d}z", "outside an integral"),
])
def test_errors_are_one_line_usage_errors(latex, message):
    with pytest.raises(LatexError) as info:
        parse_latex_expr(latex, NAMES)
    assert message in str(info.value)
    assert "\n" not in str(info.value)
    assert isinstance(info.value, USAGE_ERRORS()) and isinstance(info.value, AuditError)


def test_names_lookup_and_fresh_symbols():
    rate = Symbol("rate", positive=True)
    assert parse_latex_expr(r"\mathrm{rate}\,\lambda", {"rate": rate, "lambda": sigma}) == rate * sigma
    assert parse_latex_expr(r"\theta_1", {}) == Symbol("theta1", real=True)
    assert parse_latex_expr(r"\theta_q", {}) == Symbol("theta_q", real=True)
