"""The continuous Bernoulli's closed forms without their removable singularity at probs = 1/2.

Its mean p/(2p − 1) − 1/(2 atanh(2p − 1)) and log-normaliser log(atanh(2p − 1)/(2p − 1)) are 0/0 at p = 1/2 (the
uniform distribution, a most ordinary input) and cancel near it: the derived closed forms give NaN there and lose
half their digits at |p − 1/2| = 1e-4. With x = 2p − 1 and V(x) = (atanh(x) − x)/x³ (even, 1/3 + x²/5 + …, with no
cancellation: ``atanh_excess``), atanh(x) = x (1 + x² V), and every coefficient of the closed form is a rational
function of p and V in which the factors 2p − 1 cancel (``rewrite``; V even, not U = x V, so that a term of U alone
cannot keep a 1/x: cross-entropy-continuous-bernoulli-normal was NaN at 1/2); the log-normaliser is log1p(x² V). A pair of
logs a log p + b log(1 − p) becomes ((a + b)/2) log1p(−x²) − (a + b) log 2 + (a − b) atanh(x), which is small where
the entropy is (near the uniform), instead of a difference of log 2's.

The KL's near-diagonal form (``derive.emit.near_diagonal``) integrates the cross-entropy's second derivative along
the path straight in η = logit p, the natural parameter. There it is the variance of z under p_η, the second
derivative of the log-normaliser log((e^η − 1)/η): V(η) = 1/η² − 1/(4 sinh²(η/2)), 1/12 at η = 0, which the
derived Hessian (in p, with 1/(2p − 1)³ factors) gives as 0/0 at p = 1/2. ``near_body`` writes it through
``natural_variance``, summed by its series Σ_k (2k − 1) B_2k η^(2k−2)/(2k)! near 0 (no cancellation); the near form
checks it against the derived Hessian before using it.
"""

from __future__ import annotations

from sympy import (
    Abs, Add, Dummy, Float, Function, Mul, Piecewise, Rational, S, Symbol, atanh, bernoulli, cancel, default_sort_key,
    exp, factor, factorial, log, sinh,
)
from sympy.codegen.cfunctions import expm1, log1p

from derive.emit.helpers import Helper
from derive.emit.stable import horner

#: |x| below which V is summed by its series Σ_{k>=1} x^(2k−2)/(2k+1) (the next term is below 2**-57 of the sum)
RADIUS = Rational(1, 2)
TERMS = 28


class centred(Function):
    """2p − 1 from p, printed as such: exact for p >= 1/4, and opaque to the stable pass (which would compute it
    as expm1(log 2p), losing the digits that matter near p = 1/2)."""

    nargs = 1


#: |η| below which V(η) is summed by its series (radius 2π; 32 terms leave < 1e-17 of the sum at |η| = 3; beyond,
#: 1/η² − e^−|η|/expm1(−|η|)² loses under 2 bits)
VARIANCE_RADIUS = 3
VARIANCE_TERMS = 32


#: the largest |η2 − η1| of the near form: V's poles are 2π off the real axis, so 16 Gauss–Legendre nodes sum
#: (1 − s) d² V(η(s)) to 1e-17 for |d| <= 8 ((π + (π² + 16)^½)^−32 < 1e-17 of it); the closed form loses
#: 20 ulp at |d| = 1.2, 50 at |d| = 6.7
NEAR_SPAN = 8


class natural_variance(Function):
    """V(η) = 1/η² − 1/(4 sinh²(η/2)) > 0, the continuous Bernoulli's variance at natural parameter η, printed as a
    call of ``_cb_variance``."""

    nargs = 1

    def _eval_evalf(self, prec):
        e = self.args[0]
        return (1 / e**2 - 1 / (4 * sinh(e / 2) ** 2))._eval_evalf(prec)


def near_body(p1, d, s):
    """(1 − s) g''(s) along the path straight in η = logit p from q's ``p1`` (d = η2 − η1): (1 − s) d² V(η(s))."""
    return (1 - s) * d**2 * natural_variance(log(p1 / (1 - p1)) + s * d)


class atanh_excess(Function):
    """V(x) = (atanh(x) − x)/x³ for |x| < 1 (even, 1/3 at 0), printed as a call of ``_atanh_excess``."""

    nargs = 1


def rewrite(expr):
    """``expr`` with every atanh(2p − 1) of a probability p written through ``atanh_excess`` (see the module
    docstring); unchanged when it has none.

    The work is done in x = 2p − 1 (p = (1 + x)/2), which the result keeps as one factor, ``centred(p)``:
    expanded, x V = 2p V − V would cancel near p = 1/2; logs of p and 1 − p stay so."""
    probabilities = sorted({_probability(a.args[0]) for a in expr.atoms(atanh)} - {None}, key=str)
    if not probabilities:
        return expr
    xs = {p: Dummy(f"x_{p}", real=True) for p in probabilities}
    expr = expr.xreplace({p: (1 + x) / 2 for p, x in xs.items()})
    for x in xs.values():
        a, u = atanh(x), atanh_excess(x)
        expr = expr.replace(lambda e: isinstance(e, log) and e.args[0].has(a), lambda e: _log(e, a, x, u))
        expr = expr.xreplace({a: x * (1 + x**2 * u)})
    expr = _collect(expr, tuple(xs.values()))
    for x in xs.values():
        expr = _pair_logs(expr, x)
    back = {}
    for p, x in xs.items():
        back.update({log((1 + x) / 2): log(p), log((1 - x) / 2): log(1 - p)})
    expr = expr.xreplace(back)
    return expr.xreplace({x: centred(p) for p, x in xs.items()})


