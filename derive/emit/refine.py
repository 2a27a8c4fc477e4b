"""Refinement in double-double arithmetic where a closed form's terms cancel.

Near a root of an entropy or a cross-entropy (H(Beta(a, b)) near a = b = 1, 1 - log(rate) near rate = e), and near
the zero set of a KL between two families, the value is a small difference of terms of order one. Each term is
computed to half an ulp of its own size, so the value keeps only the bits the terms do not share: 735 ulp for the
beta's entropy at (1.043, 0.952). No rearrangement helps there in general, because the cancelling terms are values
of different special functions (log-gamma, digamma, log).

So the modules of the derivations in :data:`REFINED` recompute those elements in double-double arithmetic (about
106 bits; ``templates/code/double_double.py.j2``): the derived closed form, compiled here into calls of the
double-double helpers (``compiled``), at the elements where a running bound of the closed form's rounding errors
(``bound``, evaluated in floating point beside the value) exceeds :data:`LOST` times |value|. The rest keep the
stable rearrangement's value. Every target refines, in eager calls only: under torch.compile, jax.jit and
tf.function a mask cannot index, XLA folds (1 + x) - 1 into x (which breaks the error-free sums) and took over
4 minutes to compile entropy-beta's unrolled double-double code, so there the float value is returned.
"""

from __future__ import annotations

from functools import lru_cache

import mpmath
from sympy import (
    Abs, Add, Expr, Function, Integer, Mul, Piecewise, Rational, Symbol, atanh, cse, erf, exp, expand, gamma, log,
    loggamma, numbered_symbols, oo, polygamma,
)

from derive.emit.loader import log_factorial
from derive.emit.stable import exps_out_of_denominators, paired_xlogx, xlogx

