"""Code targets: printer, imports, and the few structural calls (array conversion, reductions) per framework."""

from __future__ import annotations

from dataclasses import dataclass

from derive.emit import printers


@dataclass(frozen=True)
class Target:
    name: str
    printer: type
    imports: tuple[str, ...]
    asarray: str  # converts an argument to the framework's array type
    reduce_sum: str  # format with {x} and {axis}
    reduce_mean: str
    any_nonpositive: str  # format with {x}: a Python bool, True when any element <= 0 (for validate=True)
    notes: str  # what the framework does with bad inputs (documented in every emitted function)
    # float32 in, float32 out, computed in float64 and rounded once (None: the target computes in its dtype).
    single: str | None = None  # format with {args} (the unconverted arguments): True for float32 inputs
    upcast: str = ""  # format with {x}
    downcast: str = ""  # format with {x}
    # evaluate elementwise work in cache-sized blocks (the _blockwise helper; upcasting per block)
    blockwise: bool = False
    # broadcasting a value to the arguments' common shape, with a floating dtype: ``broadcast`` formats {x} (the
    # value), {shape} (built from ``shape_of`` {x} and ``broadcast_shapes`` {a}, {b}), {first} (an argument the value
    # depends on, else the first)
    shape_of: str = "{x}.shape"
    broadcast_shapes: str = ""
    broadcast: str = ""


TARGETS = {
    "numpy": Target(
        "numpy", printers.NumPyStablePrinter, ("import numpy",), "numpy.asarray",
        "numpy.sum({x}, axis={axis})", "numpy.mean({x}, axis={axis})", "bool(numpy.any({x} <= 0))",
        "Integer arrays are promoted to float64 by NumPy; float32 stays float32 (computed in float64 and "
        "rounded once). A scale <= 0 gives NaN (NumPy warns); shapes that do not broadcast raise ValueError.",
        "numpy.result_type(*[a if isinstance(a, (int, float)) else numpy.asarray(a) for a in [{args}]])"
        " == numpy.float32", "{x}.astype(numpy.float64)", "{x}.astype(numpy.float32)", blockwise=True,
        broadcast_shapes="numpy.broadcast_shapes({a}, {b})",
        broadcast="{x} + numpy.zeros({shape}, dtype=numpy.result_type({first}, 1.0))",
    ),
    "torch": Target(
        "torch", printers.TorchStablePrinter, ("import functools", "import math", "", "import torch"),
        "torch.as_tensor",
        "torch.sum({x}, dim={axis})", "torch.mean({x}, dim={axis})", "bool(torch.any({x} <= 0))",
        "Integer tensors are promoted to torch's default float dtype; float32 stays float32 (computed in "
        "float64 and rounded once). A scale <= 0 gives NaN; shapes that do not broadcast raise RuntimeError. "
        "Autograd works through every branch.",
        "all(torch.as_tensor(a).dtype == torch.float32 for a in [{args}])", "{x}.to(torch.float64)",
        "{x}.to(torch.float32)", blockwise=True,
        broadcast_shapes="torch.broadcast_shapes({a}, {b})",
        broadcast="{x} + torch.zeros({shape}, dtype=torch.promote_types({first}.dtype, torch.get_default_dtype()))",
    ),
    "jax": Target(
        "jax", printers.JaxStablePrinter, ("import jax", "import jax.numpy"), "jax.numpy.asarray",
        "jax.numpy.sum({x}, axis={axis})", "jax.numpy.mean({x}, axis={axis})", "bool(jax.numpy.any({x} <= 0))",
        "Integer arrays are promoted to the default float dtype; a scale <= 0 gives NaN; shapes that do not "
        "broadcast raise TypeError. validate=True needs concrete arrays (not under jax.jit).",
        shape_of="jax.numpy.shape({x})", broadcast_shapes="jax.numpy.broadcast_shapes({a}, {b})",
        broadcast="{x} + jax.numpy.zeros({shape}, dtype=jax.numpy.promote_types({first}.dtype, jax.numpy.float32))",
    ),
    "tensorflow": Target(
        "tensorflow", printers.TensorflowStablePrinter, ("import tensorflow",), "tensorflow.convert_to_tensor",
        "tensorflow.reduce_sum({x}, axis={axis})", "tensorflow.reduce_mean({x}, axis={axis})",
        "bool(tensorflow.reduce_any({x} <= 0))",
        "Tensors must be floating point (integer tensors raise in tf.math.log); a scale <= 0 gives NaN; shapes "
        "that do not broadcast raise InvalidArgumentError. float32 is computed in float64 and rounded once.",
        "all(tensorflow.convert_to_tensor(a).dtype == tensorflow.float32 for a in [{args}])",
        "tensorflow.cast({x}, tensorflow.float64)", "tensorflow.cast({x}, tensorflow.float32)",
        shape_of="tensorflow.shape({x})", broadcast_shapes="tensorflow.broadcast_dynamic_shape({a}, {b})",
        broadcast="{x} + tensorflow.zeros({shape}, dtype={first}.dtype)",
    ),
}
