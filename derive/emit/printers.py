"""SymPy's code printers, taught our stable functions (expm1mx, log_ratio) and, where missing, expm1/log1p."""

from __future__ import annotations

import importlib

import sympy.external
from sympy import Eq, Function, Mul, Piecewise, Pow, exp
from sympy.codegen.cfunctions import log1p
from sympy.printing.numpy import JaxPrinter, NumPyPrinter

from derive.emit.stable import grouped


def _import_printer_module(module: str):
    """Import a SymPy printer module without importing the framework it prints for.

    ``sympy.printing.pytorch`` / ``.tensorflow`` import torch / tensorflow only to read their version (2+ s of
    start-up for torch); we print source code and never run the framework here, so the probe is skipped.
    """
    original = sympy.external.import_module

    def no_frameworks(name, *args, **kwargs):
        return None if name in ("torch", "tensorflow") else original(name, *args, **kwargs)

    sympy.external.import_module = no_frameworks
    try:
        return importlib.import_module(module)
    finally:
        sympy.external.import_module = original


TorchPrinter = _import_printer_module("sympy.printing.pytorch").TorchPrinter
TensorflowPrinter = _import_printer_module("sympy.printing.tensorflow").TensorflowPrinter


class _StableMixin:
    """Our functions are printed as calls of the helpers the module defines (``_expm1mx``, ``_log_ratio``)."""

    single_mode = True  # the function computes float32 in float64 and tells the helper (``single``)
    mask_fixup = False  # helpers may recompute rare elements in place (see helpers.Helper.single_fixup) ...
    fixup_guard = ""  # ... when this condition also holds (else they use where())

    @staticmethod
    def _like(array: str, number: str) -> str:
        """The number as an array like ``array`` (printed)."""
        return "((%s) * 0 + %s)" % (array, number)

    def _helper_call(self, name, expr, like_arrays=False):
        args = [self._print(a) for a in expr.args]
        arrays = [p for a, p in zip(expr.args, args) if not a.is_number]
        if like_arrays and arrays:  # a number beside an array becomes an array like it (torch.min takes no float)
            args = [p if not a.is_number else self._like(arrays[0], p) for a, p in zip(expr.args, args)]
        args += ["single"] if self.single_mode else []
        return "%s(%s)" % (name, ", ".join(args))

    def _print_expm1mx(self, expr):
        return self._helper_call("_expm1mx", expr)

    def _print_dd_call(self, expr):  # derive.emit.refine: a double-double helper's call
        return "%s(%s)" % (expr.args[0], ", ".join(self._print(a) for a in expr.args[1:]))

    def _print_dd_number(self, expr):  # a double-double constant (hi, lo), or a float as (x, 0.0)
        if len(expr.args) == 1:
            return "(%s, 0.0)" % self._print(expr.args[0])
        return "(%r, %r)" % tuple(float(a) for a in expr.args)

    def _print_diff_ratio(self, expr):
        return "_diff_ratio(%s)" % ", ".join(self._print(a) for a in expr.args)

    def _print_grouped(self, expr):
        return "(%s)" % self._print(expr.args[0])

    def _print_scaled_square(self, expr):
        """X·(X·exp(c)): one rounding of exp, and no X² that could underflow."""
        x, c = expr.args
        return self._print(Mul(x, grouped(Mul(x, exp(c))), evaluate=False))

    def _print_trigamma_excess(self, expr):
        return "_trigamma_excess(%s)" % self._print(expr.args[0])

    def _print_lgamma_excess_bregman(self, expr):
        return "_lgamma_excess_bregman(%s)" % ", ".join(self._print(a) for a in expr.args)

    def _print_centred(self, expr):
        return "(2 * %s - 1)" % self._print(expr.args[0])

    def _print_atanh_excess(self, expr):
        return "_atanh_excess(%s)" % self._print(expr.args[0])

    def _print_natural_variance(self, expr):
        return "_cb_variance(%s)" % self._print(expr.args[0])

    def _print_curvature(self, expr):
        return "_curvature(%s)" % ", ".join(self._print(a) for a in expr.args)

    def _print_remainder(self, expr):
        return "_remainder(%s)" % ", ".join(self._print(a) for a in expr.args)

    def _print_log_ratio(self, expr):
        return self._helper_call("_log_ratio", expr, like_arrays=True)

    def _print_log_ratio_of(self, expr):
        return self._helper_call("_log_ratio_of", expr, like_arrays=True)

    def _print_finite_product(self, expr):
        return self._helper_call("_finite_product", expr)

    def _print_stirlerr(self, expr):  # derive.emit.loader
        return "_stirlerr(%s)" % self._print(expr.args[0])

    def _print_bd0(self, expr):
        return "_bd0(%s)" % ", ".join(self._print(a) for a in expr.args)

    #: table(x, v0, ..., vN) (derive.emit.loader): {values}, {x} and {top} = N
    _table_format = "numpy.asarray([{values}])[numpy.clip({x}, 0, {top}).astype(int)]"

    def _print_table(self, expr):
        x, *values = expr.args
        return self._table_format.format(values=", ".join(repr(float(v)) for v in values), x=self._print(x),
                                         top=len(values) - 1)

    def _print_extended(self, expr):  # derive.emit.loader: a call of the module's double-double helper
        return "_%s(%s)" % (type(expr).__name__, ", ".join(self._print(a) for a in expr.args))

    _print_binomial_log_ratio = _print_binomial_pmf = _print_poisson_pmf = _print_extended

    def _print_logpmf(self, expr):  # SymPy looks up a subclass of a function by its own name only
        return "_%s_logpmf(%s)" % (expr.family, ", ".join(self._print(a) for a in expr.args))

    _print_poisson_logpmf = _print_binomial_logpmf = _print_logpmf

    def _print_held(self, expr):
        return "(%s)" % self._print(expr.args[0])

    def _print_as_array(self, expr):
        return self._like(self._print(expr.args[0]), self._print(expr.args[1]))


