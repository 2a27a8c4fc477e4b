"""Discrete entropies, cross-entropies and the binomial KL as sums of positive terms, with Loader's saddle-point
log-pmf.

H(q, p) = Σ_z q(z)·(−log p(z)), and every term is >= 0. The derived closed form of the Poisson's entropy,
λ − λ log λ + Σ q(z) log z!, is a difference of terms of order λ log λ whose total is O(log λ): at λ = 100 its code
was 2.7e4 ulp off (the binomial's at n = 37, 1.1e3). log p(z) = z log λ − λ − log z! cancels the same way near the
mode, so it is written as Loader (2000, "Fast and accurate computation of binomial probabilities") does::

    Poisson:  log p(z) = −stirlerr(z) − bd0(z, λ) − ½ log(2π z)                                  (z >= 1; −λ at 0)
    binomial: log p(z) = stirlerr(n) − stirlerr(z) − stirlerr(n − z) − bd0(z, n p) − bd0(n − z, n (1 − p))
                         + ½ log(n / (2π z (n − z)))                     (0 < z < n; n log(1 − p) at 0, n log p at n)

with stirlerr(n) = log n! − (n + ½) log n + n − ½ log 2π and bd0(x, m) = x log(x / m) + m − x, each computed
without cancellation by the module's helpers (``derive.emit.helpers``): a table and an asymptotic series, and a
series in v = (x − m)/(x + m) where |v| < 1/3. ``identity.same`` checks each log-pmf against the family's own at
exact points before it is used. The binomial KL is two such sums as well (``binomial_kl``), checked against the
derived closed form.

The weights q(z) are e^L with L the log-pmf in double-double arithmetic (``extended``: ``binomial_pmf``,
``poisson_pmf``), whose log-factorials come from a table over 0 .. max(m) per call: a float L is off by up to half
an ulp of |L|, which e^L turns into |L|/2 ulp (9.6 ulp for H(Binomial(37, 1e-6)), 15.5 at p = 1e-9). The binomial
KL's x(z) = log p(z) − log q(z) is computed in double-double as well (``binomial_log_ratio``).
"""

from __future__ import annotations

from functools import lru_cache

from sympy import Add, Eq, Function, Piecewise, Rational, S, Sum, Symbol, binomial, exp, factorial, log, oo, pi, sign
from sympy.codegen.cfunctions import log1p


class stirlerr(Function):
    """log n! − (n + ½) log n + n − ½ log 2π, for integers n >= 0 (0 at n = 0, where it is defined so)."""

    nargs = 1


class bd0(Function):
    """x log(x / m) + m − x for x >= 0, m > 0: the deviance term of Loader's saddle-point expansion."""

    nargs = 2


class table(Function):
    """table(x, v0, v1, ..., vN) = v_x at the integers x = 0 .. N (printed as an index into an array of the
    values; elsewhere v_N, so that a where() around it may evaluate it everywhere)."""


class log_factorial(Function):
    """log m! at the integers m >= 0: a leaf of an ``extended`` body, computed in double-double as
    (m + ½) log m − m + ½ log 2π + stirlerr(m) (0 at m = 0)."""

    nargs = 1


class extended(Function):
    """A value computed by a module helper in double-double arithmetic and rounded once: ``body(*args)`` compiled by
    ``derive.emit.refine.dd_tree``, printed as a call of ``_`` + the class name on ``names``; ``doc`` is the helper's
    docstring."""

    names: tuple[str, ...] = ()
    doc = ""

    @staticmethod
    def body(*args):
        raise NotImplementedError


