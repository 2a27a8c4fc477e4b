"""A symbolic pass that turns a closed form into a numerically stable one before printing.

It extends ``sympy.codegen.rewriting``: each rewrite is an ``Optimization`` whose docstring states the rewrite.
The functions it introduces have no library equivalent; each target module defines them as small helpers
(``derive.emit.helpers``), printed by the same SymPy printer.

* ``Expm1mxOpt``: ``k·E - k·log E - k`` (the shape of every Gaussian KL) -> ``expm1mx(log E, k·E, k)``, i.e.
  ``k·(e^x - 1 - x)``: a Taylor series where it would cancel, ``k·E - k - k·x`` with ``E`` from the inputs elsewhere.
* ``DiffRatioOpt``: ``A - B`` with ``A/B`` a non-constant positive ratio -> ``diff_ratio(A, B, log(A/B))``:
  ``-A·expm1(-L)`` for L = log(A/B) > 0, ``B·expm1(L)`` otherwise (the shape of the KL's derivatives); ``B·(n - d)/d``
  where A/B = n/d of inputs or integers (n - d rounds once, ``1 - p`` is left alone).
* ``LogRatioOpt``: ``c·log X - c·log Y`` -> ``c·log_ratio(X, Y)`` for any log-free c (log1p of the exact difference
  when X ≈ Y; ``log_ratio_of(X, Y, X - Y)`` where that difference expands shorter, as (1 - p2) - (1 - p1)).
* ``ExpQuotientOpt``: ``exp(a - b)`` -> ``exp(a)·exp(-b)`` (no rounding of ``a - b``, which exp would magnify).
* ``ExpSquareOpt``: ``X²·exp(c)`` -> ``scaled_square(X, c)`` (no underflow of ``X²`` before the scaling).
* ``DifferenceOpt``: ``m1·R - m2·R`` -> ``(m1 - m2)·R`` (exact difference of close locations).
* ``SquaresOpt``: a positive semi-definite quadratic form written out as monomials with a common factor R ->
  a sum of squares of linear forms times R (no monomial cancels another).
* ``RatioPowerOpt``: ``X^n·Y^-m`` -> ``(X/Y)^k·…`` (tiny or huge scales do not overflow).
* ``Log1pOpt``: ``log(1 + e)`` -> ``log1p(e)`` and ``xlogx(1 + e)`` -> ``xlog1p(e)`` (1 - p rounds a small p away).
* ``FiniteProductOpt``: a product of two or more of Γ(x), exp(a), X^k -> ``finite_product(M, log M)``: M, or
  exp(log M) where M is not finite or is zero (inf·0 of factors that overflow and underflow one by one).
* ``FloatConstants``: numeric constants -> Python floats (weak scalars keep float32 float32).
"""

from __future__ import annotations

from sympy import (
    Add, Expr, Float, Function, Mul, Pow, Rational, S, Symbol, UnevaluatedExpr, binomial, cancel, collect, count_ops,
    default_sort_key, div, exp, expand, expand_log, factorial, fraction, gamma, log, loggamma, powsimp, together,
)
from sympy.codegen.cfunctions import log1p
from sympy.codegen.rewriting import Optimization, optimize

from derive.emit.squares import SquaresOpt

#: e^x - 1 - x is summed as its Taylor series for SERIES_LOW < x < SERIES_HIGH, to x^SERIES_ORDER/SERIES_ORDER!
#: (the first omitted term is below 2^-60 of the sum at x = 2). Outside, ``k·E - k - k·x`` loses at most a
#: factor 2.4 (x >= 2) and ``k·E + k·(-x - 1)``, whose second term is exact for -2 <= x <= -1, nothing.
SERIES_LOW = -1
SERIES_HIGH = 2
SERIES_ORDER = 27


class expm1mx(Function):
    """``k·(e^x - 1 - x)`` from ``(x, k·e^x, k)``; ``k·e^x`` is computed by the caller from the inputs."""

    nargs = 3

    def _sympystr(self, printer):
        x, _, k = self.args
        return "%s*expm1mx(%s)" % (printer._print(k), printer._print(x))


class diff_ratio(Function):
    """``A - B`` from ``(A, B, L)`` with ``L = log(A/B)`` computed stably by the caller."""

    nargs = 3

    def _sympystr(self, printer):
        return "(%s - %s)" % (printer._print(self.args[0]), printer._print(self.args[1]))


