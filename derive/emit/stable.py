"""A symbolic pass that turns a closed form into a numerically stable one before printing.

It extends ``sympy.codegen.rewriting``: each rewrite is an ``Optimization`` whose docstring states the rewrite.

* ``Expm1mxOpt``: ``k·E + c·log E + c`` with ``c = -k`` (the shape of every Gaussian KL) -> ``k·expm1mx(log E, E)``,
  where ``expm1mx(x, E) = e^x - 1 - x`` has no library function: targets emit a helper that switches to a Taylor
  series for small |x| and otherwise uses ``E - 1 - x`` with ``E = e^x`` computed from the inputs directly.
* ``LogRatioOpt``: ``a·log X - a·log Y`` -> ``a·log_ratio(X, Y)``, printed as ``log1p((X - Y)/Y)`` when X ≈ Y.
* ``RatioPowerOpt``: ``X^n / Y^n`` -> ``(X/Y)^n`` (kept unevaluated), so tiny or huge scales do not overflow.
* ``FloatConstants``: numeric constants such as ``log(2π)/2`` -> Python floats (weak scalars keep float32 float32).
"""

from __future__ import annotations

from sympy import (
    Add, Expr, Float, Function, Mul, Pow, Rational, S, Symbol, UnevaluatedExpr, exp, expand, expand_log,
    factor_terms, factorial, log,
)
from sympy.codegen.rewriting import Optimization, optimize

#: Taylor terms of e^x - 1 - x kept for |x| < SERIES_RADIUS: x^2/2! + ... + x^SERIES_ORDER/SERIES_ORDER!;
#: the first omitted term is below 2^-60 of the sum, for float64.
SERIES_RADIUS = 1
SERIES_ORDER = 19


class expm1mx(Function):
    """e^x - 1 - x, given x and E = e^x (computed by the caller from the inputs, to avoid exp's error at large x)."""

    nargs = 2

    def _sympystr(self, printer):
        return "expm1mx(%s)" % printer._print(self.args[0])


class expm1_(Function):
    """e^x - 1 that, unlike ``sympy.codegen.cfunctions.expm1``, does not evaluate ``expm1(log y)`` back to ``y - 1``."""

    nargs = 1


class log_ratio(Function):
    """log(a/b), accurate when a ≈ b."""

    nargs = 2


def expm1mx_horner(x: Symbol, h: Symbol) -> list[Expr]:
    """Horner steps for Σ_{k=2}^{SERIES_ORDER} x^k/k! = x² Σ_j x^j/(j+2)!: ``h = 1/N!``, then ``h = h·x + 1/k!``
    for k = N-1 … 2, then ``x²·h``. Coefficients are 17-digit floats."""
    coeffs = [Float(1 / factorial(k), 17) for k in range(SERIES_ORDER, 1, -1)]
    return [coeffs[0]] + [h * x + c for c in coeffs[1:]] + [x**2 * h]


class Expm1mxOpt(Optimization):
    """``k·E - k·log E - k`` (the shape of every Gaussian KL) -> ``k·expm1mx(log E, E)``.

    The terms of ``-k·log E`` (logs expanded) must all be terms of the sum; the constant ``-k`` is taken from
    the sum's numeric part.
    """

    def __call__(self, expr):
        terms = Add.make_args(expr)
        for term in terms:
            k, E = term.as_coeff_Mul()
            if k.is_zero or E.is_number or not E.is_positive:
                continue
            L = expand_log(log(E))
            needed = Add.make_args(expand(-k * L))
            if all(t in terms for t in needed):
                rest = Add(*[t for t in terms if t is not term and t not in needed]) + k
                return rest + k * expm1mx(L, E)
        return expr


class Expm1RatioOpt(Optimization):
    """``A - B`` with ``A/B = Q`` a non-constant positive ratio -> ``B·expm1(log Q)`` (no cancellation when A ≈ B).

    This is the shape of the Gaussian KL's derivatives, e.g. ``σ1/σ2² - 1/σ1 = expm1(2 log(σ1/σ2))/σ1``.
    """

    def __call__(self, expr):
        return expr.replace(lambda e: isinstance(e, Add), self._rewrite)

    @staticmethod
    def _rewrite(add):
        terms = list(Add.make_args(add))
        for i, a in enumerate(terms):
            for j, b in enumerate(terms):
                if i == j or not (a.could_extract_minus_sign() is False and b.could_extract_minus_sign()):
                    continue
                ratio = (a / -b).simplify()
                if ratio.is_number or not ratio.is_positive or ratio.has(exp) and not isinstance(ratio, exp):
                    continue
                rest = [t for n, t in enumerate(terms) if n not in (i, j)]
                return Add(*rest, Mul(-b, expm1_(expand_log(log(ratio))), evaluate=False))
        return add


