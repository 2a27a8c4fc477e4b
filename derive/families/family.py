"""A family declared as data: parameters (torch.distributions' names and domains), support, log-density, the
substitution that standardises it, and the expectations of its standard member. Its moment lemmas (E_q[log z],
E_q[e^(-t z)], ...) are derived from those by ``derive.lemmas``; nothing else is authored per family."""

from __future__ import annotations

from functools import lru_cache

from sympy import Expr, Symbol, Wild, sympify

from derive.families.base import Distribution, Statistic
from derive.notation import law_notation
from derive.numeric import CONDITION
from derive.symbols import LATEX_NAMES

#: parameter domain -> SymPy assumptions of its symbols
ASSUMPTIONS = {"positive": {"positive": True}, "real": {"real": True}, "unit": {"positive": True},
               "count": {"integer": True, "nonnegative": True}}
#: parameter domain -> the interval random check points are drawn from (beyond the assumptions)
INTERVALS = {"unit": (0, 1)}


@lru_cache(maxsize=None)
def parameter(name: str, domain: str, latex: str, suffix: str = "") -> Symbol:
    """The symbol of parameter ``name`` + ``suffix`` (1 for q, 2 for p), printed ``latex`` with the suffix as a
    subscript."""
    symbol = Symbol(name + suffix, **ASSUMPTIONS[domain])
    LATEX_NAMES.setdefault(symbol, latex + (f"_{{{suffix}}}" if suffix else ""))
    return symbol


class Family(Distribution):
    """A member of a declared family with parameters ``params`` (symbols or numbers), in declaration order."""

    family = ""  # the contract name: lower case, hyphenated
    law_name = ""  # printed name of the law, e.g. Gamma
    #: (torch.distributions constructor name, domain, LaTeX) per parameter
    parameters: tuple[tuple[str, str, str], ...] = ()
    substitution = ""  # the standardising substitution, in words
    standard_moments_text = ""
    variable_positive = False  # the standard variable u is positive (log u expands)

    def __init__(self, *params):
        if len(params) != len(self.parameters):
            raise TypeError(f"{self.family} takes {len(self.parameters)} parameters, got {len(params)}")
        self.params = tuple(sympify(p) for p in params)

    def __getattr__(self, name: str):
        """A parameter by its name: ``member.rate``, ``member.concentration``."""
        names = [n for n, _, _ in type(self).parameters]
        if name != "params" and name in names:
            return self.params[names.index(name)]
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")

    @classmethod
    def symbols(cls, suffix: str = "") -> tuple[Symbol, ...]:
        return tuple(parameter(n, d, tex, suffix) for n, d, tex in cls.parameters)

    @classmethod
    def member(cls, suffix: str = "") -> Family:
        return cls(*cls.symbols(suffix))

    def domains(self) -> dict:
        """symbol -> (lo, hi) for parameters confined to an interval (probabilities in (0, 1))."""
        out = {p: INTERVALS[d] for p, (_, d, _) in zip(self.params, self.parameters) if d in INTERVALS}
        relation = self.relation()
        return {**out, CONDITION: relation} if relation is not None else out

    def relation(self):
        """A relation the parameters must satisfy jointly beyond their domains (Uniform: high > low), or None."""
        return None

    def law(self) -> Expr:
        return law_notation(self.law_name, len(self.params))(*self.law_args())

    def law_args(self):
        return self.params

    def lemma(self, slug: str) -> str:
        return f"lemma-{self.family}-{slug}"

    def lemma_condition(self, slug: str):
        """Where lemma ``slug`` holds, when not at every parameter value (E[log z] under a uniform: low > 0)."""
        return None

    def lemma_statistics(self, z) -> tuple[tuple[str, Expr, str, tuple], ...]:
        """(slug, statistic, title, free symbols that act as pattern variables) of each moment lemma."""
        raise NotImplementedError

    #: slugs of lemmas with no closed form: their value is the sum (integral) itself, computed numerically
    kept: tuple[str, ...] = ()

    def statistics(self, z) -> tuple[Statistic, ...]:
        """The moment lemmas' statistics and values (derived once per family, parameters and variable: every walk
        and lemma of the family asks for them)."""
        return _statistics(type(self), self.params, z)

    # the standard member and its expectations ------------------------------------------------------------------
    def standard_expectations(self, u) -> tuple[tuple[Expr, Expr], ...]:
        """(pattern in u with Wild symbols, value) for statistics beyond the powers of u."""
        return ()


@lru_cache(maxsize=None)
def _statistics(cls, params, z) -> tuple[Statistic, ...]:
    from derive.lemmas import expectation, kept_expectation

    q = cls(*params)
    return tuple(Statistic(stat, (kept_expectation if slug in q.kept else expectation)(q, stat), q.lemma(slug), free)
                 for slug, stat, _, free in q.lemma_statistics(z))


class LocationScale(Family):
    """A family with parameters ``loc`` and ``scale`` (and maybe shapes): z = loc + scale·u standardises it."""

    substitution = "z = loc + scale * u"

    def quadrature_hint(self):
        return self.loc, self.scale

    def standardise(self, u):
        return self.loc + self.scale * u

    def standard(self):
        """The member with loc 0 and scale 1 (other parameters kept)."""
        fixed = {"loc": 0, "scale": 1}
        return type(self)(*(fixed.get(n, p) for (n, _, _), p in zip(self.parameters, self.params)))


def wild(name: str, u, positive: bool = False) -> Wild:
    """A pattern variable free of ``u`` (and positive, if asked)."""
    props = [lambda x: bool(x.is_positive)] if positive else []
    return Wild(name, exclude=[u], properties=props)