class grouped(Function):
    """``(x)``: a product the printers must evaluate as one factor, before the surrounding product (float
    evaluation order matters: ``0.5*d*(d*e)`` need not round like ``0.5*d*d*e``, and ``d*d`` may underflow)."""

    nargs = 1

    def _sympystr(self, printer):
        return "(%s)" % printer._print(self.args[0])


class scaled_square(Function):
    """``X²·exp(c)`` from ``(X, c)``; printers choose the evaluation order (``X·(X·exp(c))`` rounds once less;
    JAX, which flushes subnormals and differentiates in its own order, gets ``(X·exp(c/2))²``)."""

    nargs = 2

    def _sympystr(self, printer):
        return "%s**2*exp(%s)" % (printer.parenthesize(self.args[0], 60), printer._print(self.args[1]))


class log_ratio(Function):
    """log(a/b), accurate when a ≈ b."""

    nargs = 2


class log_ratio_of(Function):
    """log(a/b) from ``(a, b, d)``, d = a - b written without its cancellation (a Bernoulli's (1 - p2) - (1 - p1)
    as p1 - p2: exact where 1 - p rounds, and near p = 0 that rounding is 2500 ulp of the difference)."""

    nargs = 3


class as_array(Function):
    """The number ``n`` as an array like ``x``, from ``(x, n)``, printed ``((x) * 0 + n)``: a helper's argument that
    a fixed parameter made a number, where torch and TensorFlow refuse a Python number (``torch.digamma(1)``)."""

    nargs = 2

    def _sympystr(self, printer):
        return printer._print(self.args[1])


def horner(coefficients, t: Symbol, h: Symbol) -> list[Expr]:
    """Horner steps for Σ_k c_k t^k (``coefficients`` from c_0), each assigned to ``h`` in turn: ``h = c_N``, then
    ``h = h·t + c_k`` for k = N-1 … 0 (printed as a few short lines rather than N nested parentheses)."""
    return [coefficients[-1]] + [h * t + c for c in reversed(coefficients[:-1])]


def expm1mx_horner(x: Symbol, h: Symbol) -> list[Expr]:
    """Horner steps for Σ_{k=2}^{N} x^k/k! = x² Σ_j x^j/(j+2)!: ``h = 1/N!``, then ``h = h·x + 1/k!`` for
    k = N-1 … 2, then ``x²·h``. Coefficients are 17-digit floats."""
    return horner([Float(1 / factorial(k), 17) for k in range(2, SERIES_ORDER + 1)], x, h) + [x**2 * h]