class binomial_log_ratio(extended):
    """x(z) = log p(z) − log q(z) for q = Binomial(n1, p1), p = Binomial(n2, p2) at the integers 0 <= z <= n1. Its
    terms (log C(n2, z) − log C(n1, z), z log(p2/p1), ...) are of order n log n and cancel to x, which
    ``binomial_kl`` needs to a fraction of an ulp."""

    nargs = 5
    names = ("z", "total_count1", "probs1", "total_count2", "probs2")
    doc = ("log p(z) - log q(z) for q = Binomial(total_count1, probs1), p = Binomial(total_count2, probs2) at the "
           "integers 0 <= z <= total_count1, in double-double arithmetic (its terms, of order n log n, cancel) and "
           "rounded once: log C(total_count2, z) - log C(total_count1, z) + z log(probs2 / probs1) + (total_count1 - "
           "z) log((1 - probs2) / (1 - probs1)) + (total_count2 - total_count1) log(1 - probs2).")

    @staticmethod
    def body(z, n1, p1, n2, p2):
        return (log_factorial(n2) - log_factorial(n2 - z) - log_factorial(n1) + log_factorial(n1 - z)
                + z * (log(p2) - log(p1)) + (n1 - z) * (log(1 - p2) - log(1 - p1)) + (n2 - n1) * log(1 - p2))


class binomial_pmf(extended):
    """q(z) of Binomial(n, p) at the integers 0 <= z <= n: e^L, L the log-pmf in double-double (rounded by
    ``_dd_exp_rounded``). A float log-pmf L is off by up to half an ulp of |L|, and e^L then by |L|/2 ulp (5 at
    Binomial(37, 1e-6)'s z = 1)."""

    nargs = 3
    names = ("z", "total_count", "probs")
    doc = ("The binomial's pmf C(total_count, z) probs**z (1 - probs)**(total_count - z) at the integers 0 <= z <= "
           "total_count: e**L with L = hi + lo its log in double-double arithmetic (a float log L would leave |L|/2 "
           "ulp).")

    @staticmethod
    def body(z, n, p):
        return exp(log_factorial(n) - log_factorial(z) - log_factorial(n - z) + z * log(p) + (n - z) * log(1 - p))


class poisson_pmf(extended):
    """q(z) of Poisson(rate) at the integers z >= 0: exp of the log-pmf in double-double (as ``binomial_pmf``)."""

    nargs = 2
    names = ("z", "rate")
    doc = ("The Poisson's pmf rate**z exp(-rate) / z! at the integers z >= 0: e**L with L = hi + lo its log in "
           "double-double arithmetic (a float log L would leave |L|/2 ulp).")

    @staticmethod
    def body(z, rate):
        return exp(z * log(rate) - rate - log_factorial(z))


class held(Function):
    """x, kept as a factor of a series term by ``quadrature.log_space`` (not written as exp(log x))."""

    nargs = 1


class logpmf(Function):
    """log p(z) of one family in Loader's form: printed as a call of the module's helper, whose body is the steps
    ``loader(*args)`` (stirlerr and bd0 calls) printed by the target's printer; ``formula`` in ASCII for its
    docstring."""

    family = ""
    formula = ""


def _at_least_1(x):
    return Piecewise((x, x > 1), (1, True))


class poisson_logpmf(logpmf):
    """log p(z) of Poisson(rate) at z = 0, 1, ...: −stirlerr(z) − bd0(z, rate) − ½ log(2π z), −rate at 0."""

    nargs = 2
    family = "poisson"
    formula = "-stirlerr(z) - bd0(z, rate) - log(2 pi z)/2, and -rate at z = 0"

    @staticmethod
    def loader(z, rate):
        zs = Symbol("zs", positive=True)
        return (("zs", _at_least_1(z)),
                ("value", Piecewise((-rate, Eq(z, 0)), (-stirlerr(zs) - bd0(zs, rate) - log(2 * pi * zs) / 2, True))))

    @staticmethod
    def direct(z, rate):
        return z * log(rate) - rate - log(factorial(z))


class binomial_logpmf(logpmf):
    """log p(z) of Binomial(total_count, probs) at z = 0 .. total_count: n log(1 − p) at 0, n log p at n, and
    stirlerr(n) − stirlerr(z) − stirlerr(n − z) − bd0(z, n p) − bd0(n − z, n (1 − p)) + ½ log(n / (2π z (n − z)))
    between."""

    nargs = 3
    family = "binomial"
    formula = ("n log(1 - p) at z = 0, n log p at z = n, and stirlerr(n) - stirlerr(z) - stirlerr(n - z) - bd0(z, n p) "
               "- bd0(n - z, n (1 - p)) + log(n / (2 pi z (n - z)))/2 between")

    @staticmethod
    def loader(z, n, p):
        zs, ns = Symbol("zs", positive=True), Symbol("ns", positive=True)
        inside = (stirlerr(n) - stirlerr(zs) - stirlerr(ns) - bd0(zs, n * p) - bd0(ns, n * (1 - p))
                  + log(n / (2 * pi * zs * ns)) / 2)
        return (("zs", _at_least_1(z)), ("ns", _at_least_1(n - z)),
                ("value", Piecewise((n * log1p(-p), Eq(z, 0)), (n * log(p), Eq(z, n)), (inside, True))))

    @staticmethod
    def direct(z, n, p):
        return log(binomial(n, z)) + z * log(p) + (n - z) * log(1 - p)