#: derivations whose modules refine cancelling elements (benchmarks/compare_all.py found them above 8 ulp)
REFINED = (
    "entropy-beta", "entropy-lognormal", "entropy-half-normal", "entropy-uniform", "entropy-exponential",
    "entropy-kumaraswamy", "entropy-gamma",
    "cross-entropy-uniform-pareto", "cross-entropy-uniform-gamma", "cross-entropy-uniform-beta",
    "cross-entropy-exponential-exponential",
    "cross-entropy-beta-beta", "cross-entropy-beta-gamma", "cross-entropy-normal-gumbel",
    "cross-entropy-exponential-gamma",
    "kl-uniform-beta", "kl-beta-gamma", "kl-beta-exponential", "kl-gamma-gumbel", "kl-uniform-pareto",
    "kl-beta-continuous-bernoulli", "cross-entropy-uniform-continuous-bernoulli",
    "cross-entropy-continuous-bernoulli-exponential",
    "cross-entropy-continuous-bernoulli-continuous-bernoulli",
    # compare_all --target torch / tensorflow: 55, 16, 9, 9 ulp (their digamma and log-gamma are a few ulp worse
    # than SciPy's, which left these within 8 ulp on NumPy)
    "entropy-inverse-gamma", "cross-entropy-gamma-gamma", "kl-beta-uniform", "kl-beta-normal",
    # a normal against a Gumbel: log(s2/s1) - (1 + log 2π)/2 + e^(..) - (l2 - m1)/s2 cancels to 76 ulp at 3000
    # random points, near its zero set (found by the stable rearrangement, which left it at 9 ulp on compare_all)
    "kl-normal-gumbel",
    # a normal against a Laplace: log(2 s2) + E|z - l2|/s2 - log(2 pi e s1²)/2, 36 ulp at 2000 random points
    # (11 on JAX at compare_all's)
    "kl-normal-laplace",
    # benchmarks/wide_range.py: far from compare's inputs, cancellation at ordinary values (842 ulp at df = 117 with
    # H = 0.91; 138 ulp near a root of the half-normals' cross-entropy; 96 for an exponential against a Gumbel)
    "entropy-student-t", "cross-entropy-half-normal-half-normal", "cross-entropy-exponential-gumbel",
    "kl-exponential-gumbel",
    # ... and (NumPy, 100 wide points each, before -> after): the continuous Bernoulli's near p = 0 or 1 (1.3e6 ->
    # 0 for its entropy, 6e5 -> 0-3 for its pairs), kl-gamma-gamma 2.3e3 -> 29, kl-beta-beta 6.1e3 -> 53,
    # kl-inverse-gamma-inverse-gamma 183 -> 10, kl-pareto-gamma 516 -> 2, kl-gamma-normal 190 -> 2, the others
    # 10-77 -> 1-6
    "entropy-laplace", "entropy-gumbel", "entropy-cauchy", "entropy-weibull", "entropy-continuous-bernoulli",
    "cross-entropy-normal-laplace", "kl-exponential-gamma", "kl-gamma-normal", "kl-gamma-exponential", "kl-gamma-gamma",
    "cross-entropy-gamma-gumbel", "cross-entropy-beta-normal", "kl-beta-beta", "cross-entropy-uniform-exponential",
    "kl-uniform-gamma", "kl-pareto-normal", "cross-entropy-pareto-exponential", "cross-entropy-pareto-gamma",
    "kl-pareto-gamma", "cross-entropy-pareto-pareto", "cross-entropy-cauchy-cauchy",
    "cross-entropy-inverse-gamma-inverse-gamma", "kl-inverse-gamma-inverse-gamma", "kl-bernoulli-poisson",
    "cross-entropy-beta-continuous-bernoulli", "kl-uniform-continuous-bernoulli",
    "cross-entropy-continuous-bernoulli-normal", "kl-continuous-bernoulli-normal",
    "kl-continuous-bernoulli-exponential", "kl-continuous-bernoulli-uniform",
    "kl-continuous-bernoulli-continuous-bernoulli",
    # wide_range.py: e^x with x a quotient in the hundreds (a location over a scale), and Γ(1 + s1/s2), carry x's
    # rounding times |x|: 100-430 ulp
    "cross-entropy-gumbel-gumbel", "kl-gumbel-gumbel", "cross-entropy-uniform-gumbel", "kl-uniform-gumbel",
    "cross-entropy-weibull-weibull", "kl-weibull-weibull",
    # wide_range.py: |l1 - l2|/s2 + log(2 s2) cancel near the Laplaces' cross-entropy's root (14 ulp at scales 1e-3)
    "cross-entropy-laplace-laplace",
)
TARGETS = ("numpy", "torch", "jax", "tensorflow")
#: the target's log-gamma, Gamma and digamma error, in unit roundoffs of max(|f(x)|, 1), for ``bound``: twice the
#: ulp that benchmarks/special_functions.py measured (JAX 14 and 10, torch's digamma 5, TensorFlow's 6), rounded
#: up; on NumPy (SciPy) half an ulp of |f(x)|, as any rounding
SPECIAL_ERROR = {"jax": 32, "torch": 10, "tensorflow": 12}
#: an element is refined where its error bound (``bound``, in unit roundoffs) exceeds LOST times |value|: its
#: float value may then be off by about LOST / 2 ulp or more (calibrated on entropy-beta, entropy-uniform and
#: cross-entropy-normal-gumbel against mpmath: at most 8 ulp below it, up to 2e4 ulp above)
LOST = 16
#: ... and, for a closed form with removable poles that the float rearrangement removes (the continuous
#: Bernoulli's 0/0 at probs = 1/2, ``cbern.rewrite``), below 2**LIMIT times |value|: nearer the pole the closed
#: form's terms are so large that double-double, about 2**-104 of them, is worse than the float value
LIMIT = 55
#: ... and for a KL in REFINED below 2**KL_LIMIT times |value|: nearer its zero set the near form (or the stable
#: rearrangement) is better than double-double, whose log-gamma and digamma keep about 2**-96 of the terms
#: (kl-exponential-gamma was 6486 ulp at 1e-9 from p = q, kl-inverse-gamma-inverse-gamma 10 at 1e-7 with LIMIT)
KL_LIMIT = 40
#: per target, self-pairs refined below 2**LIMIT times |value|, not 2**KL_LIMIT: there the target's own log-gamma and
#: digamma leave the float near form worse than double-double near the diagonal (KL_LIMIT left kl-gumbel-gumbel 9 ulp
#: off on JAX at compare's points near KL = 0). On NumPy and torch the near form is the better one there (LIMIT left
#: kl-gumbel-gumbel 64 ulp off at 1e-7 from p = q)
NEAR_FORM = {"jax": ("cross-entropy-gumbel-gumbel", "kl-gumbel-gumbel", "cross-entropy-weibull-weibull",
                     "kl-weibull-weibull"), "tensorflow": ("kl-gumbel-gumbel",)}