class LogRatioOpt(Optimization):
    """``a·log X - a·log Y`` -> ``a·log_ratio(X, Y)``."""

    def __call__(self, expr):
        return expr.replace(lambda e: isinstance(e, Add), self._rewrite)

    @staticmethod
    def _rewrite(add):
        terms = list(Add.make_args(add))
        logs = [(t.as_coeff_Mul()) for t in terms]
        for i, (a, li) in enumerate(logs):
            if not isinstance(li, log) or a <= 0:
                continue
            for j, (b, lj) in enumerate(logs):
                if j != i and isinstance(lj, log) and b == -a:
                    rest = [t for n, t in enumerate(terms) if n not in (i, j)]
                    return Add(*rest, a * log_ratio(li.args[0], lj.args[0]))
        return add


class RatioPowerOpt(Optimization):
    """``X^n · Y^-m`` (positive integers n, m) -> ``(X/Y)^k · X^(n-k) · Y^-(m-k)`` with ``k = min(n, m)``, the
    quotient kept unevaluated: tiny or huge scales then do not overflow or underflow in ``X^n`` or ``Y^m``."""

    def __call__(self, expr):
        return expr.replace(lambda e: isinstance(e, Mul), self._rewrite)

    @staticmethod
    def _rewrite(mul):
        factors = list(Mul.make_args(mul))
        for i, f in enumerate(factors):
            base_f, n = f.as_base_exp()
            if not (n.is_Integer and n > 0) or not isinstance(base_f, (Symbol, Add)):
                continue
            for j, g in enumerate(factors):
                base_g, m = g.as_base_exp()
                if j == i or not (m.is_Integer and m < 0) or not isinstance(base_g, Symbol):
                    continue
                k = min(n, -m)
                rest = [h for idx, h in enumerate(factors) if idx not in (i, j)]
                quotient = UnevaluatedExpr(base_f / base_g)
                ratio = quotient if k == 1 else Pow(quotient, k, evaluate=False)
                kept = [h for h in (base_f ** (n - k), base_g ** (m + k)) if h != 1]
                return Mul(*rest, ratio, *kept, evaluate=False)
        return mul


class ExpQuotientOpt(Optimization):
    """``exp(a - b)`` inside expm1mx's E -> ``exp(a)·exp(-b)``: for inputs a, b the subtraction's rounding
    (up to |a - b|·2^-53 absolute, i.e. that many ulp after exp) is avoided; exp(±80) fits even float32."""

    def __call__(self, expr):
        def split(e):
            L, E = e.args
            if isinstance(E, exp) and isinstance(E.args[0], Add) and len(E.args[0].args) == 2:
                a, b = E.args[0].args
                E = Mul(UnevaluatedExpr(exp(a)), UnevaluatedExpr(exp(b)), evaluate=False)
            return expm1mx(L, E)

        return expr.replace(lambda e: isinstance(e, expm1mx), split)


class FloatConstants(Optimization):
    """Numeric non-rational constants -> 17-digit floats; rationals -> floats too (printed as Python literals)."""

    def __call__(self, expr):
        def is_constant(e):
            return isinstance(e, Expr) and e.is_number and not e.is_Integer and not isinstance(e, Float)

        def top(e):
            return e.evalf(17)

        return expr.replace(lambda e: is_constant(e) and not e.is_Rational, top).replace(
            lambda e: isinstance(e, Rational) and not e.is_Integer, top
        )


class DifferenceOpt(Optimization):
    """``m1·R - m2·R`` (locations m1, m2, common factor R) -> ``(m1 - m2)·R``: the difference is taken before it
    is scaled, so it is exact when the locations are close (Sterbenz)."""

    def __call__(self, expr):
        return expr.replace(lambda e: isinstance(e, Add), self._rewrite)

    @staticmethod
    def _rewrite(add):
        groups: dict = {}
        order = []
        for t in Add.make_args(add):
            sign = -1 if t.could_extract_minus_sign() else 1
            factors = Mul.make_args(sign * t)
            locs = [f for f in factors if isinstance(f, Symbol) and f.name.startswith("mu")]
            key = Mul(*[f for f in factors if f not in locs]) if len(locs) == 1 else None
            if key is None:
                key = ("alone", t)
                groups[key] = [t]
            else:
                groups.setdefault(key, []).append(sign * locs[0])
            if key not in order:
                order.append(key)
        if all(len(v) == 1 for v in groups.values()):
            return add
        out = []
        for key in order:
            if isinstance(key, tuple):
                out.extend(groups[key])
            elif len(groups[key]) == 1:
                out.append(groups[key][0] * key)
            else:
                out.append(Mul(Add(*groups[key]), key))
        return Add(*out)


PIPELINE = (
    Expm1mxOpt(), Expm1RatioOpt(), LogRatioOpt(), ExpQuotientOpt(), DifferenceOpt(), RatioPowerOpt(),
    FloatConstants(),
)


def stable_form(expr: Expr) -> Expr:
    """The closed form (or a derivative of it) rewritten for floating point (see the module docstring)."""
    expr = expand(expand_log(expr), multinomial=False, power_exp=False)
    return optimize(expr, PIPELINE)


__all__ = ["expm1_", "expm1mx", "expm1mx_horner", "log_ratio", "stable_form"]
