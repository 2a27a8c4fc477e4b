"""Unevaluated notation objects (H(q), H(q, p), KL(q || p), N(mu, sigma^2)) with their own printer methods.

They are SymPy functions that never evaluate, so derivations can put them in equations and SymPy's printers
render them; no maths is assembled as strings outside a printer method.
"""

from sympy import Function


class _Notation(Function):
    """A function symbol that never evaluates; subclasses define how printers show it."""

    @classmethod
    def eval(cls, *args):
        return None


class _Printed(_Notation):
    """Printed as ``latex_format % args`` / ``str_format % args``, each argument through the active printer."""

    latex_format = ""
    str_format = ""

    def _latex(self, printer):
        return self.latex_format % tuple(printer._print(a) for a in self.args)

    def _sympystr(self, printer):
        return self.str_format % tuple(printer._print(a) for a in self.args)


class Entropy(_Printed):
    nargs = 1
    latex_format = r"\operatorname{H}\left(%s\right)"
    str_format = "H(%s)"


class CrossEntropy(_Printed):
    nargs = 2
    latex_format = r"\operatorname{H}\left(%s, %s\right)"
    str_format = "H(%s, %s)"


class KL(_Printed):
    nargs = 2
    latex_format = r"\operatorname{KL}\left(%s \parallel %s\right)"
    str_format = "KL(%s || %s)"


class NormalLaw(_Printed):
    """N(mean, variance)."""

    nargs = 2
    latex_format = r"\mathcal{N}\left(%s, %s\right)"
    str_format = "N(%s, %s)"


class ExponentialLaw(_Printed):
    """Exp(rate)."""

    nargs = 1
    latex_format = r"\operatorname{Exp}\left(%s\right)"
    str_format = "Exp(%s)"


class HalfNormalLaw(_Printed):
    """HalfNormal(scale)."""

    nargs = 1
    latex_format = r"\operatorname{HalfNormal}\left(%s\right)"
    str_format = "HalfNormal(%s)"


class Marginal(_Notation):
    """The d-th factor of a product density, applied to z_d: printed ``q_{d}(z_{d})``; ``name`` is q or p."""

    nargs = 1
    name = "q"

    def _index(self, printer):
        arg = self.args[0]
        return printer._print(arg.indices[0]) if hasattr(arg, "indices") else ""

    def _latex(self, printer):
        return r"%s_{%s}\left(%s\right)" % (self.name, self._index(printer), printer._print(self.args[0]))

    def _sympystr(self, printer):
        return "%s_%s(%s)" % (self.name, self._index(printer), printer._print(self.args[0]))


class MarginalQ(Marginal):
    name = "q"


class MarginalP(Marginal):
    name = "p"


class TestFunction(_Printed):
    """An arbitrary function f(z_d) in a lemma statement."""

    nargs = 1
    latex_format = r"f\left(%s\right)"
    str_format = "f(%s)"


class Form(_Notation):
    """The scalar uᵀ A v of k-vectors u, v and a k×k matrix A (SymPy's 1×1 matrix product, printed as such;
    an identity A is left out). Scalar and commutative, so it can stand in sums and products of scalars."""

    nargs = 3

    def _eval_is_commutative(self):
        return True

    def product(self):
        from sympy import Identity, MatMul, Transpose

        u, a, v = self.args
        factors = (Transpose(u), v) if isinstance(a, Identity) else (Transpose(u), a, v)
        return MatMul(*factors, evaluate=False)

    def _latex(self, printer):
        return printer._print(self.product())

    def _sympystr(self, printer):
        return printer._print(self.product())

    def _pretty(self, printer):
        return printer._print(self.product())


_LAWS: dict[tuple[str, int], type] = {}


def law_notation(name: str, nargs: int) -> type:
    """The notation class for a declared family's law, e.g. ``Gamma(alpha, lambda)`` (one class per name)."""
    key = (name, nargs)
    if key not in _LAWS:
        slots = ", ".join(["%s"] * nargs)
        _LAWS[key] = type(f"{name}Law", (_Printed,), {
            "nargs": nargs,
            "latex_format": r"\operatorname{%s}\left(%s\right)" % (name, slots),
            "str_format": f"{name}({slots})",
        })
    return _LAWS[key]
