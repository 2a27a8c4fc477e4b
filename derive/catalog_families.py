"""Derivations for the declared families, generated from one recipe per kind (names are a contract: lower case,
hyphenated): ``entropy-F``, and for each pair ``cross-entropy-F-G`` and ``kl-F-G`` (q from F, p from G), with
parameters suffixed 1 for q and 2 for p. A pair whose supports do not nest ends in +∞, with the reason."""

from __future__ import annotations

from dataclasses import replace

from sympy import (
    Add,
    And,
    Dummy,
    Mul,
    Piecewise,
    erf,
    exp,
    expand,
    expand_log,
    factor,
    fraction,
    log,
    oo,
    powsimp,
)

from derive import support
from derive.catalog import _log_density_lemma, _moment_lemma, _univariate
from derive.engine import P, Q, expectation_walk, kl_walk, over
from derive.families.bernoulli import Bernoulli
from derive.families.beta import Beta
from derive.families.binomial import Binomial
from derive.families.cauchy import Cauchy
from derive.families.continuous_bernoulli import ContinuousBernoulli
from derive.families.exponential import EXTRA as EXPONENTIAL_EXTRA
from derive.families.exponential import Exponential
from derive.families.gamma import Gamma
from derive.families.geometric import Geometric
from derive.families.gumbel import Gumbel
from derive.families.half_cauchy import HalfCauchy
from derive.families.half_normal import HalfNormal
from derive.families.inverse_gamma import InverseGamma
from derive.families.kumaraswamy import Kumaraswamy
from derive.families.laplace import Laplace
from derive.families.lognormal import LogNormal
from derive.families.normal import EXTRA as NORMAL_EXTRA
from derive.families.normal import Normal
from derive.families.pareto import Pareto
from derive.families.poisson import Poisson
from derive.families.student_t import StudentT
from derive.families.uniform import Uniform
from derive.families.weibull import Weibull
from derive.notation import KL, CrossEntropy, Entropy
from derive.prove import DerivationError, symbolic_equal
from derive.registry import get, register
from derive.step import Step
from derive.symbols import (
    mu,
    mu1,
    mu2,
    rate,
    rate1,
    rate2,
    scale,
    scale1,
    scale2,
    sigma,
    sigma1,
    sigma2,
    z,
)

DECLARED = (Laplace, Gamma, Gumbel, LogNormal, Weibull, InverseGamma, Beta, Cauchy, HalfCauchy, StudentT, Kumaraswamy,
            Pareto, Bernoulli, Geometric, Uniform, Poisson, Binomial, ContinuousBernoulli)
_NORMAL = {"": (mu, sigma), "1": (mu1, sigma1), "2": (mu2, sigma2)}
_ONE = {"": (rate, scale), "1": (rate1, scale1), "2": (rate2, scale2)}
MEMBERS = {
    "normal": lambda s: Normal(*_NORMAL[s]),
    "exponential": lambda s: Exponential(_ONE[s][0]),
    "half-normal": lambda s: HalfNormal(_ONE[s][1]),
    **{F.family: F.member for F in DECLARED},
}
#: how a family is called in titles
TITLE = {"laplace": "Laplace", "gumbel": "Gumbel", "lognormal": "log-normal", "weibull": "Weibull", "cauchy": "Cauchy",
         "half-cauchy": "half-Cauchy", "student-t": "Student's t", "kumaraswamy": "Kumaraswamy", "pareto": "Pareto",
         "bernoulli": "Bernoulli", "poisson": "Poisson", "binomial": "binomial", "continuous-bernoulli": "continuous Bernoulli"}

#: pairs (q family, p family) with a cross-entropy and KL divergence here: torch.distributions' KL registry among
#: the families above, then pairs no peer has
PAIRS = (
    ("exponential", "gamma"), ("exponential", "gumbel"), ("exponential", "normal"),
    ("gamma", "exponential"), ("gamma", "gamma"), ("gamma", "gumbel"), ("gamma", "normal"),
    ("gumbel", "gumbel"), ("gumbel", "normal"), ("laplace", "laplace"), ("laplace", "normal"),
    ("normal", "gumbel"), ("normal", "laplace"),
    ("gumbel", "exponential"), ("gumbel", "gamma"), ("laplace", "exponential"), ("laplace", "gamma"),
    ("normal", "exponential"), ("normal", "gamma"),
    ("beta", "beta"), ("beta", "exponential"), ("beta", "gamma"), ("beta", "normal"),
    ("exponential", "beta"), ("gamma", "beta"), ("gumbel", "beta"), ("laplace", "beta"), ("normal", "beta"),
    ("cauchy", "cauchy"), ("bernoulli", "bernoulli"), ("geometric", "geometric"),
    ("lognormal", "lognormal"), ("weibull", "weibull"), ("inverse-gamma", "inverse-gamma"),
    ("uniform", "uniform"), ("uniform", "normal"), ("uniform", "gumbel"), ("uniform", "exponential"),
    ("uniform", "gamma"), ("uniform", "beta"), ("uniform", "pareto"), ("pareto", "pareto"),
    ("beta", "uniform"), ("beta", "pareto"), ("exponential", "pareto"), ("exponential", "uniform"),
    ("gamma", "pareto"), ("gamma", "uniform"), ("gumbel", "pareto"), ("gumbel", "uniform"), ("laplace", "pareto"),
    ("laplace", "uniform"), ("normal", "pareto"), ("normal", "uniform"), ("pareto", "beta"),
    ("pareto", "exponential"), ("pareto", "gamma"), ("pareto", "normal"), ("pareto", "uniform"),
    ("poisson", "poisson"), ("poisson", "bernoulli"), ("bernoulli", "poisson"), ("binomial", "binomial"),
    ("poisson", "binomial"),
    ("continuous-bernoulli", "continuous-bernoulli"), ("continuous-bernoulli", "exponential"),
    ("continuous-bernoulli", "normal"), ("continuous-bernoulli", "pareto"), ("continuous-bernoulli", "uniform"),
    ("beta", "continuous-bernoulli"), ("exponential", "continuous-bernoulli"), ("gamma", "continuous-bernoulli"),
    ("gumbel", "continuous-bernoulli"), ("laplace", "continuous-bernoulli"), ("normal", "continuous-bernoulli"),
    ("pareto", "continuous-bernoulli"), ("uniform", "continuous-bernoulli"),
)