def plain_logpmf(e: logpmf):
    """The helper's value as one expression in the call's arguments (its steps substituted)."""
    steps = e.loader(*e.args)
    value = steps[-1][1]
    for name, step in reversed(steps[:-1]):
        value = value.xreplace({Symbol(name, positive=True): step})
    return value


#: family -> (its log-pmf, its parameters' base names, the upper end of its support, its pmf)
FAMILIES = {"poisson": (poisson_logpmf, ("rate",), lambda *params: oo, poisson_pmf),
            "binomial": (binomial_logpmf, ("total_count", "probs"), lambda n, *_: n, binomial_pmf)}
#: the derivations written as a sum of positive terms: (q's family, p's family)
POSITIVE = {"entropy-poisson": ("poisson", "poisson"), "cross-entropy-poisson-poisson": ("poisson", "poisson"),
            "entropy-binomial": ("binomial", "binomial"),
            "cross-entropy-binomial-binomial": ("binomial", "binomial")}

NOTE = ("The value is summed as -sum q(z) log p(z), whose terms are all positive, with log p in Loader's "
        "saddle-point form (stirlerr and bd0: no cancellation near the mode) and q = e**L, L = log q in "
        "double-double arithmetic, not as the closed form above, whose terms cancel at large counts and rates.")
KL_NOTE = ("The value is summed as sum q(z) (e**x - 1 - x) + P_p(z > total_count1), x = log p(z) - log q(z) (terms "
           "all positive; x and log q in double-double arithmetic, x's terms cancel), not as the closed "
           "form above, whose series cancel against its other terms.")


def _suffixes(name: str) -> tuple[str, str]:
    """The suffixes of q's and p's parameters: none in an entropy, 1 and 2 in a pair."""
    return ("", "") if name.startswith("entropy-") else ("1", "2")


def note(name: str) -> str:
    """The docstring's sentence on how ``positive_form`` sums ``name``."""
    return KL_NOTE if name.startswith("kl-") else NOTE


@lru_cache(maxsize=None)
def positive_form(name: str, expr, args: tuple):
    """``expr`` (the closed form of ``name`` in ``args``) as Σ q(z)·(−log p(z)) with Loader's log-pmfs (the binomial
    KL as ``binomial_kl``), kept inside a Piecewise's first branch (a pair whose supports do not nest is +∞
    elsewhere); None for other derivations. Raises AssertionError if a log-pmf differs from the family's own, or the
    KL from the derived closed form, at a test point. Memoised: the four targets' modules share it."""
    if name == "kl-binomial-binomial":
        series = _checked_kl(name, expr, args)
    elif name in POSITIVE:
        series = _cross_entropy(name, args)
    else:
        return None
    if isinstance(expr, Piecewise):
        (_, cond), *rest = expr.args
        return Piecewise((series, cond), *rest)
    return series


def _cross_entropy(name, args):
    """Σ_z q(z)·(−log p(z)) for ``name`` in POSITIVE, after checking each log-pmf."""
    own = {str(a): a for a in args}
    z = Symbol("z", integer=True, nonnegative=True)
    parameters = [[own[b + suffix] for b in FAMILIES[family][1]] for family, suffix in zip(POSITIVE[name],
                                                                                             _suffixes(name))]
    log_q, log_p = (FAMILIES[family][0](z, *ps) for family, ps in zip(POSITIVE[name], parameters))
    family = FAMILIES[POSITIVE[name][0]]
    q = family[3](z, *parameters[0])
    _check(name, (log_q, log_p), args, q)
    return Sum(held(-log_p) * q, (z, 0, family[2](*parameters[0])))