class Expm1mxOpt(Optimization):
    """``k·E - k·log E - k`` -> ``expm1mx(log E, k·E, k)``.

    The terms of ``-k·log E`` (logs expanded) must all be terms of the sum; for a number k the constant ``-k`` is
    taken from the sum's numeric part, else it is a term of the sum.
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
                return rest + expm1mx(L, E, k)
        # a symbolic k (the gamma's concentration2): -k is itself a term of the sum
        for minus_k in terms:
            k = -minus_k
            if k.is_number or not k.is_positive:
                continue
            for term in terms:
                E = term / k
                if term is minus_k or E.is_number or not E.is_positive:
                    continue
                L = expand_log(log(E))
                needed = Add.make_args(expand(-k * L))
                if all(t in terms for t in needed):
                    rest = Add(*[t for t in terms if t is not term and t is not minus_k and t not in needed])
                    return rest + expm1mx(L, E, k)
        return expr


def _exact(e: Expr) -> bool:
    """An input or an integer: exact in floating point (a difference of two such rounds once)."""
    return e.is_Symbol or e.is_Integer


class DiffRatioOpt(Optimization):
    """``A - B`` with ``A/B`` a non-constant positive ratio -> ``diff_ratio(A, B, log(A/B))``.

    This is the shape of the Gaussian KL's derivatives, e.g. ``σ1/σ2² - 1/σ1``.
    """

    def __call__(self, expr):
        return expr.replace(lambda e: isinstance(e, Add), self._rewrite)

    MAX_TERMS = 12  # the pairs are simplified one by one: a long sum (a continuous Bernoulli's) would take minutes

    @classmethod
    def _rewrite(cls, add):
        terms = list(Add.make_args(add))
        if len(terms) > cls.MAX_TERMS:
            return add
        for i, a in enumerate(terms):
            for j, b in enumerate(terms):
                if i == j or not (a.could_extract_minus_sign() is False and b.could_extract_minus_sign()):
                    continue
                if _exact(a) and _exact(-b):  # a difference of inputs or integers rounds once: keep it
                    continue
                ratio = a / -b
                if ratio.is_positive is not True:  # positive by the symbols' assumptions as written: simplify made
                    continue  # none of the others positive (681 pairs in a build, 11 CPU-s)
                ratio = ratio.simplify()
                if ratio.is_number or not ratio.is_positive or ratio.has(exp) and not isinstance(ratio, exp):
                    continue
                rest = [t for n, t in enumerate(terms) if n not in (i, j)]
                num, den = fraction(ratio)
                if _exact(num) and _exact(den):  # A/B = num/den of inputs: num - den rounds once, log(A/B) more
                    return Add(*rest, -b * (num - den) / den)
                return Add(*rest, diff_ratio(a, -b, expand_log(log(ratio))))
        return add


class LogRatioOpt(Optimization):
    """``c·log X - c·log Y`` -> ``c·log_ratio(X, Y)``, for every such pair of a sum, c any log-free factor (the
    coefficients of each log collected first: a Bernoulli KL's p1·log p1 - p1·log p2 + (1 - p1)·log(1 - p1) -
    (1 - p1)·log(1 - p2) is two log-ratio terms, not four logs that cancel 12-fold at p = (0.81, 0.935)); not when X
    and Y are both numbers (log(π/2) is a constant)."""

    def __call__(self, expr):
        return expr.replace(lambda e: isinstance(e, Add), self._rewrite)

    @staticmethod
    def _split(term):
        """(c, log X) for a term c·log X with one log factor and a log-free c; None otherwise."""
        factors = Mul.make_args(term)
        logs = [f for f in factors if isinstance(f, log)]
        if len(logs) != 1:
            return None
        c = Mul(*(f for f in factors if f is not logs[0]))
        return None if c.has(log) else (c, logs[0])

    @staticmethod
    def _ratio(x, y):
        """log_ratio(x, y), or log_ratio_of(x, y, x - y) where x - y is shorter expanded than spelt out."""
        d = expand(x - y)
        return log_ratio_of(x, y, d) if count_ops(d) < count_ops(x) + count_ops(y) + 1 else log_ratio(x, y)

    @staticmethod
    def _over_common(c):
        """c over a common denominator where that makes the numerator a difference of exact values: the
        geometric KL's 1/p1 - 1 is (1 - p1)/p1, and 1 - p1 is exact where 1/p1 - 1 cancels (1e6 ulp at 1 - 1e-6)."""
        num, den = fraction(together(c))
        terms = Add.make_args(num)
        return num / den if den != 1 and len(terms) == 2 and all(_exact(abs(t)) for t in terms) else c

    @classmethod
    def _rewrite(cls, add):
        terms = list(Add.make_args(add))
        holding: dict = {}  # log X -> the indices of the terms c·log X
        for n, t in enumerate(terms):
            found = cls._split(t)
            if found is not None:
                holding.setdefault(found[1], []).append(n)
        coefficient = {lg: expand(Add(*(terms[n] / lg for n in ns))) for lg, ns in holding.items()}
        order = sorted(holding, key=default_sort_key)
        paired, pairs = set(), []
        for i, x in enumerate(order):
            for y in order[i + 1:]:
                if x in paired or y in paired or coefficient[x] == 0 or x.args[0].is_number and y.args[0].is_number:
                    continue
                if expand(coefficient[x] + coefficient[y]) == 0:
                    c = cls._over_common(coefficient[x])
                    x_, y_, c = (y, x, -c) if c.could_extract_minus_sign() else (x, y, c)
                    pairs.append(c * cls._ratio(x_.args[0], y_.args[0]))
                    paired |= {x, y}
        if not pairs:
            return add
        dropped = {n for lg in paired for n in holding[lg]}
        return Add(*(t for n, t in enumerate(terms) if n not in dropped), *pairs)