#: families in the order the article's chapters take them, with the derivations each chapter shows (q from it)
CHAPTERS = ("exponential", "half-normal", "laplace", "gamma", "beta", "gumbel", "lognormal", "weibull", "inverse-gamma",
            "cauchy", "half-cauchy", "student-t", "kumaraswamy", "pareto", "uniform", "continuous-bernoulli",
            "bernoulli", "geometric", "poisson", "binomial", "normal")


def chapter(family: str) -> list[str]:
    """The derivations of ``family``'s chapter: its entropy, then the pairs with q from it (the Gaussian pairs of the
    seed's article have their own sections)."""
    own = [] if family == "normal" else [f"entropy-{family}"]
    if family in ("exponential", "half-normal"):
        own += [f"cross-entropy-{family}-{family}", f"kl-{family}-{family}"]
    return own + [f"{kind}-{q}-{p}" for q, p in PAIRS if q == family for kind in ("cross-entropy", "kl")]


def chapter_title(family: str) -> str:
    return "Normal distributions against other families" if family == "normal" else \
        f"The {_title(family)} family"


def params_of(q) -> tuple:
    if isinstance(q, Normal):
        return (q.loc, q.scale)
    if isinstance(q, Exponential):
        return (q.rate,)
    if isinstance(q, HalfNormal):
        return (q.scale,)
    return q.params


def _title(family: str) -> str:
    return TITLE.get(family, family)


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def tidy(expr):
    """The closed form shown last: logs of products split, like terms collected, exponentials of one term merged,
    denominators and the arguments of exp/erf factored."""
    expr = expand_log(expr)
    logs = {e: Dummy() for e in expr.atoms(log)}  # expand around the logs, not inside them
    expr = expand(expr.xreplace(logs), power_exp=False).xreplace({d: e for e, d in logs.items()})
    expr = Add(*(_factor_denominator(powsimp(t, combine="exp")) for t in Add.make_args(expr)))
    return expr.replace(lambda e: isinstance(e, (exp, erf)), lambda e: e.func(factor(e.args[0])))


def _factor_denominator(term):
    numerator, denominator = fraction(term)
    return numerator / factor(denominator) if denominator != 1 else term


def register_entropy(family: str):
    name = f"entropy-{family}"
    q = MEMBERS[family]("")
    summary = f"H(q) for q = {q.law()}"

    @register(name, summary)
    def build():
        steps = expectation_walk(q, q, z, same=True, canonical=None, where=name)
        steps = _closed(steps, name)
        t = _title(family)
        return _univariate(name, f"Entropy of {_article(t)} {t} distribution", summary, Entropy(Q), steps, q,
                           params=params_of(q))


def _closed(steps, name):
    """Replace the last (identity) step by the tidied closed form."""
    from derive.engine import rule_closed_form

    return steps[:-1] + (rule_closed_form(steps[-2].expr, tidy(steps[-2].expr), name),)


def _infinite(definition, q, p, params):
    return (Step(definition, "definition", "", ()),
            Step(oo, "support", support.describe(q, p), (), check=support.checker(q, p, params)))


def _finite_part(expr):
    """(value, condition) of a closed form that is +∞ unless a condition holds: each Piecewise (v, c), (oo, True)
    inside it (a lemma's moment that exists only for some parameters) contributes c and is replaced by v."""
    conditions = []

    def finite(*args):
        if len(args) != 2 or args[1].expr != oo:
            raise ValueError(f"not of the form (value, condition), (oo, True): {Piecewise(*args)}")
        conditions.append(args[0].cond)
        return args[0].expr

    value = expr.replace(lambda e: isinstance(e, Piecewise), lambda e: finite(*e.args))
    return value, And(*conditions)