class _SpecialFunctions:
    """log Γ, ψ (digamma), Γ, erf and Euler's constant, as each framework names them (``special`` maps SymPy's
    function to the framework's; Γ of the positive arguments derivations produce is exp(log Γ) where the framework
    has no Γ)."""

    special: dict = {}

    def _special(self, key, expr):
        return "%s(%s)" % (self._module_format(self.special[key]), self._print(expr.args[-1]))

    def _print_loggamma(self, expr):
        return self._special("loggamma", expr)

    def _print_polygamma(self, expr):
        if expr.args[0] != 0:
            return self._print_not_supported(expr)
        return self._special("digamma", expr)

    def _print_gamma(self, expr):
        if "gamma" in self.special:
            return self._special("gamma", expr)
        return "%s(%s)" % (self._module_format(self.special["exp"]), self._special("loggamma", expr))

    def _print_erf(self, expr):
        return self._special("erf", expr)

    def _print_xlogx(self, expr):
        x = self._print(expr.args[0])
        return "%s(%s, %s)" % (self._module_format(self.special["xlogy"]), x, x)

    def _print_xlog1p(self, expr):
        (e,) = expr.args
        if "xlog1py" not in self.special:  # JAX's goes through its inaccurate log1p: the helper _log1p instead
            return self._print(Piecewise((0, Eq(e, -1)), ((1 + e) * log1p(e), True)))
        return "%s(%s, %s)" % (self._module_format(self.special["xlog1py"]), self._print(1 + e), self._print(e))

    def _print_EulerGamma(self, expr):
        return repr(float(expr))


class _WherePiecewise:
    """Two-branch Piecewise as ``where(cond, a, b)`` (NumPy's ``select`` is slower and needs a default);
    two-argument ``Min`` and ``And`` as ``minimum(a, b)`` and ``logical_and(a, b)`` (SymPy prints a
    ``functools.reduce`` and a stacked ``logical_and.reduce``, which copies both operands)."""

    _where = "numpy.where"
    _namespace = "numpy"

    def _print_Min(self, expr):
        if len(expr.args) != 2:
            return super()._print_Min(expr)
        a, b = (self._print(x) for x in expr.args)
        return "%s(%s, %s)" % (self._module_format(self._namespace + ".minimum"), a, b)

    def _print_And(self, expr):
        if len(expr.args) != 2:
            return super()._print_And(expr)
        a, b = (self._print(x) for x in expr.args)
        return "%s(%s, %s)" % (self._module_format(self._namespace + ".logical_and"), a, b)

    def _print_Piecewise(self, expr):
        if len(expr.args) == 2 and expr.args[1].cond == True:  # noqa: E712  (SymPy's true)
            (a, cond), (b, _) = expr.args
            return "%s(%s, %s, %s)" % (self._module_format(self._where), self._print(cond), self._print(a),
                                       self._print(b))
        return super()._print_Piecewise(expr)


class NumPyStablePrinter(_StableMixin, _SpecialFunctions, _WherePiecewise, NumPyPrinter):
    _where = "numpy.where"
    mask_fixup = True
    special = {"loggamma": "scipy.special.gammaln", "digamma": "scipy.special.digamma",
               "gamma": "scipy.special.gamma", "erf": "scipy.special.erf", "xlogy": "scipy.special.xlogy",
               "xlog1py": "scipy.special.xlog1py"}


class barrier(Function):
    """``barrier(x)`` is x, kept from the compiler's rewriting (XLA folds (1 + x) - 1 into x under jit)."""