class ExpQuotientOpt(Optimization):
    """``exp(a - b)`` -> ``exp(a)·exp(-b)`` where a, b are inputs: the subtraction's rounding (|a - b|·2^-53
    absolute, as many ulp after exp) is avoided; exp(±80) fits even float32."""

    def __call__(self, expr):
        def split(e):
            arg = e.args[0]
            if isinstance(arg, Add) and len(arg.args) == 2 and all(a.free_symbols for a in arg.args):
                a, b = arg.args
                return Mul(UnevaluatedExpr(exp(a)), UnevaluatedExpr(exp(b)), evaluate=False)
            return e

        return expr.replace(lambda e: isinstance(e, exp), split)


class ExpSquareOpt(Optimization):
    """``X²·exp(c)`` -> ``scaled_square(X, c)``: X² alone may underflow (or flush to zero) before the scaling."""

    def __call__(self, expr):
        def rewrite(mul):
            factors = list(Mul.make_args(mul))
            squares = [f for f in factors if isinstance(f, Pow) and f.exp == 2 and isinstance(f.base, Add)]
            exps = [f for f in factors if isinstance(f, exp)]
            if len(squares) != 1 or len(exps) != 1:
                return mul
            (sq,), (ex,) = squares, exps
            rest = [f for f in factors if f is not sq and f is not ex]
            return Mul(*rest, scaled_square(sq.base, ex.args[0]))

        return expr.replace(lambda e: isinstance(e, Mul), rewrite)


class DifferenceOpt(Optimization):
    """``m1·R - m2·R`` (locations m1, m2, common factor R) -> ``(m1 - m2)·R``: the difference is taken before it
    is scaled, so it is exact when the locations are close (Sterbenz)."""

    #: the normal's mu, torch.distributions' loc (a Laplace's, a Gumbel's ...) and a uniform's ends
    LOCATIONS = ("mu", "loc", "low", "high")

    def __call__(self, expr):
        return expr.replace(lambda e: isinstance(e, Add), self._rewrite)

    @staticmethod
    def _rewrite(add):
        groups: dict = {}
        order = []
        for t in Add.make_args(add):
            sign = -1 if t.could_extract_minus_sign() else 1
            factors = Mul.make_args(sign * t)
            locs = [f for f in factors if isinstance(f, Symbol) and f.name.startswith(DifferenceOpt.LOCATIONS)]
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


class ScaleIntoProductOpt(Optimization):
    """In ``expm1mx(x, k·E, k)``, multiply k into the first factor of E (``(k·a)·b`` for ``E = a·b`` or ``a²``):
    ``a·b`` may overflow where ``k·a·b`` (the value) still fits."""

    def __call__(self, expr):
        def fold(e):
            x, kE, k = e.args
            E = kE
            if isinstance(E, Pow) and E.exp == 2 and isinstance(E.base, UnevaluatedExpr):
                a = E.base
                return expm1mx(x, Mul(UnevaluatedExpr(k * a.args[0]), a, evaluate=False), k)
            if isinstance(E, Mul) and all(isinstance(f, UnevaluatedExpr) for f in E.args):
                first, *rest = E.args
                return expm1mx(x, Mul(UnevaluatedExpr(k * first.args[0]), *rest, evaluate=False), k)
            return expm1mx(x, Mul(k, E, evaluate=False), k)

        return expr.replace(lambda e: isinstance(e, expm1mx), fold)


class xlogx(Function):
    """x log x, 0 at x = 0 (the uniform's E[log z] at low = 0): printed as the framework's xlogy(x, x)."""

    nargs = 1

    def _sympystr(self, printer):
        return "xlogx(%s)" % printer._print(self.args[0])


def paired_xlogx(mul: Mul) -> Expr:
    """``mul`` with each pair of factors x, log x (x an input) as xlogx(x)."""
    factors = list(mul.args)
    pairs = [f for f in factors if isinstance(f, log) and f.args[0].is_Symbol and f.args[0] in factors]
    if not pairs:
        return mul  # as it is (an unevaluated product stays one)
    for f in pairs:
        factors.remove(f)
        factors.remove(f.args[0])
        factors.append(xlogx(f.args[0]))
    return Mul(*factors)


