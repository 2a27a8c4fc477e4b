"""Helpers for the Dirichlet KL divergence, printed by each target's SymPy printer.

KL(Dir(α) ‖ Dir(β)) is the Bregman divergence of F(α) = Σ_k log Γ(α_k) − log Γ(α_0). Splitting
log Γ(x) = (x log x − x) + G(x) splits it into two non-negative parts (``derive.emit.vector``): β_0 times the
categorical KL between the means β/β_0 and α/α_0, and Σ_k E(α_k, h_k) − E(α_0, h_0) with h = β − α and E the
Bregman divergence of G,

    E(a, h) = G(b) − G(a) − h G′(a) = ∫_a^b (b − x) w(x) dx,   b = a + h,   w(x) = G″(x) = ψ′(x) − 1/x > 0.

``_trigamma_excess`` computes w as a sum of positive terms (w(x) = 1/(x²(x + 1)) + w(x + 1), then its asymptotic
series), to a few ulp on every target (torch's own ``polygamma(1, x)`` is off by up to 4·10⁶ ulp);
``_lgamma_excess_bregman`` sums the integral in the variable log x (where w's poles, at x = −1, −2, …, are π
away from the segment) by a 30-point Gauss–Legendre rule for b/a up to 10^±4, with expm1 for b − x, so nothing
cancels as b → a; beyond, it takes the differences of log Γ and x log x.
"""

from __future__ import annotations

from functools import lru_cache

from sympy import Add, And, Float, Function, Piecewise, Rational, S, Symbol, bernoulli, exp, log, loggamma, polygamma
from sympy.codegen.cfunctions import expm1, log1p
from sympy.integrals.quadrature import gauss_legendre

from derive.emit.helpers import Helper
from derive.emit.stable import grouped

#: w(x) = Σ_{i<SHIFT} 1/((x + i)²(x + i + 1)) + w(x + SHIFT), the last by its asymptotic series to
#: B_{2·TERMS} / y^(2·TERMS+1) (the first omitted term is below 1e-17 of the value at y >= 10)
SHIFT = 10
TERMS = 9
#: Gauss–Legendre nodes for the integral form in log x, used where |log((a + h)/a)| < LOG_RATIO (= log 10^4)
NODES = 30
LOG_RATIO = 9.2


class trigamma_excess(Function):
    """ψ′(x) − 1/x for x > 0 (> 0), printed as a call of ``_trigamma_excess``."""

    nargs = 1


class lgamma_excess_bregman(Function):
    """The Bregman divergence of log Γ(x) − (x log x − x), from ``(a, h, b)``, b = a + h (b as the caller has it,
    not a + h rounded: where b ≪ a that rounding is most of b's digits): ``_lgamma_excess_bregman``."""

    nargs = 3

    def _sympystr(self, printer):
        return "lgamma_excess_bregman(%s)" % ", ".join(printer._print(x) for x in self.args)


class _Call(Function):
    """Printed as a call of the helper ``_<name>`` on every target (the printers' ``printmethod``s)."""

    def _call(self, printer):
        return "_%s(%s)" % (type(self).__name__, ", ".join(printer._print(a) for a in self.args))

    _pythoncode = _numpycode = _jaxcode = _torchcode = _tensorflowcode = _call


class trigamma_excess_difference(_Call):
    """w(x) − w(x + y) for x > 0, y >= 0, w(x) = ψ′(x) − 1/x (> 0, w decreasing): ``_trigamma_excess_difference``."""

    nargs = 2


class product_difference(_Call):
    """a·b − c·d to about an ulp of the result (Dekker's exact products): ``_product_difference``."""

    nargs = 4


def _real(*names):
    return (Symbol(n, real=True) for n in names)


def _series(t):
    """Σ_{k=1}^{TERMS} B_2k t^(k−1), Horner."""
    series = Float(bernoulli(2 * TERMS), 17)
    for m in range(TERMS - 1, 0, -1):
        series = series * t + Float(bernoulli(2 * m), 17)
    return series


