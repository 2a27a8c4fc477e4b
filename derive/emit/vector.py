"""Emitted code for the categorical and Dirichlet derivations: vectors over the last axis, batch dimensions before.

The closed forms are rearranged here in SymPy (small unevaluated nodes ``SumLast``, ``SumKeep``, ``Dim``,
``Xlogy``, the stable pass's ``expm1mx``/``log_ratio`` and ``derive.emit.bregman``'s ``lgamma_excess_bregman``) and
printed by the targets' SymPy printers, taught those nodes by ``_VectorMixin``. Probabilities are normalised over
the last axis as torch.distributions.Categorical does; with π = probs1/Σprobs1, ρ = probs2/Σprobs2::

    H(q) = −Σ_k xlogy(π_k, π_k)          H(q, p) = −Σ_k xlogy(π_k, ρ_k)
    KL(q ‖ p) = Σ_k π_k (e^y_k − 1 − y_k)
    y_k = log(ρ_k/π_k) = log_ratio(probs2_k, probs1_k) − log1p(Σ(probs2 − probs1)/Σprobs1)

(KL = Σ π log(π/ρ) + Σ(ρ − π), the added sum being 0): every term is ≥ 0 and y_k is taken from the exact
differences, so nothing cancels as p → q; a term with π_k = 0 is ρ_k, one with ρ_k = 0 < π_k is +∞ (torch's
convention). For Dirichlet(α) ‖ Dirichlet(β), with h = β − α and E the Bregman divergence of
log Γ(x) − (x log x − x) (``derive.emit.bregman``)::

    KL = Σ_k β_k (e^y_k − 1 − y_k) + Σ_k E(α_k, h_k) − E(α_0, h_0),  y_k = log((α_k/α_0)/(β_k/β_0))

the derived closed form regrouped into two non-negative parts (β_0 times the categorical KL between the means,
and terms of size h²/α), with no difference of large log Γ values where β ≈ α. The entropy and cross-entropy are
printed as derived. The derivations live elsewhere; this module needs only the name -> spec table ``SPECS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sympy import And, Eq, Function, Piecewise, Rational, Symbol, loggamma, oo, polygamma, sstr
from sympy.codegen.cfunctions import log1p
from sympy.codegen.rewriting import optimize

from derive.emit import bregman, printers
from derive.emit.helpers import helpers_for
from derive.emit.mvn import PROMOTE
from derive.emit.near_diagonal import near_form, pair_parameters
from derive.emit.stable import FloatConstants, expm1mx, log_ratio
from derive.emit.targets import TARGETS


@dataclass(frozen=True)
class VectorSpec:
    family: str  # "categorical" or "dirichlet"
    kind: str  # "entropy", "cross-entropy", "kl"
    summary: str

    @property
    def param(self) -> str:
        return "probs" if self.family == "categorical" else "concentration"

    @property
    def args(self) -> tuple[str, ...]:
        return (self.param,) if self.kind == "entropy" else (f"{self.param}1", f"{self.param}2")


SPECS = {
    "entropy-categorical": VectorSpec("categorical", "entropy", "Entropy H(q) for q = Categorical(probs)"),
    "cross-entropy-categorical-categorical": VectorSpec(
        "categorical", "cross-entropy", "Cross-entropy H(q, p) for q = Categorical(probs1), p = Categorical(probs2)"),
    "kl-categorical-categorical": VectorSpec(
        "categorical", "kl", "KL(q || p) for q = Categorical(probs1), p = Categorical(probs2)"),
    "entropy-dirichlet": VectorSpec("dirichlet", "entropy", "Entropy H(q) for q = Dirichlet(concentration)"),
    "cross-entropy-dirichlet-dirichlet": VectorSpec(
        "dirichlet", "cross-entropy",
        "Cross-entropy H(q, p) for q = Dirichlet(concentration1), p = Dirichlet(concentration2)"),
    "kl-dirichlet-dirichlet": VectorSpec(
        "dirichlet", "kl", "KL(q || p) for q = Dirichlet(concentration1), p = Dirichlet(concentration2)"),
}


def is_vector(name: str) -> bool:
    return name in SPECS


# --- nodes: unevaluated, printed per target by _VectorMixin; _sympystr for the docstrings ------------------------

class _Node(Function):
    _label = ""

    def _sympystr(self, printer):
        return "%s(%s)" % (self._label, ", ".join(printer._print(a) for a in self.args))


class SumLast(_Node):
    """Σ over the last axis."""
    nargs, _label = 1, "sum"


class SumKeep(_Node):
    """Σ over the last axis, kept as an axis of length 1 (broadcasts against the vectors)."""
    nargs, _label = 1, "sum_keepdims"


class Dim(_Node):
    """K, the length of the last axis, as a Python int."""
    nargs, _label = 1, "dim"


class Xlogy(_Node):
    """x·log y, 0 where x = 0 (whatever y is)."""
    nargs, _label = 2, "xlogy"


class Flip(_Node):
    """The vectors reversed along the last axis (at K = 2: each category's other one)."""
    nargs, _label = 1, "flip"


class Component(_Node):
    """``x[..., i]``, category i (an int) of the vectors ``x``."""
    nargs = 2

    def _sympystr(self, printer):
        return "%s[..., %s]" % (printer._print(self.args[0]), printer._print(self.args[1]))


class IfPair(_Node):
    """``pair if K == 2 else other`` for K the length of ``x``'s last axis (static in every framework, also under
    jax.jit): a Python conditional, so only the branch taken is evaluated (``pair`` may index category 1)."""
    nargs = 3

    def _sympystr(self, printer):
        x, pair, other = (printer._print(a) for a in self.args)
        return "(%s) if dim(%s) == 2 else (%s)" % (pair, x, other)


class _VectorMixin:
    """Prints the nodes as framework calls; ``_ops`` maps node -> format string of the printed args."""

    _ops: dict[str, str] = {}

    def _vec(self, key, expr):
        return self._ops[key].format(*(self._print(a) for a in expr.args))

    def _print_SumLast(self, expr):
        return self._vec("sum", expr)

    def _print_SumKeep(self, expr):
        return self._vec("sum_keep", expr)

    def _print_Dim(self, expr):
        printed = self._print(expr.args[0])
        return "%s.shape[-1]" % (printed if isinstance(expr.args[0], Symbol) else "(%s)" % printed)

    def _print_Xlogy(self, expr):
        return self._vec("xlogy", expr)

    def _print_Flip(self, expr):
        return self._vec("flip", expr)

    def _print_Component(self, expr):
        x, i = expr.args
        printed = self._print(x)
        return "%s[..., %d]" % (printed if isinstance(x, Symbol) else "(%s)" % printed, int(i))

    def _print_IfPair(self, expr):
        x, pair, other = expr.args
        return "(%s) if %s == 2 else (%s)" % (self._print(pair), self._print_Dim(Dim(x)), self._print(other))


class NumPyVectorPrinter(_VectorMixin, printers.NumPyStablePrinter):
    _ops = {"sum": "numpy.sum({0}, axis=-1)", "sum_keep": "numpy.sum({0}, axis=-1, keepdims=True)",
            "xlogy": "scipy.special.xlogy({0}, {1})", "flip": "numpy.flip({0}, axis=-1)"}


class TorchVectorPrinter(_VectorMixin, printers.TorchStablePrinter):
    _ops = {"sum": "torch.sum({0}, dim=-1)", "sum_keep": "torch.sum({0}, dim=-1, keepdim=True)",
            "xlogy": "torch.xlogy({0}, {1})", "flip": "torch.flip({0}, dims=(-1,))"}


class JaxVectorPrinter(_VectorMixin, printers.JaxStablePrinter):
    _ops = {"sum": "jax.numpy.sum({0}, axis=-1)", "sum_keep": "jax.numpy.sum({0}, axis=-1, keepdims=True)",
            "xlogy": "jax.scipy.special.xlogy({0}, {1})", "flip": "jax.numpy.flip({0}, axis=-1)"}


class TensorflowVectorPrinter(_VectorMixin, printers.TensorflowStablePrinter):
    _ops = {"sum": "tensorflow.reduce_sum({0}, axis=-1)",
            "sum_keep": "tensorflow.reduce_sum({0}, axis=-1, keepdims=True)",
            "xlogy": "tensorflow.math.xlogy({0}, {1})", "flip": "tensorflow.reverse({0}, axis=[-1])"}


PRINTERS = {"numpy": NumPyVectorPrinter, "torch": TorchVectorPrinter, "jax": JaxVectorPrinter,
            "tensorflow": TensorflowVectorPrinter}
IMPORTS = {
    "numpy": ("import numpy", "import scipy.special"),
    "torch": ("import torch",),
    "jax": ("import jax", "import jax.numpy", "import jax.scipy.special"),
    "tensorflow": ("import tensorflow",),
}
#: ``validate=True``: a Python bool, True when any element of the printed condition holds (format with {x})
ANY = {"numpy": "bool(numpy.any({x}))", "torch": "bool(torch.any({x}))", "jax": "bool(jax.numpy.any({x}))",
       "tensorflow": "bool(tensorflow.reduce_any({x}))"}
NOTES = {
    "numpy": "Integer arrays are promoted to float64; float32 stays float32 (computed in float64 and rounded once).",
    "torch": "Integer tensors are promoted to torch's default float dtype; float32 stays float32 (computed in "
             "float64 and rounded once). Autograd works.",
    "jax": "Integer arrays are promoted to the default float dtype; computed in the inputs' float dtype (float64 "
           "needs jax_enable_x64). validate=True needs concrete arrays (not under jax.jit).",
    "tensorflow": "Tensors must be floating point; float32 is computed in float64 and rounded once.",
}


# --- the rearranged closed forms ----------------------------------------------------------------------------------

def _real(*names):
    return tuple(Symbol(n, real=True) for n in names)


@dataclass(frozen=True)
class VectorForm:
    body: tuple[tuple[Symbol, object], ...]  # (variable, expression), in order
    value: object
    invalid: object  # a condition (elementwise, SymPy) under which validate=True raises


def _categorical(spec: VectorSpec) -> VectorForm:
    if spec.kind == "entropy":
        (x,) = _real(*spec.args)
        (pi,) = _real("pi")
        return VectorForm(((pi, x / SumKeep(x)),), -SumLast(Xlogy(pi, pi)), x < 0)
    x1, x2 = _real(*spec.args)
    pi, rho = _real("pi", "rho")
    body = [(pi, x1 / SumKeep(x1)), (rho, x2 / SumKeep(x2))]
    if spec.kind == "cross-entropy":
        value = -SumLast(Xlogy(pi, rho))
    else:
        c, inside, y, pis, rhos, terms = Symbol("c", real=True), Symbol("inside"), *_real("y", "pis", "rhos", "terms")
        safe = {x: Piecewise((x, inside), (1, True)) for x in (x1, x2, pi, rho)}  # no log or division of a zero
        body += [
            (c, log1p(SumKeep(x2 - x1) / SumKeep(x1))),  # log(Σprobs2/Σprobs1) from the exact differences
            (inside, And(x1 > 0, x2 > 0)),
            (y, log_ratio(safe[x2], safe[x1]) - c),  # log(ρ/π)
            (pis, safe[pi]),
            (rhos, safe[rho]),
            (terms, Piecewise((rho, Eq(x1, 0)), (Piecewise((oo, Eq(x2, 0)), (pis * expm1mx(y, rhos / pis, 1), True)),
                                                 True))),
        ]
        value = SumLast(terms)
    return VectorForm(tuple(body), value, (x1 < 0) | (x2 < 0))


def _dirichlet(spec: VectorSpec) -> VectorForm:
    def psi(x):
        return polygamma(0, x)

    if spec.kind == "entropy":
        (a,) = _real(*spec.args)
        (a0,) = _real("a0")
        value = (SumLast(loggamma(a)) - loggamma(a0) + (a0 - Dim(a)) * psi(a0) - SumLast((a - 1) * psi(a)))
        return VectorForm(((a0, SumLast(a)),), value, a <= 0)
    a, b = _real(*spec.args)
    if spec.kind == "cross-entropy":
        (a0,) = _real("a0")
        value = -loggamma(SumLast(b)) + SumLast(loggamma(b)) - SumLast((b - 1) * (psi(a) - psi(a0)))
        return VectorForm(((a0, SumKeep(a)),), value, (a <= 0) | (b <= 0))
    # KL = β_0 KL(β/β_0 ‖ α/α_0) + Σ_k E(α_k, h_k) − E(α_0, h_0): two non-negative parts (E is the Bregman
    # divergence of log Γ(x) − (x log x − x)); the first as the categorical KL is, with e^y = (α_k/β_k)(β_0/α_0)
    h, a0, h0, b0, y = _real("h", "a0", "h0", "b0", "y")
    # y at K = 2 from D = α_1 β_2 − α_2 β_1 = α_k β_0 − α_0 β_k (signed per category) by Dekker's exact products:
    # the difference of the two logs cancels where β is near a scaling of α (25 ulp of the KL at concentrations
    # near 1000); the difference of the logs where log1p's argument is below −0.9 (near −1 log1p magnifies its
    # rounding: 83 ulp of y below −0.9, against 9 for the difference; 37 ulp of y at −0.5 the other way round)
    general_y = log1p(h0 / a0) - log_ratio(b, a)
    r = bregman.product_difference(a, Flip(b), b, Flip(a)) / (a0 * b)
    pair_y = Piecewise((log1p(r), r > Rational(-9, 10)), (general_y, True))
    body = ((h, b - a), (a0, SumKeep(a)), (h0, SumKeep(h)), (b0, SumKeep(b)), (y, IfPair(a, pair_y, general_y)))
    means = SumLast(b * expm1mx(y, (a / b) * ((a0 + h0) / a0), 1))
    value = (means + SumLast(bregman.lgamma_excess_bregman(a, h, b))
             - SumLast(bregman.lgamma_excess_bregman(a0, h0, b0)))
    return VectorForm(body, IfPair(a, _pair(a, b, value), value), (a <= 0) | (b <= 0))


def _pair(a, b, general):
    """KL at K = 2, where Dirichlet(α) is Beta(α_1, α_2) of the first category: the beta's near form (the integral
    remainder along the path straight in the concentrations, ``near_diagonal._beta``) within its window, else
    ``general``."""
    _, theta1, theta2, _ = pair_parameters("kl-beta-beta")
    near, window = near_form("kl-beta-beta")
    components = {t: Component(x, i) for x, ts in ((a, theta1), (b, theta2)) for i, t in enumerate(ts)}
    return Piecewise((near.xreplace(components), window.xreplace(components)), (general, True))


@lru_cache(maxsize=None)
def form(name: str) -> VectorForm:
    spec = SPECS[name]
    f = (_categorical if spec.family == "categorical" else _dirichlet)(spec)
    return VectorForm(tuple((v, optimize(e, [FloatConstants()])) for v, e in f.body),
                      optimize(f.value, [FloatConstants()]), f.invalid)


# --- the module ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class VectorFunction:
    name: str
    args: tuple[str, ...]
    body: tuple[tuple[str, str], ...]
    value: str
    invalid: str
    textbook: str
    stable: tuple[str, ...]  # the assignments and value, as sstr lines, for the docstring
    summary: str
    family: str

    @property
    def signature(self) -> str:
        return ", ".join([*self.args, "validate=False"])


def emit(name: str, target: str, param: str | None = None, grad: bool = False) -> str:
    """The Python module for derivation ``name`` on ``target``."""
    from derive import registry
    from derive.emit.code import CodeError, format_python, function_name
    from derive.emit.params import check
    from derive.render.environment import render

    spec = SPECS[name]
    check(param or spec.param, name)
    if grad:
        raise CodeError(f"--grad is not available for {name}; use the framework's autograd")
    if target not in TARGETS:
        raise CodeError(f"unknown target {target!r}; known targets: {', '.join(TARGETS)}")
    tgt = TARGETS[target]
    printer = PRINTERS[target]({"fully_qualified_modules": True})
    f = form(name)
    everything = f.value + sum((e for _, e in f.body if not e.is_Boolean), 0)
    fn = VectorFunction(
        name=function_name(name),
        args=spec.args,
        body=tuple((str(v), printer.doprint(e)) for v, e in f.body),
        value=printer.doprint(f.value),
        invalid=ANY[target].format(x=printer.doprint(f.invalid)),
        textbook=sstr(registry.get(name).closed_form, order="none"),
        stable=(*(f"{v} = {sstr(e, order='none')}" for v, e in f.body), sstr(f.value, order="none")),
        summary=spec.summary,
        family=spec.family,
    )
    helpers = helpers_for(everything, printer)  # with derive.emit.bregman's
    source = render("code/vector_module.py.j2", fn=fn, target=tgt, imports=IMPORTS[target], notes=NOTES[target],
                    promote=PROMOTE.get(target, ""), derivation=name, helpers=helpers, param=spec.param)
    return format_python(source)


__all__ = ["SPECS", "emit", "form", "is_vector"]
