"""Emitted code for multivariate normals with full covariance: entropy, cross-entropy and KL divergence.

The closed forms are built here in SymPy from small unevaluated matrix nodes (``SolveTril``, ``Diag``,
``StrictLowerSumSquares`` ...) and the stable pass's ``expm1mx``/``log_ratio``, and printed by the targets' SymPy
printers, taught those nodes by ``_MvnMixin``. With L1, L2 the lower Cholesky factors of Σ1, Σ2, A = L2⁻¹L1 and
z = L2⁻¹(μ2 − μ1) (triangular solves, never an inverse or a determinant)::

    KL(q‖p) = ½ Σ_{i>j} A_ij² + Σ_i ½·expm1mx(2·log(L1_ii/L2_ii)) + ½‖z‖²

(``expm1mx(x) = e^x − 1 − x`` ≥ 0): every term is non-negative, so nothing cancels as p → q, unlike the textbook
½[tr(Σ2⁻¹Σ1) − k + (μ2−μ1)ᵀΣ2⁻¹(μ2−μ1) + log det Σ2/det Σ1]. A precision P = RRᵀ is used through its own factor R:
Σ = R⁻ᵀR⁻¹, so tr(Σ2⁻¹Σ1) = ‖R1⁻¹R2‖²_F and (μ2−μ1)ᵀΣ2⁻¹(μ2−μ1) = ‖R2ᵀ(μ2−μ1)‖².

The derivations themselves live elsewhere; this module needs only the name -> spec table ``SPECS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sympy import (
    Add,
    Function,
    Mul,
    S,
    Symbol,
    UnevaluatedExpr,
    log,
    pi,
    sstr,
)
from sympy.codegen.rewriting import optimize

from derive.emit import printers
from derive.emit.helpers import helpers_for
from derive.emit.stable import FloatConstants, expm1mx, log_ratio
from derive.emit.targets import TARGETS



@dataclass(frozen=True)
class MvnSpec:
    kind: str  # "entropy", "cross-entropy", "kl", "kl-std"
    summary: str

    @property
    def pair(self) -> bool:
        return self.kind in ("cross-entropy", "kl")


SPECS = {
    "entropy-mvn": MvnSpec("entropy", "Entropy H(q) for q = N(mu, Sigma)"),
    "cross-entropy-mvn-mvn": MvnSpec(
        "cross-entropy", "Cross-entropy H(q, p) for q = N(mu1, Sigma1), p = N(mu2, Sigma2)"),
    "kl-mvn-mvn": MvnSpec("kl", "KL(q || p) for q = N(mu1, Sigma1), p = N(mu2, Sigma2)"),
    "kl-mvn-std-normal": MvnSpec("kl-std", "KL(q || p) for q = N(mu, Sigma), p = N(0, I)"),
}


def is_mvn(name: str) -> bool:
    return name in SPECS


# --- matrix nodes: unevaluated, printed per target by _MvnMixin; _sympystr for the docstrings -------------------

class _Node(Function):
    _label = ""

    def _sympystr(self, printer):
        return "%s(%s)" % (self._label, ", ".join(printer._print(a) for a in self.args))


class CholeskyOf(_Node):
    """The lower Cholesky factor of a symmetric positive definite matrix (..., k, k)."""
    nargs, _label = 1, "cholesky"


class SolveTril(_Node):
    """X with L·X = B for lower triangular L (..., k, k) and B (..., k, m); batch dimensions broadcast."""
    nargs, _label = 2, "solve_tril"


class SolveTrilVec(_Node):
    """x with L·x = b for lower triangular L (..., k, k) and a vector b (..., k)."""
    nargs, _label = 2, "solve_tril"


class TrilTMatVec(_Node):
    """Lᵀ·v for L (..., k, k) and v (..., k)."""
    nargs, _label = 2, "transpose_matvec"


class EyeLike(_Node):
    """The k×k identity in the dtype of a matrix (..., k, k)."""
    nargs, _label = 1, "eye_like"


class Diag(_Node):
    """The diagonal (..., k) of a matrix (..., k, k)."""
    nargs, _label = 1, "diag"


class StrictLowerSumSquares(_Node):
    """Σ_{i>j} M_ij² over the last two axes (the strict lower triangle only)."""
    nargs, _label = 1, "sum_squares_below_diagonal"


class SumSquares(_Node):
    """Σ_i v_i² over the last axis."""
    nargs, _label = 1, "sum_squares"


class FrobeniusSquares(_Node):
    """Σ_ij M_ij² over the last two axes."""
    nargs, _label = 1, "frobenius_squared"


class SumLast(_Node):
    """Σ over the last axis of an elementwise expression."""
    nargs, _label = 1, "sum"


class BatchLike(_Node):
    """A value broadcast to the batch shape of a vector (..., k) and a matrix (..., k, k) argument."""
    nargs, _label = 3, "broadcast_to_batch"


class Dim(_Node):
    """k, the event size of a vector argument (..., k), as a Python int."""
    nargs, _label = 1, "dim"


# --- printers -----------------------------------------------------------------------------------------------------

class _MvnMixin:
    """Prints the matrix nodes as framework calls; ``_ops`` maps node -> format string of the printed args."""

    _ops: dict[str, str] = {}

    def _mvn(self, key, expr):
        return self._ops[key].format(*(self._operand(a) for a in expr.args))

    def _operand(self, arg):
        """Printed, parenthesised unless a name or a call (the formats index and call methods on it)."""
        printed = self._print(arg)
        return printed if isinstance(arg, (Symbol, Function)) else "(%s)" % printed

    def _print_CholeskyOf(self, expr):
        return self._mvn("cholesky", expr)

    def _print_SolveTril(self, expr):
        return self._mvn("solve", expr)

    def _print_SolveTrilVec(self, expr):
        return self._mvn("solve_vec", expr)

    def _print_TrilTMatVec(self, expr):
        return self._mvn("t_matvec", expr)

    def _print_EyeLike(self, expr):
        return self._mvn("eye_like", expr)

    def _print_Diag(self, expr):
        return self._mvn("diag", expr)

    def _print_StrictLowerSumSquares(self, expr):
        return self._mvn("strict_lower_sumsq", expr)

    def _print_SumSquares(self, expr):
        return self._mvn("sumsq", expr)

    def _print_FrobeniusSquares(self, expr):
        return self._mvn("frobenius_sq", expr)

    def _print_SumLast(self, expr):
        return self._mvn("sum_last", expr)

    def _print_BatchLike(self, expr):
        return self._mvn("batch_like", expr)

    def _print_Dim(self, expr):
        return "%s.shape[-1]" % self._print(expr.args[0])


class NumPyMvnPrinter(_MvnMixin, printers.NumPyStablePrinter):
    _ops = {
        "cholesky": "numpy.linalg.cholesky({0})",
        "solve": "_solve_tril({0}, {1})",
        "solve_vec": "_solve_tril({0}, {1}[..., None])[..., 0]",
        "t_matvec": "numpy.matmul({1}[..., None, :], {0})[..., 0, :]",
        "eye_like": "numpy.eye({0}.shape[-1], dtype={0}.dtype)",
        "diag": "numpy.diagonal({0}, axis1=-2, axis2=-1)",
        "strict_lower_sumsq": "numpy.sum(numpy.square(numpy.tril({0}, -1)), axis=(-2, -1))",
        "sumsq": "numpy.sum(numpy.square({0}), axis=-1)",
        "frobenius_sq": "numpy.sum(numpy.square({0}), axis=(-2, -1))",
        "sum_last": "numpy.sum({0}, axis=-1)",
        "batch_like": "numpy.broadcast_to({0}, numpy.broadcast_shapes({1}.shape[:-1], {2}.shape[:-2])).copy()",
    }


class TorchMvnPrinter(_MvnMixin, printers.TorchStablePrinter):
    # diagonals are made contiguous (elementwise ops on the strided diagonal view are ~40x slower, and the stable
    # helpers apply dozens of them); squared norms through vector_norm (one fused pass, no overflow in the squares)
    _ops = {
        "cholesky": "torch.linalg.cholesky({0})",
        # as the right solve X·L^T = B^T, transposed back: the same values, and on CPU up to 1.6x faster than the
        # left solve for a batch of small matrices (it avoids a column-major copy)
        "solve": "torch.linalg.solve_triangular({0}.mT, {1}.mT, upper=True, left=False).mT",
        "solve_vec": "torch.linalg.solve_triangular({0}, {1}.unsqueeze(-1), upper=False).squeeze(-1)",
        "t_matvec": "torch.matmul({1}.unsqueeze(-2), {0}).squeeze(-2)",
        "eye_like": "torch.eye({0}.shape[-1], dtype={0}.dtype, device={0}.device)",
        # float32 data: the diagonals (the terms that cancel as p -> q) in float64, the solves in float32
        "diag": "torch.diagonal({0}, dim1=-2, dim2=-1).to(torch.float64).contiguous()",
        # times a strictly-lower mask of ones: torch.tril on a batch of small matrices is ~2x slower
        "strict_lower_sumsq": "torch.square(torch.linalg.vector_norm({0} * torch.ones({0}.shape[-2:], dtype={0}.dtype,"
                              " device={0}.device).tril(-1), dim=(-2, -1)))",
        "sumsq": "torch.square(torch.linalg.vector_norm({0}, dim=-1))",
        "frobenius_sq": "torch.square(torch.linalg.vector_norm({0}, dim=(-2, -1)))",
        "sum_last": "torch.sum({0}, dim=-1)",
        "batch_like": "{0}.expand(torch.broadcast_shapes({1}.shape[:-1], {2}.shape[:-2]))",
    }


class JaxMvnPrinter(_MvnMixin, printers.JaxStablePrinter):
    _ops = {
        "cholesky": "jax.lax.linalg.cholesky({0}, symmetrize_input=False)",  # read the lower triangle only
        "solve": "_solve_tril({0}, {1})",
        "solve_vec": "_solve_tril({0}, {1}[..., None])[..., 0]",
        "t_matvec": "jax.numpy.matmul({1}[..., None, :], {0})[..., 0, :]",
        "eye_like": "jax.numpy.eye({0}.shape[-1], dtype={0}.dtype)",
        "diag": "jax.numpy.diagonal({0}, axis1=-2, axis2=-1)",
        "strict_lower_sumsq": "jax.numpy.sum(jax.numpy.square(jax.numpy.tril({0}, -1)), axis=(-2, -1))",
        "sumsq": "jax.numpy.sum(jax.numpy.square({0}), axis=-1)",
        "frobenius_sq": "jax.numpy.sum(jax.numpy.square({0}), axis=(-2, -1))",
        "sum_last": "jax.numpy.sum({0}, axis=-1)",
        "batch_like": "jax.numpy.broadcast_to({0}, jax.numpy.broadcast_shapes({1}.shape[:-1], {2}.shape[:-2]))",
    }


class TensorflowMvnPrinter(_MvnMixin, printers.TensorflowStablePrinter):
    _ops = {
        "cholesky": "tensorflow.linalg.cholesky({0})",
        "solve": "tensorflow.linalg.triangular_solve({0}, {1}, lower=True)",
        "solve_vec": "tensorflow.linalg.triangular_solve({0}, {1}[..., None], lower=True)[..., 0]",
        "t_matvec": "tensorflow.linalg.matvec({0}, {1}, transpose_a=True)",
        "eye_like": "tensorflow.eye({0}.shape[-1], dtype={0}.dtype)",
        "diag": "tensorflow.linalg.diag_part({0})",
        # the strict lower triangle: band_part(M, -1, 0) minus its diagonal band (an exact subtraction)
        "strict_lower_sumsq": "tensorflow.reduce_sum(tensorflow.square(tensorflow.linalg.band_part({0}, -1, 0)"
                              " - tensorflow.linalg.band_part({0}, 0, 0)), axis=(-2, -1))",
        "sumsq": "tensorflow.reduce_sum(tensorflow.square({0}), axis=-1)",
        "frobenius_sq": "tensorflow.reduce_sum(tensorflow.square({0}), axis=(-2, -1))",
        "sum_last": "tensorflow.reduce_sum({0}, axis=-1)",
        "batch_like": "tensorflow.broadcast_to({0}, tensorflow.broadcast_dynamic_shape(tensorflow.shape({1})[:-1],"
                      " tensorflow.shape({2})[:-2]))",
    }


#: targets whose float32 path with scale_tril keeps the matrices (and solves) in float32 and takes only the diagonal
#: terms, which cancel as p -> q, in float64 (torch: the float64 upcast and solve cost 2x torch.distributions' time).
#: A float32 cov or precision is still factored in float64: a float32 Cholesky of a matrix with condition number
#: 1e8 is off by 5% (tests/test_mvn_code.py), a triangular solve with the factor is not.
SOLVE_IN_INPUT_DTYPE = ("torch",)
#: integer arrays are promoted to the default float dtype (format with {x}); TensorFlow's ops need floats
PROMOTE = {
    "numpy": "{x} if numpy.issubdtype({x}.dtype, numpy.inexact) else {x}.astype(numpy.float64)",
    "torch": "{x} if {x}.is_floating_point() else {x}.to(torch.get_default_dtype())",
    "jax": "{x} if jax.numpy.issubdtype({x}.dtype, jax.numpy.inexact) else {x}.astype(float)",
}
PRINTERS = {"numpy": NumPyMvnPrinter, "torch": TorchMvnPrinter, "jax": JaxMvnPrinter,
            "tensorflow": TensorflowMvnPrinter}
IMPORTS = {
    "numpy": ("import numpy",),
    "torch": ("import torch",),
    "jax": ("import jax", "import jax.numpy", "import jax.scipy.linalg"),
    "tensorflow": ("import tensorflow",),
}
NOTES = {
    "numpy": "Integer arrays are promoted to float64; float32 stays float32 (computed in float64 and rounded "
             "once). A cov or precision that is not positive definite raises numpy.linalg.LinAlgError.",
    "torch": "Integer tensors are promoted to torch's default float dtype; float32 stays float32 (computed in "
             "float64 and rounded once; with scale_tril the triangular solves stay in float32 and only the "
             "diagonal terms, which cancel as p approaches q, are taken in float64). A cov or precision that is not positive definite raises "
             "torch.linalg.LinAlgError. Autograd works.",
    "jax": "Integer arrays are promoted to the default float dtype; computed in the inputs' float dtype (float64 "
           "needs jax_enable_x64). A cov or precision that is not positive definite gives NaN, and so does a "
           "float32 one whose condition number is beyond about 1e7 (a float32 Cholesky fails there): pass "
           "float64 or a scale_tril. validate=True needs concrete arrays (not under jax.jit).",
    "tensorflow": "Tensors must be floating point; float32 is computed in float64 and rounded once. A cov or "
                  "precision that is not positive definite gives NaN.",
}


# --- the closed forms ---------------------------------------------------------------------------------------------

def _real(name):
    return Symbol(name, real=True)


def _half_square_ratio(a, b):
    """½(a/b)² as (½a/b)·(a/b): the k·e^x argument of expm1mx, no a² that could overflow."""
    return Mul(UnevaluatedExpr(S.Half * a / b), UnevaluatedExpr(a / b), evaluate=False)


@dataclass(frozen=True)
class MvnForm:
    args: tuple[str, ...]
    matrix_args: tuple[str, ...]
    body: tuple[tuple[Symbol, object], ...]  # (variable, expression), in order
    value: object


def _suffixes(spec):
    return ("1", "2") if spec.pair else ("",)


@lru_cache(maxsize=None)
def form(name: str, param: str) -> MvnForm:
    """Arguments, intermediate assignments and the value of ``name`` with matrices passed as ``param``."""
    spec = SPECS[name]
    sfx = _suffixes(spec)
    mus = [_real(f"mu{s}") for s in sfx]
    mats = [_real(f"{param}{s}") for s in sfx]
    args = tuple(str(a) for pair in zip(mus, mats) for a in pair)
    body = []
    if param == "scale_tril":
        factors = mats
    else:
        factors = [_real(("L" if param == "cov" else "R") + s) for s in sfx]
        body += [(f, CholeskyOf(m)) for f, m in zip(factors, mats)]
    diags = [_real(f"d{s}") for s in sfx]
    body += [(d, Diag(f)) for d, f in zip(diags, factors)]
    sign = -1 if param == "precision" else 1  # Σ log L_ii = ½ log det Σ = −Σ log R_ii
    half, k = S.Half, Dim(mus[0])
    log2pi = log(2 * pi)
    if spec.kind == "entropy":
        # mu enters only through its batch shape (the entropy does not depend on the mean)
        value = BatchLike(k * (1 + log2pi) / 2 + sign * SumLast(log(diags[0])), mus[0], mats[0])
    elif spec.kind == "kl-std":
        (mu,), (f,), (dd,) = mus, factors, diags
        if param == "precision":
            B = _real("B")
            body.append((B, SolveTril(f, EyeLike(f))))  # R⁻¹: tr Σ = ‖R⁻¹‖²_F, diag 1/R_ii
            off, x, kex = StrictLowerSumSquares(B), -2 * log(dd), _half_square_ratio(S.One, dd)
        else:
            off, x, kex = StrictLowerSumSquares(f), 2 * log(dd), _half_square_ratio(dd, S.One)
        value = half * off + SumLast(expm1mx(x, kex, half)) + half * SumSquares(mu)
    else:
        mu1, mu2 = mus
        f1, f2 = factors
        d1, d2 = diags
        if param == "precision":
            M, z = _real("B"), _real("m")
            body += [(M, SolveTril(f1, f2)), (z, TrilTMatVec(f2, mu2 - mu1))]
            a, b = d2, d1  # diag B = R2_ii / R1_ii
        else:
            M, z = _real("A"), _real("z")
            body += [(M, SolveTril(f2, f1)), (z, SolveTrilVec(f2, mu2 - mu1))]
            a, b = d1, d2  # diag A = L1_ii / L2_ii
        if spec.kind == "kl":
            value = (half * StrictLowerSumSquares(M) + SumLast(expm1mx(2 * log_ratio(a, b), _half_square_ratio(a, b),
                                                                      half)) + half * SumSquares(z))
        else:
            value = k * log2pi / 2 + sign * SumLast(log(d2)) + half * (FrobeniusSquares(M) + SumSquares(z))
    value = optimize(value, [FloatConstants()])
    return MvnForm(args, tuple(str(m) for m in mats), tuple(body), value)


# --- the module ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MvnFunction:
    name: str
    args: tuple[str, ...]
    matrix_args: tuple[str, ...]
    body: tuple[tuple[str, str], ...]
    value: str
    textbook: str
    stable: tuple[str, ...]  # the assignments and value, as sstr lines, for the docstring
    summary: str

    @property
    def signature(self) -> str:
        return ", ".join([*self.args, "validate=False"])


def emit(name: str, target: str, param: str, grad: bool = False) -> str:
    """The Python module for MVN derivation ``name`` on ``target`` with matrices passed as ``param``."""
    from derive import registry
    from derive.emit.code import CodeError, format_python, function_name
    from derive.emit.params import check
    from derive.render.environment import render

    check(param, name)
    if grad:
        raise CodeError(f"--grad is not available for mvn derivations ({name}); use the framework's autograd")
    if target not in TARGETS:
        raise CodeError(f"unknown target {target!r}; known targets: {', '.join(TARGETS)}")
    tgt = TARGETS[target]
    printer = PRINTERS[target]({"fully_qualified_modules": True})
    f = form(name, param)
    fn = MvnFunction(
        name=function_name(name),
        args=f.args,
        matrix_args=f.matrix_args,
        body=tuple((str(v), printer.doprint(e)) for v, e in f.body),
        value=printer.doprint(f.value),
        textbook=sstr(registry.get(name).closed_form, order="none"),
        stable=(*(f"{v} = {sstr(e, order='none')}" for v, e in f.body), sstr(f.value, order="none")),
        summary=SPECS[name].summary,
    )
    source = render("code/mvn_module.py.j2", fn=fn, target=tgt, imports=IMPORTS[target], notes=NOTES[target],
                    upcast_inputs=target not in SOLVE_IN_INPUT_DTYPE or param != "scale_tril",
                    promote=PROMOTE.get(target, ""), pairs=list(zip(f.args[::2], f.args[1::2])),
                    param=param, derivation=name, helpers=helpers_for(Add(f.value), printer))
    return format_python(source)


__all__ = ["SPECS", "emit", "form", "is_mvn"]