def _trigamma_excess(printer) -> Helper:
    x, y, r, t = _real("x", "y", "r", "t")
    head = Add(*(1 / ((x + i) ** 2 * (x + i + 1)) for i in range(SHIFT)))
    return Helper(
        "_trigamma_excess", ("x",),
        f"psi'(x) - 1/x for x > 0, a sum of positive terms (no cancellation): the recurrence psi'(x) - 1/x = "
        f"1/(x**2 (x + 1)) + (psi'(x + 1) - 1/(x + 1)) {SHIFT} times, then the asymptotic series 1/(2 y**2) + "
        f"sum_k B_2k / y**(2k+1) to k = {TERMS} at y = x + {SHIFT}.",
        (
            ("y", printer.doprint(x + SHIFT)),
            ("r", printer.doprint(1 / y)),
            ("t", printer.doprint(r * r)),
            ("value", printer.doprint(head + (Rational(1, 2) * t + r * t * _series(t)).evalf(17))),
        ),
    )


@lru_cache(maxsize=None)
def _nodes():
    """Gauss–Legendre (s_i, W_i) on [0, 1]."""
    xs, ws = gauss_legendre(NODES, 30)
    return [((x + 1) / 2, w / 2) for x, w in zip(xs, ws)]


def _lgamma_excess_bregman(printer) -> Helper:
    a, h, b, r, L, Ls, x, acc = _real("a", "h", "b", "r", "L", "Ls", "x", "acc")
    near = Symbol("near")
    body = [
        ("r", printer.doprint(b / a)),
        ("L", printer.doprint(Piecewise((log1p(h / a), And(r > S.Half, r < 2)), (log(r), True)))),
        ("near", printer.doprint(abs(L) < LOG_RATIO)),
        ("Ls", printer.doprint(Piecewise((L, near), (0, True)))),
        ("acc", "0"),
    ]
    for s, wt in _nodes():
        s, wt = Float(s, 17), Float(wt, 17)
        body += [("x", printer.doprint(a * exp(s * Ls))),
                 ("acc", printer.doprint(acc + wt * x**2 * expm1(Ls * (1 - s)) * trigamma_excess(x)))]
    far = (loggamma(b) - loggamma(a) - h * polygamma(0, a)) - (b * L - h)
    body.append(("value", printer.doprint(Piecewise((Ls * acc, near), (far, True)))))
    return Helper(
        "_lgamma_excess_bregman", ("a", "h", "b"),
        "The Bregman divergence of lgamma(x) - (x log x - x) at a, b = a + h (>= 0: the second derivative psi'(x) - "
        "1/x is positive): with L = log(b/a) (log1p(h/a) within a factor 2, log(b/a) beyond, where a + h would lose "
        "a small b's digits) and x(s) = a e**(s L), the integral over [a, b] of (b - x) (psi'(x) - 1/x) dx is L "
        "times the integral over [0, 1] of x(s)**2 expm1(L (1 - s)) "
        f"(psi'(x(s)) - 1/x(s)) ds, summed by {NODES}-point Gauss-Legendre where |L| < {LOG_RATIO} (the integrand is "
        "analytic within pi of the segment, so the rule is exact to rounding), the differences of lgamma and "
        "x log x beyond.",
        tuple(body),
    )