class XLogXOpt(Optimization):
    """A product holding both a parameter x and log(x) -> xlogx(x) times the rest (0·log 0 is 0, not nan)."""

    def __call__(self, expr):
        expr = expr.replace(lambda e: isinstance(e, Add), self._collected)

        return expr.replace(lambda e: isinstance(e, Mul), paired_xlogx)


    @staticmethod
    def _collected(add):
        """log(1 - x) (one parameter x) whose coefficient in ``add`` has the factor 1 - x -> xlogx(1 - x) times the
        rest: the terms of (a - 1)(1 - x) log(1 - x), spelt out, are -inf·0 = nan at x = 1 (U(low, 1) against a
        beta), where the value is finite."""
        for lg in sorted(add.atoms(log), key=default_sort_key):
            (arg,) = lg.args
            if not (arg.is_Add and len(arg.free_symbols) == 1) or not isinstance(add, Add):
                continue
            holding = [t for t in add.args if lg in Mul.make_args(t)]
            if not holding:
                continue
            numerator, denominator = fraction(cancel(Add(*(t / lg for t in holding)).doit()))  # (no UnevaluatedExpr)
            quotient, remainder = div(numerator, arg, *arg.free_symbols)
            if remainder == 0 and quotient != 0:
                add = Add(*(t for t in add.args if t not in holding)) + quotient / denominator * xlogx(arg)
        return add


def collected_logs(expr: Expr) -> Expr:
    """Each sum's terms c·log X with the same log as one, (Σ c)·log X: n1·p1·log(1 - p2) - n2·log(1 - p2) of a
    binomial pair is (n1·p1 - n2)·log(1 - p2), whose coefficient is exact where n1 = n2 and p1 -> 1 (5e5 ulp
    before). For the modules that keep series, where the stable pass does not run."""
    return expr.replace(lambda e: isinstance(e, Add) and e.has(log),
                        lambda a: collect(a, sorted(a.atoms(log), key=default_sort_key)))


class xlog1p(Function):
    """(1 + e)·log1p(e) from e, 0 at e = -1: x·log x for x = 1 + e (the Bernoulli's (1 - p)·log(1 - p), whose
    1 - p rounds away the digits of a small p), printed as the framework's xlog1py."""

    nargs = 1


class Log1pOpt(Optimization):
    """``log(1 + e)`` -> ``log1p(e)`` and ``xlogx(1 + e)`` -> ``xlog1p(e)``: log(1 - p) at p = 1e-8 kept only the
    digits of 1 - p's rounding (the Bernoulli's entropy was 4.8e5 ulp off there)."""

    @staticmethod
    def _rest(arg):
        """e where ``arg`` is 1 + e with e not a number, else None."""
        return arg - 1 if arg.is_Add and S.One in arg.args and not (arg - 1).is_number else None

    def __call__(self, expr):
        expr = expr.replace(lambda e: isinstance(e, xlogx) and self._rest(e.args[0]) is not None,
                            lambda e: xlog1p(self._rest(e.args[0])))
        return expr.replace(lambda e: isinstance(e, log) and self._rest(e.args[0]) is not None,
                            lambda e: log1p(self._rest(e.args[0])))


class finite_product(Function):
    """finite_product(M, L) = M, a product of positive factors that may overflow or underflow one by one, given
    L = log M from the caller: M where it is finite and non-zero, exp(L) elsewhere (where M is inf·0, NaN)."""

    nargs = 2


def _unbounded(f: Expr) -> bool:
    """Γ(x), exp(a) or X**k with a symbolic k (or one held unevaluated): a positive factor that overflows or
    underflows for wide inputs."""
    f = f.args[0] if isinstance(f, UnevaluatedExpr) else f
    return isinstance(f, (gamma, exp)) or f.is_Pow and not f.exp.is_number


def log_of(f: Expr) -> Expr:
    """log f, written out for powers, exponentials, Γ, factorials and binomial coefficients (log Γ unevaluated:
    SymPy writes log Γ(n + 1) of an integer n as log(Γ(n + 1)), which overflows)."""
    def lg(x):
        return loggamma(x, evaluate=False)

    if isinstance(f, UnevaluatedExpr):
        return log_of(f.args[0].doit())
    if isinstance(f, binomial):
        n, k = f.args
        return lg(n + 1) - lg(k + 1) - lg(n - k + 1)
    if isinstance(f, factorial):
        return lg(f.args[0] + 1)
    if isinstance(f, gamma):
        return lg(f.args[0])
    if isinstance(f, exp):
        return f.args[0]
    if f.is_Pow:
        return f.exp * log_of(f.base)
    return log(f)