SHIFT = 20  # log-gamma and digamma shift their argument above this before the asymptotic series
TAYLOR = 13  # degree of exp's Taylor series at |r| <= log(2) / 32: 0.0217**14 / 14! < 2**-113
#: erf by its series of positive terms below ERF_CUT (ERF_TERMS of them reach 2**-110 of the sum at ERF_CUT), as
#: 1 - erfc (the target's, 2e-17 at 6: its error is below 2**-110) above
ERF_CUT = 6
ERF_TERMS = 130
ASYMPTOTIC = 16  # terms of the asymptotic series at w >= SHIFT: below 2**-110 of the value


class RefineError(ValueError):
    """A closed form calls a function the double-double helpers lack (a derivation in REFINED that cannot be)."""


class dd_call(Function):
    """``dd_call(name, *args)``: a call of the double-double helper ``name`` (a Symbol) on double-double values."""


class dd_number(Function):
    """``dd_number(hi, lo)``: a double-double constant; ``dd_number(x)``: the float x as (x, 0.0)."""


def split(value) -> tuple[float, float]:
    """(hi, lo): ``value`` (an mpmath number) as the nearest double and the nearest double to the rest."""
    nearest = mpmath.libmp.round_nearest
    hi = mpmath.libmp.to_float(mpmath.mpf(value)._mpf_, rnd=nearest)
    lo = mpmath.libmp.to_float((mpmath.mpf(value) - hi)._mpf_, rnd=nearest)
    return hi, lo


@lru_cache(maxsize=None)
def constants() -> dict:
    """The double-double constants of the helpers' template, from mpmath at 60 digits."""
    with mpmath.workdps(60):
        bernoulli = [mpmath.bernoulli(2 * k) for k in range(1, ASYMPTOTIC + 1)]
        return {
            "shift": SHIFT,
            "ln2": split(mpmath.log(2)),
            "half_log_2pi": split(mpmath.log(2 * mpmath.pi) / 2),
            "inv_factorials": [split(1 / mpmath.factorial(n)) for n in range(TAYLOR + 1)],
            "lgamma_series": [split(b / (2 * k * (2 * k - 1))) for k, b in enumerate(bernoulli, 1)],
            "digamma_series": [split(b / (2 * k)) for k, b in enumerate(bernoulli, 1)],
            "erf_cut": ERF_CUT,
            "two_over_sqrt_pi": split(2 / mpmath.sqrt(mpmath.pi)),
            "erf_reciprocals": [split(mpmath.mpf(1) / (2 * n + 1)) for n in range(1, ERF_TERMS + 1)],
        }


def _call(name: str, *args) -> Expr:
    return dd_call(Symbol(name), *args)


def _number(expr: Expr) -> Expr:
    with mpmath.workdps(40):
        value = mpmath.mpf(str(expr.evalf(40)))
        if not mpmath.isfinite(value):
            raise RefineError(f"the constant {expr} is not finite")
        return dd_number(*(Rational(x) for x in split(value)))


def _fold(name: str, parts: list) -> Expr:
    out = parts[0]
    for p in parts[1:]:
        out = _call(name, out, p)
    return out


def _power(base: Expr, n: int) -> Expr:
    if n < 0:
        return _call("_dd_recip", _power(base, -n))
    out = None
    square = base
    while n:
        if n & 1:
            out = square if out is None else _call("_dd_mul", out, square)
        n >>= 1
        if n:
            square = _call("_dd_mul", square, square)
    return out


