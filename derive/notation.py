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


class Entropy(_Notation):
    nargs = 1

    def _latex(self, printer):
        return r"\operatorname{H}\left(%s\right)" % printer._print(self.args[0])

    def _sympystr(self, printer):
        return "H(%s)" % printer._print(self.args[0])


class CrossEntropy(_Notation):
    nargs = 2

    def _latex(self, printer):
        q, p = (printer._print(a) for a in self.args)
        return r"\operatorname{H}\left(%s, %s\right)" % (q, p)

    def _sympystr(self, printer):
        q, p = (printer._print(a) for a in self.args)
        return "H(%s, %s)" % (q, p)


class KL(_Notation):
    nargs = 2

    def _latex(self, printer):
        q, p = (printer._print(a) for a in self.args)
        return r"\operatorname{KL}\left(%s \parallel %s\right)" % (q, p)

    def _sympystr(self, printer):
        q, p = (printer._print(a) for a in self.args)
        return "KL(%s || %s)" % (q, p)


class NormalLaw(_Notation):
    """N(mean, variance)."""

    nargs = 2

    def _latex(self, printer):
        m, v = (printer._print(a) for a in self.args)
        return r"\mathcal{N}\left(%s, %s\right)" % (m, v)

    def _sympystr(self, printer):
        m, v = (printer._print(a) for a in self.args)
        return "N(%s, %s)" % (m, v)


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


class TestFunction(_Notation):
    """An arbitrary function f(z_d) in a lemma statement."""

    nargs = 1

    def _latex(self, printer):
        return r"f\left(%s\right)" % printer._print(self.args[0])

    def _sympystr(self, printer):
        return "f(%s)" % printer._print(self.args[0])
