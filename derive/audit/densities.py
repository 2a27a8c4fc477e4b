"""``--let`` and ``--assume``: the densities a document's ``q(z)``, ``p(z)`` stand for, and what its symbols are.

``--let "q = N(mu, sigma^2)"`` (mean and variance, the textbook notation), or any of derive's families by its name
with torch.distributions' parameters, by position or by keyword: ``--let "p = gamma(concentration=a, rate=b)"``,
``--let "q = laplace(m, b)"``, ``--let "q = normal(loc=0, scale=s)"`` (``normal`` takes the scale, ``N`` the
variance). Arguments are expressions of names (``sigma^2``, ``2*b``); a name that stands alone for a positive
parameter (or as ``s^2``) is taken positive, one of a probability in (0, 1); others are real, and a positive
parameter written as an expression must come out positive at every random point (a condition).

``--assume "sigma > 0"`` (also ``>=``, ``<``, ``a > b``, ``0 < p < 1``): ``name > 0`` makes the name positive,
anything else is a condition the random check points satisfy.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from sympy import And, Expr, Symbol, sqrt

from derive.audit.errors import AuditError
from derive.families.bernoulli import Bernoulli
from derive.families.beta import Beta
from derive.families.binomial import Binomial
from derive.families.cauchy import Cauchy
from derive.families.continuous_bernoulli import ContinuousBernoulli
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
from derive.families.normal import Normal
from derive.families.pareto import Pareto
from derive.families.poisson import Poisson
from derive.families.student_t import StudentT
from derive.families.uniform import Uniform
from derive.families.weibull import Weibull
from derive.spec import SpecError, parse_expression


@dataclass(frozen=True)
class Law:
    """How a family is written: its parameters (name, domain) and how to build the member from them."""

    name: str
    parameters: tuple[tuple[str, str], ...]
    build: object  # callable(*args) -> Distribution


def _law(cls) -> Law:
    return Law(cls.family, tuple((n, d) for n, d, _ in cls.parameters), cls)


LAWS = {law.name: law for law in (
    Law("N", (("mean", "real"), ("variance", "positive")), lambda m, v: Normal(m, sqrt(v))),
    Law("normal", (("loc", "real"), ("scale", "positive")), Normal),
    Law("exponential", (("rate", "positive"),), Exponential),
    Law("half-normal", (("scale", "positive"),), HalfNormal),
    *(_law(cls) for cls in (Laplace, Gamma, Gumbel, LogNormal, Weibull, InverseGamma, Beta, Cauchy, HalfCauchy,
                            StudentT, Kumaraswamy, Pareto, Bernoulli, Geometric, Uniform, Poisson, Binomial,
                            ContinuousBernoulli)),
)}
ALIASES = {"gaussian": "normal", "Normal": "normal", "Gaussian": "normal", "Exp": "exponential"}


def _law_named(name: str) -> Law:
    key = ALIASES.get(name, name)
    for candidate in (key, key.lower().replace("_", "-")):
        if candidate in LAWS:
            return LAWS[candidate]
    raise AuditError(f"unknown family '{name}' in --let (known: {', '.join(sorted(LAWS))})")


@dataclass(frozen=True)
class Let:
    """A density named in the document (``q``) and the law it follows."""

    name: str
    law: Law
    args: tuple[Expr, ...]
    text: str

    def member(self, args=None):
        """The distribution, with the written parameters ``args`` (``q(z; m, s^2)``) instead of the let's if given."""
        args = self.args if args is None else tuple(args)
        if len(args) != len(self.law.parameters):
            raise AuditError(f"{self.name} follows {self.law.name}, which takes {len(self.law.parameters)} "
                             f"parameters, written with {len(args)}")
        return self.law.build(*args)


@dataclass
class Context:
    """Names of the document's symbols, the densities, and the conditions random points must meet."""

    names: dict[str, Symbol] = field(default_factory=dict)
    lets: dict[str, Let] = field(default_factory=dict)
    conditions: list = field(default_factory=list)
    intervals: dict = field(default_factory=dict)  # symbol -> (lo, hi)

    def condition(self):
        return And(*self.conditions) if self.conditions else None


def _parse_let(text: str) -> tuple[str, Law, list[tuple[str, ast.expr]]]:
    """(density name, law, [(parameter, argument syntax)]) of ``NAME = FAMILY(args)``."""
    name, sep, law_text = text.partition("=")
    name = name.strip()
    hint = "expected NAME = FAMILY(ARGS), as in --let \"q = N(mu, sigma^2)\""
    if not sep or not name.isidentifier():
        raise AuditError(f"bad --let '{text}': {hint}")
    try:
        call = ast.parse(_py(law_text), mode="eval").body
    except SyntaxError:
        raise AuditError(f"bad --let '{text}': {hint}") from None
    if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Name):
        raise AuditError(f"bad --let '{text}': {hint}")
    law = _law_named(call.func.id)
    params = [n for n, _ in law.parameters]
    if len(call.args) > len(params):
        raise AuditError(f"--let '{text}': {law.name} takes {len(params)} parameters ({', '.join(params)})")
    given = dict(zip(params, call.args))
    for kw in call.keywords:
        if kw.arg not in params or kw.arg in given:
            raise AuditError(f"--let '{text}': {law.name} has no parameter '{kw.arg}' to set "
                             f"(its parameters: {', '.join(params)})")
        given[kw.arg] = kw.value
    missing = [p for p in params if p not in given]
    if missing:
        raise AuditError(f"--let '{text}': {law.name} needs {', '.join(missing)} (its parameters: {', '.join(params)})")
    return name, law, [(p, given[p]) for p in params]