def _exponents(factors) -> tuple[list, list]:
    """The logs of the factors that double-double computes as exps (e**x, b**x with x not an integer, Γ(x) of a
    positive x), and the other factors."""
    exponents, rest = [], []
    for f in factors:
        if isinstance(f, exp):
            exponents.append(f.args[0])
        elif f.is_Pow and not f.exp.is_Integer:
            exponents.append(f.exp * log(f.base))
        elif isinstance(f, gamma):
            exponents.append(loggamma(f.args[0]))
        else:
            rest.append(f)
    return exponents, rest


def dd_tree(expr: Expr) -> Expr:
    """``expr`` as nested calls of the double-double helpers; RefineError for a function they lack."""
    if not expr.free_symbols:
        return _number(expr)
    if expr.is_Symbol:
        return dd_number(expr)
    if expr.is_Add:
        return _fold("_dd_add", [dd_tree(a) for a in expr.args])
    if expr.is_Mul:
        coefficient, rest = expr.as_coeff_Mul()
        if coefficient == -1:
            return _call("_dd_neg", dd_tree(rest))
        factors = Mul.make_args(expr)
        exponents, rest = _exponents(factors)
        if len(exponents) > 1:  # e**(a + b + ..), not e**a · e**b ..: a factor may overflow where the product does not
            factors = (*rest, exp(Add(*exponents), evaluate=False))
        return _fold("_dd_mul", [dd_tree(a) for a in factors])
    if expr.is_Pow:
        base, power = expr.args
        if power.is_Integer:
            return _power(dd_tree(base), int(power))
        return _call("_dd_exp", _call("_dd_mul", dd_tree(power), _call("_dd_log", dd_tree(base))))
    if isinstance(expr, exp):
        return _call("_dd_exp", dd_tree(expr.args[0]))
    if isinstance(expr, log):
        return _call("_dd_log", dd_tree(expr.args[0]))
    if isinstance(expr, loggamma):
        return _call("_dd_lgamma", dd_tree(expr.args[0]))
    if isinstance(expr, Abs):
        return _call("_dd_abs", dd_tree(expr.args[0]))
    if isinstance(expr, log_factorial):
        return _call("_dd_log_factorial", dd_tree(expr.args[0]))
    if isinstance(expr, xlogx):
        return _call("_dd_xlogx", dd_tree(expr.args[0]))
    if isinstance(expr, erf):
        return _call("_dd_erf", dd_tree(expr.args[0]))
    if isinstance(expr, atanh):  # (log(1 + y) - log(1 - y)) / 2, both arguments exact for y = 2p - 1
        (y,) = expr.args
        return _call("_dd_mul", _number(Rational(1, 2)),
                     _call("_dd_add", dd_tree(log(1 + y)), _call("_dd_neg", dd_tree(log(1 - y)))))
    if isinstance(expr, polygamma) and expr.args[0] == 0:
        return _call("_dd_digamma", dd_tree(expr.args[1]))
    if isinstance(expr, gamma):  # of positive arguments (1 + 1/k, ..)
        return _call("_dd_exp", _call("_dd_lgamma", dd_tree(expr.args[0])))
    raise RefineError(f"no double-double helper for {type(expr).__name__} (in {expr})")


@lru_cache(maxsize=None)
def compiled(expr: Expr) -> tuple[tuple[tuple[Symbol, Expr], ...], Expr, frozenset]:
    """(assignments, result, the special helpers used) computing ``expr`` in double-double arithmetic: common
    subexpressions as variables ``d0, d1 ..``."""
    return steps_of(dd_tree(_expanded(expr)))


def steps_of(tree: Expr) -> tuple[tuple[tuple[Symbol, Expr], ...], Expr, frozenset]:
    """``compiled``'s triple for a tree of double-double calls (``dd_tree``)."""
    steps, (result,) = cse(tree, symbols=numbered_symbols("d"), order="none")
    called = {str(c.args[0]) for c in tree.atoms(dd_call)}
    special = frozenset(s for s in ("lgamma", "digamma", "xlogx", "erf", "log_factorial", "exp_rounded", "abs")
                        if f"_dd_{s}" in called)
    return tuple(steps), result, special