def binomial_kl(args):
    """KL(Binomial(n1, p1) || Binomial(n2, p2)) for n1 <= n2 as two sums of positive terms.

    With x(z) = log p(z) - log q(z), Σ_z q(z)·(e^x - 1) = P_p(z <= n1) - 1, so

        KL = Σ_{z <= n1} q(z)·(e^x - 1 - x) + P_p(z > n1).

    x(z) = log C(n2, z) - log C(n1, z) + z log(p2/p1) + (n1 - z) log((1 - p2)/(1 - p1)) + (n2 - n1) log(1 - p2)
    is a sum of terms of order n log n that cancel to order 1 near the modes, where a term's error q·(e^x - 1)·δx
    counts against q·x²/2: x is computed in double-double (``binomial_log_ratio``). The closed form's
    E_q[log C(n1, z)] - E_q[log C(n2, z)] cancelled against its other terms (77 ulp at n = (2, 3), 9.4e3 at
    (40, 45)); x summed in floating point left 30 ulp at (40, 45) where the two means nearly agree. Near p = q
    (n1 = n2) the first sum is q·x²/2 + ...: accurate there too."""
    from derive.emit.stable import expm1mx

    own = {str(a): a for a in args}
    n1, p1, n2, p2 = (own[s] for s in ("total_count1", "probs1", "total_count2", "probs2"))
    z = Symbol("z", integer=True, nonnegative=True)
    x = binomial_log_ratio(z, n1, p1, n2, p2)
    q, p = binomial_pmf(z, n1, p1), binomial_pmf(z, n2, p2)
    near = Sum(held(expm1mx(x, p, q)), (z, 0, n1))  # q (e^x - 1 - x) given p = q e^x
    # (1 + sign(z - n1 - 1/2))/2 is 1 where z > n1, else 0 (no Piecewise, which Sum would fold out of held)
    beyond = Sum(held(p * (1 + sign(z - n1 - S.Half)) / 2), (z, 0, n2))
    return near + beyond, x, z


def _checked_kl(name, expr, args):
    """``binomial_kl``, after checking it against the derived closed form at n = (4, 6) and rational probabilities
    (each sum written out term by term)."""
    from derive.emit.identity import same

    value, _, z = binomial_kl(args)
    point = {a: (4 if str(a) == "total_count1" else 6 if a.is_integer else Rational(3, 10 + i))
             for i, a in enumerate(args)}

    def written_out(sum_):
        term, (_, lo, hi) = sum_.function, sum_.limits[0]
        return Add(*(term.xreplace({z: k}) for k in range(int(lo.xreplace(point)), int(hi.xreplace(point)) + 1)))

    arranged = Add(*(written_out(s_) for s_ in value.atoms(Sum))).xreplace(point)
    same(name, expr.args[0][0].xreplace(point).doit(), arranged, {}, "sum of positive terms")
    return value


def _check(name, logs, args, pmf):
    """Each Loader log-pmf against the family's own, and the double-double pmf ``pmf`` (of q) against e to the
    power of q's own log-pmf, at z = 0, 1, 3 and 5 (n = 7, rational rates and probabilities), at 30 digits."""
    from derive.emit.identity import same

    point = {a: (7 if a.is_integer else Rational(3, 10 + i)) for i, a in enumerate(args)}
    for k in (0, 1, 3, 5):
        for e in logs:
            at = e.func(k, *e.args[1:])
            same(name, at.direct(*at.args), plain_logpmf(at), point, "Loader log-pmf")
        own = logs[0].func(k, *logs[0].args[1:])
        same(name, exp(own.direct(*own.args)), pmf.func(k, *pmf.args[1:]), point, "double-double pmf")


__all__ = ["FAMILIES", "KL_NOTE", "NOTE", "POSITIVE", "bd0", "binomial_kl", "binomial_log_ratio", "binomial_logpmf",
           "binomial_pmf", "extended", "held", "log_factorial", "logpmf", "note", "plain_logpmf",
           "poisson_logpmf", "poisson_pmf", "positive_form", "stirlerr", "table"]
