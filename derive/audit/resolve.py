"""Turn the parser's placeholders into mathematics with the ``--let`` densities.

- ``KL(q, p)`` -> ∫ q(z) (log q(z) - log p(z)) dz, ``H(q)`` -> -∫ q log q dz, ``H(q, p)``/``CE(q, p)`` -> -∫ q log p dz
  (their definitions, not derive's closed forms, so the audit does not check derive against itself);
- an integral written without limits runs over the support of the density applied to its variable (a sum for a
  discrete family);
- ``q(z)`` -> q's density at z, ``q(z; a, b)`` -> the density of q's family with the written parameters,
  ``N(z; m, v)`` -> the normal density with mean m and variance v.
"""

from __future__ import annotations

from sympy import Dummy, Expr, Function, Integral, Sum, Symbol, log
from sympy.core.function import AppliedUndef

from derive.audit.densities import LAWS, Context, Let
from derive.audit.errors import AuditError

FUNCTIONALS = ("KL", "H", "CE")


class Unresolved(AuditError):
    """The expression parsed but names something the audit cannot give a meaning to (reported as unparsed)."""


def functionals(expr: Expr) -> set:
    return {a for a in expr.atoms(AppliedUndef) if a.func.__name__ in FUNCTIONALS}


def definition(app, ctx: Context) -> Expr:
    """The defining integral of ``KL(q, p)``, ``H(q)``, ``H(q, p)`` or ``CE(q, p)`` (limits added later)."""
    z = ctx.names["z"]
    q, *rest = (Function(str(a))(z) for a in app.args)
    if app.func.__name__ == "KL":
        return Integral(q * (log(q) - log(rest[0])), z)
    return -Integral(q * log(rest[0] if rest else q), z)


class Resolver:
    """Resolves one expression; ``hints`` collects (centre, scale) per integration variable for quadrature."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.hints: dict = {}
        self.members: list = []  # the distributions whose supports the integrals run over, in order met

    def __call__(self, expr: Expr) -> Expr:
        expr = expr.replace(lambda e: isinstance(e, AppliedUndef) and e.func.__name__ in FUNCTIONALS,
                            lambda e: definition(e, self.ctx))
        expr = expr.replace(lambda e: isinstance(e, Integral) and any(len(lim) == 1 for lim in e.limits),
                            self.limits)
        return expr.replace(lambda e: isinstance(e, AppliedUndef), self.density)

    def let_of(self, app) -> tuple[Let | None, object]:
        name = app.func.__name__
        if name in self.ctx.lets:
            return self.ctx.lets[name], None
        if name == "N":
            return None, LAWS["N"]
        raise Unresolved(f"'{name}(...)' is not a declared density (declared: "
                         f"{', '.join(sorted(self.ctx.lets)) or 'none'}; pass --let \"{name} = N(mu, sigma^2)\")")

    def member(self, app):
        let, law = self.let_of(app)
        written = app.args[1:]
        if let is not None:
            return let.member(written or None)
        if len(written) != len(law.parameters):
            raise Unresolved(f"N(z; mean, variance) takes a variable and two parameters, got {app}")
        return law.build(*written)

    def limits(self, integral: Integral) -> Expr:
        body = integral.function
        (var,) = [lim[0] for lim in integral.limits]
        apps = sorted((a for a in body.atoms(AppliedUndef) if a.args and a.args[0] == var), key=str)
        apps = [a for a in apps if a.func.__name__ in self.ctx.lets] or apps
        if not apps:
            raise Unresolved(f"an integral over {var} without limits and without a density of {var} in it")
        # q before p: the first declared density applied to the variable gives the support
        order = list(self.ctx.lets)
        apps.sort(key=lambda a: order.index(a.func.__name__) if a.func.__name__ in order else len(order))
        member = self.member(apps[0])
        lo, hi = member.support
        if getattr(member, "discrete", False):
            k = Dummy(var.name, integer=True, nonnegative=True)
            return Sum(body.xreplace({var: k}), (k, lo, hi))
        self.hints.setdefault(var, member.quadrature_hint())
        self.members.append(member)
        return Integral(body, (var, lo, hi))

    def density(self, app) -> Expr:
        if not app.args or not isinstance(app.args[0], (Symbol, Dummy)) and not app.args[0].is_number:
            raise Unresolved(f"'{app}': a density applied to something other than a variable")
        member = self.member(app)
        z = app.args[0]
        return member.density(z)