def _finite(expr: Expr) -> Expr:
    """A closed form that is +oo where supports do not nest: its finite branch (the refined elements are finite)."""
    if isinstance(expr, Piecewise) and len(expr.args) == 2 and expr.args[1] == (oo, True):
        return expr.args[0].expr
    return expr


def _expanded(expr: Expr) -> Expr:
    """The finite branch expanded, each product's x·log x (x an input) as xlogx(x): 0 at x = 0 (the uniform's
    low), where the product is 0·(-inf) and its error bound nan."""
    expanded = expand(_finite(expr), mul=True, multinomial=False, power_exp=False, log=False)
    # expand wrote 1/(h·e^x - l·e^x): its bound's square of e^x underflows where the value's terms do not
    return exps_out_of_denominators(expanded).replace(lambda e: e.is_Mul, paired_xlogx)


def bound(expr: Expr, special: int = 1) -> Expr:
    """A running error bound of ``expr`` evaluated in floating point, in units of the unit roundoff: each operation
    rounds (adds its result's size) and passes on its arguments' errors times its derivative (Wilkinson). Inputs
    and integers are exact. The refinement compares it with the value's size: where bound / |value| is large, the
    float value has lost that many ulps to cancellation (a sum of terms much larger than their total, a log of a
    difference near 1). ``special`` > 1: the target's log-gamma, Gamma and digamma are off by that many unit
    roundoffs of max(|f|, 1) (SPECIAL_ERROR)."""
    if expr.is_Symbol or expr.is_Integer:
        return Integer(0)
    if not expr.free_symbols:
        return Abs(expr)
    if expr.is_Add or expr.is_Mul:
        parts = expr.args
        errors = [bound(a, special) for a in parts]
        if expr.is_Add:
            return Add(*errors, *(Abs(a) for a in parts))
        others = [Mul(*(b for j, b in enumerate(parts) if j != i)) for i in range(len(parts))]
        return Add(*(e * Abs(o) for e, o in zip(errors, others)), (len(parts) - 1) * Abs(expr))
    if expr.is_Pow and expr.exp.is_Integer:
        base, n = expr.args
        return Abs(n) * Abs(base ** (n - 1)) * bound(base, special) + Abs(n) * Abs(expr)
    if expr.is_Pow:
        base, power = expr.args
        return Abs(expr) * (Abs(power / base) * bound(base, special) + bound(power, special) * Abs(log(base)) + 1)
    (*_, arg) = expr.args
    if isinstance(expr, Abs):  # exact
        return bound(arg, special)
    if isinstance(expr, exp):
        return Abs(expr) * (bound(arg, special) + 1)
    if isinstance(expr, log):
        return bound(arg, special) / Abs(arg) + Abs(expr)
    own = special * (Abs(expr) + 1) if special > 1 else Abs(expr)  # the function's own error
    if isinstance(expr, loggamma):
        return Abs(polygamma(0, arg)) * bound(arg, special) + own
    if isinstance(expr, atanh):
        return bound(arg, special) / Abs(1 - arg**2) + Abs(expr)
    if isinstance(expr, xlogx):  # (log x + 1)·δx, and the log's and the product's roundings
        return Abs(log(arg) + 1) * bound(arg, special) + 2 * Abs(expr)
    if isinstance(expr, erf):  # erf'(x) = 2/sqrt(pi) e^(-x²) <= 1.13
        return Rational(113, 100) * bound(arg, special) + own
    if isinstance(expr, polygamma) and expr.args[0] == 0:  # psi'(x) <= 1/x + 1/x**2 for x > 0
        return (1 / arg + 1 / arg**2) * bound(arg, special) + own
    if isinstance(expr, gamma):  # Γ'(x) = Γ(x) ψ(x); on a target with a special error, exp(log Γ)
        own = special * (Abs(loggamma(arg)) + 1) if special > 1 else 1
        return Abs(expr) * (Abs(polygamma(0, arg)) * bound(arg, special) + own)
    return Abs(expr)


