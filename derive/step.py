"""A derivation is a tuple of steps; each step records what was done and why."""

from __future__ import annotations

from dataclasses import dataclass, field

from sympy import Expr


@dataclass(frozen=True)
class Step:
    """One line of a derivation: ``expr`` equals the previous step's ``expr`` by ``rule``.

    ``justification`` is one line in words; ``lemmas`` names the proven lemmas (and cited derivations) the step uses.
    """

    expr: Expr
    rule: str
    justification: str
    lemmas: tuple[str, ...] = ()
    # how to check this step when comparing values cannot (a KL that is +∞): returns how it was shown, or raises
    check: object = field(default=None, compare=False)
    # (integral, value) pairs this step takes from the cited lemmas/derivations (checked on their own): the step
    # follows symbolically when the previous expression with these replaced equals this one
    substitutions: tuple = field(default=(), compare=False)


@dataclass(frozen=True)
class Binding:
    """An undefined function in the steps (``q``, ``p``) and the density it stands for: ``func(var) = body``."""

    func: object  # a sympy UndefinedFunction
    var: object
    body: Expr
    law: Expr  # how the density is named, e.g. N(mu, sigma^2)


@dataclass(frozen=True)
class Derivation:
    """A named derivation: ``lhs`` = steps[0].expr = ... = steps[-1].expr (the closed form).

    ``bindings`` give the densities behind ``q(z)``/``p(z)``, used to check integral steps numerically.
    ``params`` are the free parameters (in the order code arguments take them). When ``dimension`` is set the
    steps hold sums/products over ``d = 1..D`` and ``instantiate(expr, D)`` turns them into concrete ones.
    """

    name: str
    title: str
    lhs: Expr
    steps: tuple[Step, ...]
    bindings: tuple[Binding, ...]
    params: tuple
    summary: str
    dimension: object = None
    instantiate: object = field(default=None, compare=False)
    cites: tuple[str, ...] = ()
    hints: object = field(default=None, compare=False)  # D or None -> {variable: (centre, scale)} for quadrature
    # (instantiated definition, dimension) -> its value by sympy.integrate; None: ``definition.doit()``
    integrate: object = field(default=None, compare=False)
    # symbol -> (lo, hi): where random points for the checks are drawn, when not from the symbol's assumptions
    domains: dict = field(default=None, compare=False)

    @property
    def closed_form(self) -> Expr:
        return self.steps[-1].expr

    @property
    def definition(self) -> Expr:
        return self.steps[0].expr