def _probability(x):
    """p when ``x`` is 2p − 1 for a symbol p, else None."""
    p = list(x.free_symbols)
    if len(p) == 1 and cancel(x - (2 * p[0] - 1)) == 0:
        return p[0]
    return None


def _log(e, a, x, u):
    """log(c · atanh(x)/x) = log1p(x² V) + log(c) for a factor c free of atanh(x); other logs unchanged."""
    c = cancel(e.args[0] * x / a)
    if c.has(a) or not c.is_positive:
        return e
    return log1p(x**2 * u) + log(c)


def _collect(expr, xs):
    """Σ coefficient · atom, the coefficients (rational in the probabilities ``xs``, V and the exponentials free of
    them) cancelled: the 1/(2p − 1) of the mean and the log-normaliser go. (Were e^(−logvar) not a variable, a term
    over 2 e^logvar x⁴ V + 2 e^logvar x² would be an atom of its own, and its pole at p = 1/2 would stay.)"""
    plain = {u: Dummy() for u in expr.atoms(atanh_excess)}  # V counts as a variable of the rational functions
    plain.update({e: Dummy() for e in expr.atoms(exp) if not e.has(*xs)})
    back = {v: k for k, v in plain.items()}
    groups: dict = {}
    for term in Add.make_args(expr.xreplace(plain).expand()):
        factors = Mul.make_args(term)
        rational = [f.is_rational_function() is True for f in factors]
        key = Mul(*(f for f, r in zip(factors, rational) if not r)).xreplace(back)
        groups[key] = groups.get(key, S.Zero) + Mul(*(f for f, r in zip(factors, rational) if r))
    return Add(*(factor(cancel(c)).xreplace(back) * k
                 for k, c in sorted(groups.items(), key=lambda kc: default_sort_key(kc[0]))))


def _pair_logs(expr, x):
    """a log p + b log(1 − p) → ((a + b)/2) (log1p(−x²) − 2 log 2) + (a − b) atanh(x), p = (1 + x)/2."""
    lp, lq = log((1 + x) / 2), log((1 - x) / 2)
    a, b, rest = S.Zero, S.Zero, []
    for term in Add.make_args(expr):
        c, dep = term.as_independent(lp, lq, as_Add=False)
        if dep == lp:
            a += c
        elif dep == lq:
            b += c
        else:
            rest.append(term)
    if a == 0 or b == 0:
        return expr
    return Add(*rest) + cancel((a + b) / 2) * (log1p(-x**2) - 2 * log(2)) + cancel(a - b) * atanh(x)


def _series_coefficients():
    """1/(2k + 1) for k = 1 … TERMS: V(x) = Σ_k x^(2(k−1))/(2k + 1), 17-digit floats."""
    return [Float(Rational(1, 2 * k + 1), 17) for k in range(1, TERMS + 1)]


def _atanh_excess(printer) -> Helper:
    return _series_helper(
        printer, "_atanh_excess", "x",
        f"(atanh(x) - x) / x**3 for |x| < 1 without cancellation: 1/3 + x**2/5 + ... (to x**{2 * TERMS - 2}) where "
        f"|x| < {RADIUS}, the difference beyond (where it keeps all but 4 bits).",
        RADIUS, _series_coefficients(), Rational(3, 4), lambda x: x,  # any |x| >= RADIUS, < 1
        lambda xs, h: h, lambda xf: (atanh(xf) - xf) / xf**3)


def _series_helper(printer, name, arg, doc, radius, coefficients, placeholder, far_arg, near_value, far_value):
    """A helper of one argument x: ``near_value(x, S)`` where |x| < ``radius``, S = Σ_k c_k x^(2k) by Horner steps,
    else ``far_value(far_arg(x))`` (``placeholder`` stands for x there in the branch not taken)."""
    x, xs, xf, t, h = (Symbol(n, real=True) for n in (arg, f"{arg[0]}s", f"{arg[0]}f", "t", "h"))
    near = Symbol("near")
    return Helper(
        name, (arg,), doc,
        (
            ("near", printer.doprint(Abs(x) < radius)),
            (str(xs), printer.doprint(Piecewise((x, near), (0, True)))),
            (str(xf), printer.doprint(Piecewise((placeholder, near), (far_arg(x), True)))),
            ("t", printer.doprint(xs**2)),
            *(("h", printer.doprint(step)) for step in horner(coefficients, t, h)),
            ("value", printer.doprint(Piecewise((near_value(xs, h), near), (far_value(xf), True)))),
        ),
    )


def _variance_coefficients():
    """(2k − 1) B_2k/(2k)! for k = 1 … VARIANCE_TERMS: V(η) = Σ_k c_k η^(2(k−1)), 17-digit floats."""
    return [Float((2 * k - 1) * bernoulli(2 * k) / factorial(2 * k), 17) for k in range(1, VARIANCE_TERMS + 1)]


def _cb_variance(printer) -> Helper:
    return _series_helper(
        printer, "_cb_variance", "eta",
        f"1/eta**2 - 1/(4 sinh(eta/2)**2), the continuous Bernoulli's variance at natural parameter eta, without "
        f"cancellation: its series 1/12 - eta**2/240 + ... (to eta**{2 * VARIANCE_TERMS - 2}) where |eta| < "
        f"{VARIANCE_RADIUS}, 1/eta**2 - exp(-|eta|)/expm1(-|eta|)**2 beyond.",
        VARIANCE_RADIUS, _variance_coefficients(), VARIANCE_RADIUS, Abs,
        lambda es, h: h, lambda ef: 1 / ef**2 - exp(-ef) / expm1(-ef)**2)


#: (function, helper maker) for ``derive.emit.helpers.helpers_for``
HELPERS = ((atanh_excess, _atanh_excess), (natural_variance, _cb_variance))