def refines(name: str, target: str) -> bool:
    """Whether ``name``'s module for ``target`` refines cancelling elements."""
    return name in REFINED and target in TARGETS


#: the target's functions the double-double helpers call
NAMESPACES = {
    "numpy": {"where": "numpy.where", "rint": "numpy.rint", "exp2": "numpy.exp2", "log": "numpy.log",
              "exp": "numpy.exp", "any": "numpy.any", "erfc": "scipy.special.erfc", "max": "numpy.max",
              "top": "max(int({x}), 0)",
              "arange": "numpy.arange({stop}, dtype=numpy.float64)", "gather": "{table}[{index}.astype(numpy.int64)]"},
    "torch": {"where": "torch.where", "rint": "torch.round", "exp2": "torch.exp2", "log": "torch.log",
              "exp": "torch.exp", "any": "torch.any", "erfc": "torch.special.erfc", "max": "torch.max",
              "top": "max(int({x}), 0)",
              "arange": "torch.arange({stop}, dtype=torch.float64)", "gather": "{table}[{index}.long()]"},
    "jax": {"where": "jax.numpy.where", "rint": "jax.numpy.rint", "exp2": "_exp2", "log": "jax.numpy.log",
            "exp": "jax.numpy.exp", "any": "jax.numpy.any", "erfc": "jax.scipy.special.erfc", "max": "jax.numpy.max",
            # rounded up to 2**k - 1 (JAX compiles each operation again for every new shape)
            "top": "2 ** max(int({x}), 0).bit_length() - 1",
            "arange": "jax.numpy.arange({stop}, dtype=float)", "gather": "{table}[{index}.astype(int)]"},
    "tensorflow": {"where": "tensorflow.where", "rint": "tensorflow.math.round", "exp2": "_exp2",
                   "log": "tensorflow.math.log", "exp": "tensorflow.math.exp", "any": "tensorflow.reduce_any",
                   "erfc": "tensorflow.math.erfc", "max": "tensorflow.reduce_max", "top": "max(int({x}), 0)",
                   "arange": "tensorflow.range({stop}, dtype=tensorflow.float64)",
                   "gather": "tensorflow.gather({table}, tensorflow.cast({index}, tensorflow.int64))"},
}


@lru_cache(maxsize=None)
def _bound(expr: Expr, special: int) -> Expr:
    """``bound`` of ``expr``'s finite branch, its constants as numbers (torch.log(2) fails; evalf leaves those in a
    function's argument, such as erf's sqrt(2)): once per derivation."""
    irrational = lambda e: e.is_number and not e.is_Rational and not e.is_Float  # noqa: E731
    return bound(_expanded(expr), special).evalf(17).replace(irrational, lambda e: e.evalf(17))


def emitted(expr: Expr, printer, target: str, name: str) -> dict:
    """What the module template needs to refine ``expr``'s cancelling elements on ``target``: the bound and the
    double-double function's assignments and result, printed by ``printer``; the helpers' constants (``dd``) and
    the target's functions (``xp``). LIMIT applies to the continuous Bernoulli's closed forms (atanh(2p - 1)/(2p - 1)
    and the like: the poles its float rearrangement removes) and to NEAR_FORM's; KL_LIMIT to the other KLs."""
    steps, result, special = compiled(expr)
    return {
        "bound": printer.doprint(_bound(expr, SPECIAL_ERROR.get(target, 1))),
        "lost": LOST,
        "limit": LIMIT if expr.has(atanh) or name in NEAR_FORM.get(target, ()) else
        KL_LIMIT if name.startswith("kl-") else None,
        "steps": tuple((str(var), printer.doprint(value)) for var, value in steps),
        "result": printer.doprint(result),
        "dd": {**constants(), "special": tuple(sorted(special))},
        "xp": NAMESPACES[target],
    }