def _bare_symbol(node: ast.expr) -> str | None:
    """The name of ``s`` or ``s**k`` (a parameter written as one name), else None."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow) and isinstance(node.right, ast.Constant):
        node = node.left
    return node.id if isinstance(node, ast.Name) else None


def _py(text: str) -> str:
    """``lambda`` (a Python keyword, and \\lambda in LaTeX) as ``lambda_`` for Python's parser; ``^`` as ``**``."""
    return re.sub(r"\blambda\b", "lambda_", text.strip().replace("^", "**"))


def _symbol_name(name: str) -> str:
    return "lambda" if name == "lambda_" else name


def _names_in(node: ast.expr) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def context(lets: list[str], assumptions: list[str]) -> Context:
    """Read ``--let`` and ``--assume`` into a :class:`Context` (one-line :class:`AuditError` on a bad one)."""
    parsed = [(text, *_parse_let(text)) for text in lets]
    kinds: dict[str, set[str]] = {}
    for _, _, law, args in parsed:
        for (_, domain), (_, node) in zip(law.parameters, args):
            bare = _bare_symbol(node)
            for n in _names_in(node):
                kinds.setdefault(n, set()).add(domain if n == bare else "real")
    positive = {n for a in assumptions if (n := _positive_name(a))}
    ctx = Context()
    for n in sorted(kinds.keys() | positive):
        k = kinds.get(n, set()) | ({"positive"} if n in positive else set())
        ctx.names[n] = ctx.names[_symbol_name(n)] = Symbol(_symbol_name(n), **_assumptions(k))
        if "unit" in k:
            ctx.intervals[ctx.names[n]] = (0, 1)
    ctx.names.setdefault("z", Symbol("z", real=True))
    for text, name, law, args in parsed:
        if name in ctx.lets:
            raise AuditError(f"--let '{text}': '{name}' is already declared")
        values = tuple(_expression(node, ctx, f"--let '{text.strip()}'") for _, node in args)
        for (_, domain), value in zip(law.parameters, values):
            if domain in ("positive", "unit") and not value.is_positive and not value.is_number:
                ctx.conditions.append(value > 0)
            elif value.is_number and domain in ("positive", "unit") and not value.is_positive:
                raise AuditError(f"--let '{text}': a {domain} parameter of {law.name} is {value}")
        ctx.lets[name] = Let(name, law, values, text.strip())
    for a in assumptions:
        if not _positive_name(a):
            ctx.conditions.append(_relation(a, ctx))
    return ctx


def _assumptions(kinds: set[str]) -> dict:
    if "count" in kinds:
        return {"integer": True, "positive": True}
    if kinds & {"positive", "unit"}:
        return {"positive": True}
    return {"real": True}


def _expression(node: ast.expr, ctx: Context, where: str) -> Expr:
    try:
        return parse_expression(ast.unparse(node), ctx.names, where=where)
    except SpecError as err:
        raise AuditError(str(err)) from None


def _positive_name(text: str) -> str | None:
    """The name in ``name > 0`` (or ``0 < name``), else None."""
    m = re.fullmatch(r"\s*([A-Za-z_]\w*)\s*>\s*0\s*", text) or re.fullmatch(r"\s*0\s*<\s*([A-Za-z_]\w*)\s*", text)
    return m.group(1) if m else None


def _relation(text: str, ctx: Context):
    hint = "expected a relation such as --assume \"sigma > 0\" or \"a < b\""
    try:
        node = ast.parse(_py(text), mode="eval").body
    except SyntaxError:
        raise AuditError(f"bad --assume '{text}': {hint}") from None
    ops = {ast.Gt: "__gt__", ast.Lt: "__lt__", ast.GtE: "__ge__", ast.LtE: "__le__"}
    if not isinstance(node, ast.Compare) or not all(type(op) in ops for op in node.ops):
        raise AuditError(f"bad --assume '{text}': {hint}")
    for n in sorted(_names_in(node) - ctx.names.keys()):
        ctx.names[n] = ctx.names[_symbol_name(n)] = Symbol(_symbol_name(n), real=True)
    sides = [_expression(s, ctx, f"--assume '{text.strip()}'") for s in (node.left, *node.comparators)]
    return And(*(getattr(a, ops[type(op)])(b) for a, op, b in zip(sides, node.ops, sides[1:])))