def _quotient(a: Expr) -> bool:
    """Whether an exponent divides by a symbol (a location over a scale: large at ordinary inputs)."""
    return any(t.as_numer_denom()[1].free_symbols for t in Add.make_args(a))


class FiniteProductOpt(Optimization):
    """``Γ(x)·X^k·exp(a)…`` (two or more positive factors that can overflow or underflow) ->
    ``finite_product(product, log Γ(x) + k·log X + a …)``: Weibull's (λ1/λ2)^k2·Γ(1 + k2/k1) was inf·0 = NaN at
    k2 = 900, where the KL is finite, and Gumbel's Γ(1 + s1/s2)·e^(m2/s2)·e^(-m1/s2) NaN where it overflows.
    Exps alone only where an exponent is a quotient (e^(loc/scale)·e^(-low/scale) was inf at loc = 15, low = 14.5,
    scale = 0.02, for e^25): the normal's e^logvar1·e^-logvar2 overflow only past |logvar| = 709."""

    def __call__(self, expr):
        return expr.replace(lambda e: isinstance(e, Mul), self._rewrite)

    @staticmethod
    def _rewrite(mul):
        factors = Mul.make_args(mul)
        wide = [f for f in factors if _unbounded(f)]
        exps = all(isinstance(f.doit(), exp) for f in wide)
        if len(wide) < 2 or exps and not any(_quotient(f.doit().args[0]) for f in wide) \
                or not all(f.doit().is_positive for f in wide):
            return mul
        rest = [f for f in factors if not _unbounded(f)]
        logged = expand(Add(*(log_of(f) for f in wide)), multinomial=False, power_exp=False)
        logged = DifferenceOpt()(LogRatioOpt()(logged))
        return Mul(*rest, finite_product(Mul(*wide), logged))


class FloatConstants(Optimization):
    """Numeric non-integer constants -> 17-digit floats, printed as Python literals."""

    def __call__(self, expr):
        def is_constant(e):
            return isinstance(e, Expr) and e.is_number and not e.is_Integer and not isinstance(e, Float)

        return expr.replace(lambda e: is_constant(e) and not e.is_Rational, lambda e: e.evalf(17)).replace(
            lambda e: isinstance(e, Rational) and not e.is_Integer, lambda e: e.evalf(17)
        )


PIPELINE = (
    Expm1mxOpt(), DiffRatioOpt(), LogRatioOpt(), ExpQuotientOpt(), ExpSquareOpt(), SquaresOpt(),
    DifferenceOpt(), RatioPowerOpt(), ScaleIntoProductOpt(), XLogXOpt(), Log1pOpt(), FiniteProductOpt(),
    FloatConstants(),
)


def exps_out_of_denominators(expr: Expr) -> Expr:
    """1/(h·e^x - l·e^x) -> e^(-x)/(h - l), then e^a·e^(-x) -> e^(a - x): ``expand`` multiplies a denominator's exp
    into each of its terms, where e^x may underflow (a Gumbel's e^(low/scale)) and the quotient become inf·0."""
    def pull(power):
        terms = Add.make_args(power.base)
        common = set.intersection(*({f for f in Mul.make_args(t) if isinstance(f, exp)} for t in terms))
        if not common:
            return power
        factor = Mul(*sorted(common, key=default_sort_key))
        return Add(*(t / factor for t in terms)) ** power.exp * factor ** power.exp

    def rewrite(term):
        pulled = term.replace(lambda e: isinstance(e, Pow) and e.exp.is_negative and isinstance(e.base, Add), pull)
        return term if pulled == term else powsimp(pulled, combine="exp")

    return Add(*(rewrite(t) for t in Add.make_args(expr)))


def stable_form(expr: Expr) -> Expr:
    """The closed form (or a derivative of it) rewritten for floating point (see the module docstring)."""
    expr = exps_out_of_denominators(expand(expand_log(expr), multinomial=False, power_exp=False))
    return optimize(expr, PIPELINE)


__all__ = ["diff_ratio", "expm1mx", "expm1mx_horner", "exps_out_of_denominators", "finite_product", "log_of",
           "log_ratio", "log_ratio_of", "stable_form", "xlog1p", "xlogx"]