class JaxStablePrinter(_StableMixin, _SpecialFunctions, _WherePiecewise, JaxPrinter):
    _where = "jax.numpy.where"
    _table_format = "jax.numpy.asarray([{values}])[jax.numpy.clip({x}, 0, {top}).astype(int)]"
    _namespace = "jax.numpy"
    special = {"loggamma": "jax.scipy.special.gammaln", "digamma": "jax.scipy.special.digamma",
               "gamma": "jax.scipy.special.gamma", "erf": "jax.scipy.special.erf",
               "xlogy": "jax.scipy.special.xlogy"}
    # jax.numpy.log1p is up to 113 ulp off at x in (-1/2, -1/10), and arctanh (through it) 128: both go through
    # the module's helper _log1p (derive.emit.helpers), within 1 ulp
    log1p_helper = True

    def _print_log1p(self, expr):
        return "_log1p(%s)" % self._print(expr.args[0])

    def _print_atanh(self, expr):
        """log1p(2x / (1 - x)) / 2 for x >= 0 (1 - x is exact above 1/2), odd below: within 2 ulp."""
        (x,) = expr.args
        return self._print(Piecewise((log1p(2 * x / (1 - x)) / 2, x >= 0), (-log1p(-2 * x / (1 + x)) / 2, True)))

    def _print_barrier(self, expr):
        return "%s(%s)" % (self._module_format("jax.lax.optimization_barrier"), self._print(expr.args[0]))

    def _print_scaled_square(self, expr):
        """(X·exp(c/2))²: jax.grad's cotangents then never hold X² (JAX flushes subnormals to zero)."""
        x, c = expr.args
        return self._print(Pow(grouped(Mul(x, exp(c / 2))), 2, evaluate=False))
    single_mode = False  # float32 stays float32 (float64 needs jax_enable_x64, and accelerators lack it)


class TorchStablePrinter(_StableMixin, _SpecialFunctions, TorchPrinter):
    mask_fixup = True
    _table_format = "torch.tensor([{values}], dtype=({x}).dtype)[torch.clamp({x}, 0, {top}).long()]"
    special = {"loggamma": "torch.lgamma", "digamma": "torch.digamma", "exp": "torch.exp", "erf": "torch.erf",
               "xlogy": "torch.xlogy", "xlog1py": "torch.special.xlog1py"}
    # mask.any() is data-dependent control flow: torch.compile (which fuses where() anyway), torch.jit.trace (which
    # would freeze one branch) and functorch transforms (vmap, jacrev) take the where() form instead
    fixup_guard = ("not (torch.compiler.is_compiling() or torch.jit.is_tracing()"
                   " or torch._C._functorch.is_functorch_wrapped_tensor(x))")

    def _print_expm1(self, expr):
        return "%s(%s)" % (self._module_format("torch.expm1"), self._print(expr.args[0]))

    def _print_log1p(self, expr):
        return "%s(%s)" % (self._module_format("torch.log1p"), self._print(expr.args[0]))


class TensorflowStablePrinter(_StableMixin, _SpecialFunctions, TensorflowPrinter):
    _table_format = ("tensorflow.gather(tensorflow.constant([{values}], dtype=({x}).dtype), "
                     "tensorflow.cast(tensorflow.clip_by_value({x}, 0, {top}), tensorflow.int32))")
    special = {"loggamma": "tensorflow.math.lgamma", "digamma": "tensorflow.math.digamma", "exp": "tensorflow.math.exp",
               "erf": "tensorflow.math.erf", "xlogy": "tensorflow.math.xlogy", "xlog1py": "tensorflow.math.xlog1py"}
    def _print_expm1(self, expr):
        return "%s(%s)" % (self._module_format("tensorflow.math.expm1"), self._print(expr.args[0]))

    def _print_log1p(self, expr):
        return "%s(%s)" % (self._module_format("tensorflow.math.log1p"), self._print(expr.args[0]))


def _tf_piecewise(self, expr):
    """TensorFlow's where needs tensors of one dtype: a numeric branch becomes a float64 constant (every module
    computes in float64), not ``zeros_like(other branch) + number``, which would compute the other branch twice."""
    if len(expr.args) == 2 and expr.args[1].cond == True:  # noqa: E712
        (a, cond), (b, _) = expr.args
        constant = self._module_format("tensorflow.constant")
        float64 = self._module_format("tensorflow.float64")
        pa, pb = ("%s(%s, dtype=%s)" % (constant, self._print(e), float64) if e.is_number else self._print(e)
                  for e in (a, b))
        return "%s(%s, %s, %s)" % (self._module_format("tensorflow.where"), self._print(cond), pa, pb)
    return TensorflowPrinter._print_Piecewise(self, expr)


TensorflowStablePrinter._print_Piecewise = _tf_piecewise