def _trigamma_excess_difference(printer) -> Helper:
    x, y, X, r, q, acc = _real("x", "y", "X", "r", "q", "acc")
    # w(t) - w(u) for u = t + y of each of the SHIFT recurrence terms 1/(t**2 (t + 1)): y (u**2 + u t + t**2 + u + t)
    # over t**2 (t + 1) u**2 (u + 1), positive
    head = Add(*(y * ((x + y + i) ** 2 + (x + y + i) * (x + i) + (x + i) ** 2 + (x + y + i) + (x + i))
                 / ((x + i) ** 2 * (x + i + 1) * (x + y + i) ** 2 * (x + y + i + 1)) for i in range(SHIFT)))
    # the asymptotic series' terms c_n (X**-n - (X + y)**-n) = c_n r**n (-expm1(-n q)), q = log1p(y / X)
    tail = Rational(1, 2) * r**2 * -expm1(-2 * q) + Add(
        *(Float(bernoulli(2 * k), 17) * r ** (2 * k + 1) * -expm1(-(2 * k + 1) * q) for k in range(1, TERMS + 1)))
    return Helper(
        "_trigamma_excess_difference", ("x", "y"),
        f"w(x) - w(x + y) for x > 0, y >= 0, w(x) = psi'(x) - 1/x: the {SHIFT} recurrence terms' differences as "
        "y (u**2 + u t + t**2 + u + t) / (t**2 (t + 1) u**2 (u + 1)) (t = x + i, u = t + y; positive), then the "
        f"asymptotic series' at X = x + {SHIFT}, each c_n (X**-n - (X + y)**-n) as c_n X**-n (-expm1(-n log1p(y/X))): "
        "no difference of nearby values as y -> 0.",
        (
            ("X", printer.doprint(x + SHIFT)),
            ("r", printer.doprint(1 / X)),
            ("q", printer.doprint(log1p(y * r))),
            ("acc", printer.doprint(head)),
            ("value", printer.doprint(acc + tail)),
        ),
    )


def _product_difference(printer) -> Helper:
    """Dekker: a = ah + al with 26-bit halves (Veltkamp's split by 2**27 + 1), so ah·bh, ah·bl, al·bh, al·bl are
    exact and a·b = p + e exactly; the assignments keep the order of the operations (SymPy would fold c − (c − a))."""
    names = ("a", "b", "c", "d")
    body = []

    def split(v):
        body.extend([("t", printer.doprint(Float(2**27 + 1) * Symbol(v))), ("u", printer.doprint(_T - Symbol(v))),
                     (f"{v}h", printer.doprint(_T - _U)), (f"{v}l", printer.doprint(Symbol(v) - Symbol(f"{v}h")))])

    for v in names:
        split(v)
    for p, (f, g) in (("p", ("a", "b")), ("q", ("c", "d"))):
        fh, fl, gh, gl = (Symbol(n) for n in (f"{f}h", f"{f}l", f"{g}h", f"{g}l"))
        e = Symbol(f"e{p}")
        body.extend([(p, printer.doprint(Symbol(f) * Symbol(g))), (str(e), printer.doprint(fh * gh - Symbol(p))),
                     (str(e), printer.doprint(e + fh * gl)), (str(e), printer.doprint(e + fl * gh)),
                     (str(e), printer.doprint(e + fl * gl))])
    P, Q, EP, EQ, PQ = (Symbol(n) for n in ("p", "q", "ep", "eq", "pq"))
    body += [("pq", printer.doprint(P - Q)), ("value", printer.doprint(PQ + grouped(EP - EQ)))]
    return Helper(
        "_product_difference", names,
        "a*b - c*d to about an ulp of the result: each product as p + e exactly (Dekker's product, with Veltkamp's "
        "split by 2**27 + 1 into 26-bit halves), then (p - q) + (ep - eq), p - q exact where the products are within "
        "a factor 2 of each other.",
        tuple(body),
    )


_T, _U = Symbol("t"), Symbol("u")

_HELPERS = ((lgamma_excess_bregman, _lgamma_excess_bregman), (trigamma_excess, _trigamma_excess),
            (trigamma_excess_difference, _trigamma_excess_difference), (product_difference, _product_difference))
#: a helper's calls of other helpers
_CALLS = {lgamma_excess_bregman: (trigamma_excess,)}


def helpers_for(expr, printer) -> list[Helper]:
    """The helpers ``expr`` calls, and the ones they call, for ``printer``'s target."""
    used = {func for func, _ in _HELPERS if expr.has(func)}
    used |= {callee for func in list(used) for callee in _CALLS.get(func, ())}
    return [_printed(make, type(printer)) for func, make in _HELPERS if func in used]


@lru_cache(maxsize=None)
def _printed(make, printer_class) -> Helper:
    return make(printer_class({"fully_qualified_modules": True}))