def _where(expr, cond):
    return Piecewise((expr, cond), (oo, True))


def _conditional(steps, finite, reason, check, name):
    """The walk ``steps`` of a pair that is finite only where ``finite`` holds: after the definition, a step states
    that the integral is +∞ elsewhere (checked by ``check`` on both sides), then each step of the walk inside
    Piecewise((step, finite), (oo, True)), ending in the tidied closed form."""
    value, _ = _finite_part(steps[-1].expr)
    closed = tidy(value)
    if not symbolic_equal(value, closed):
        raise DerivationError(f"{name}: the tidied closed form {closed} is not equal to {value}")
    wrapped = [replace(s, expr=_where(s.expr, finite)) for s in steps[1:-1]]
    return (steps[0], Step(_where(steps[0].expr, finite), "finiteness", reason, (), check=check), *wrapped,
            Step(_where(closed, finite), "simplify", "collect terms into the closed form", ()))


def _finite_where(q, p, params, steps, integrand, name, moments=None):
    """(steps, condition) of a pair walk: as they are when the pair is always finite, else made conditional. The
    condition is that the supports nest and the expectations the walk used exist (``moments``, by default those
    the walk's last step needs)."""
    nest = support.condition(q, p)
    if moments is None:
        moments = _finite_part(steps[-1].expr)[1]
    moments = And(*(c for c in And.make_args(moments) if c not in And.make_args(nest)))
    finite = And(nest, moments).simplify()  # alpha > 1 and alpha > 2: alpha > 2
    if finite == True:  # noqa: E712  (SymPy's true)
        return _closed(steps, name), None
    reason = support.describe_condition(q, p, finite, moments)
    check = support.checker(q, p, params, finite, integrand, z)
    return _conditional(steps, finite, reason, check, name), finite


def register_pair(qf: str, pf: str):
    q, p = MEMBERS[qf]("1"), MEMBERS[pf]("2")
    params = params_of(q) + params_of(p)
    ce_name, kl_name = f"cross-entropy-{qf}-{pf}", f"kl-{qf}-{pf}"
    laws = f"q = {q.law()}, p = {p.law()}"
    tq, tp = _title(qf), _title(pf)
    against = f"{_article(tq)} {tq} distribution against {_article(tp)} {tp} distribution"
    infinite = support.gap(q, p)

    @register(ce_name, f"H(q, p) for {laws}")
    def build_ce():
        condition = None
        if infinite:
            steps = _infinite(-over(q, Mul(Q(z), log(P(z)), evaluate=False), z), q, p, params)
        else:
            walk = expectation_walk(q, p, z, same=False, canonical=None, where=ce_name)
            steps, condition = _finite_where(q, p, params, walk, -q.density(z) * p.log_density(z), ce_name)
        return _univariate(ce_name, f"Cross-entropy of {against}", f"H(q, p) for {laws}", CrossEntropy(Q, P), steps,
                           q, p, params=params, condition=condition)

    @register(kl_name, f"KL(q || p) for {laws}")
    def build_kl():
        condition = None
        if infinite:
            steps = _infinite(over(q, Mul(Q(z), log(Q(z) / P(z)), evaluate=False), z), q, p, params)
            cites = ()
        else:
            ce, h = get(ce_name), get(f"entropy-{qf}")
            h_q = h.closed_form.xreplace(dict(zip(params_of(MEMBERS[qf]("")), params_of(q))))
            ce_value, ce_finite = _finite_part(ce.closed_form)
            steps = kl_walk(q, z, (ce.name, ce_value), (h.name, h_q), canonical=None, where=kl_name)
            integrand = q.density(z) * (q.log_density(z) - p.log_density(z))
            steps, condition = _finite_where(q, p, params, steps, integrand, kl_name, moments=ce_finite)
            cites = (ce.name, h.name)
        return _univariate(kl_name, f"KL divergence of {against}", f"KL(q || p) for {laws}", KL(Q, P), steps, q, p,
                           params=params, cites=cites, condition=condition)


def register_lemmas(F):
    q = F.member("")
    for i, (slug, _, title, free) in enumerate(q.lemma_statistics(z)):
        _moment_lemma(q.lemma(slug), title, q, params_of(q) + free, i, q.lemma_condition(slug))
    t = _title(F.family)
    _log_density_lemma(q.lemma("log-density"), f"The log-density of {_article(t)} {t} distribution, written out", q,
                       params_of(q), f"log q(z) for q = {q.law()}")


def _register_extra_lemmas(q, extra, first):
    for i, (name, _, title, free) in enumerate(extra, start=first):
        _moment_lemma(name, title, q, params_of(q) + free, i)


_register_extra_lemmas(MEMBERS["normal"](""), NORMAL_EXTRA, 4)
_register_extra_lemmas(MEMBERS["exponential"](""), EXPONENTIAL_EXTRA, 2)
for _F in DECLARED:
    register_entropy(_F.family)
    register_lemmas(_F)
for _q, _p in PAIRS:
    register_pair(_q, _p)
