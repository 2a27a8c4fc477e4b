"""Code for PyTorch, JAX and TensorFlow of a closed form that keeps series SymPy found no closed form for: each
series is summed for every element at once. A finite one (the binomial's E_q[log C(n, z)], z = 0 .. total_count)
over z = lower, ..., max(upper), the terms past an element's own upper end set to 0; an infinite one (the
Poisson's E_q[log z!]) CHUNK terms at a time until a chunk no longer counts for any element.

The number of terms is read from the data, so the functions run eagerly (not under jax.jit or tf.function). The
maths (each term, the value around the series) is printed by the target's SymPy printer; the template supplies the
structure.
"""

from __future__ import annotations

from dataclasses import dataclass

from sympy import Add, sstr

from derive.emit.bregman import _Call
from derive.emit.helpers import double_double_for, helpers_for
from derive.emit.quadrature import arranged, kept, log_space

#: per target: the array operations a series needs ({x}: an array; {start}, {stop}: the range of z; {t}: the
#: terms; {mask}: where they are dropped)
OPS = {
    "numpy": {
        "asarray": "numpy.asarray({x}, dtype=numpy.float64)",
        "count": "int(numpy.max({x}))",
        "arange": "numpy.arange({start}, {stop}, dtype=numpy.float64)",
        "reshape": "{x}.reshape({shape})",
        "isnan": "numpy.isnan({x})",
        "drop": "numpy.where({mask}, 0.0, {t})",
        # pairwise along a contiguous last axis (along axis 0 NumPy adds row by row: 6 ulp lost at 80 terms)
        "total": "numpy.sum(numpy.ascontiguousarray(numpy.moveaxis({t}, 0, -1)), axis=-1)",
        "all": "bool(numpy.all({x}))",
        "zeros": "numpy.zeros(numpy.broadcast_shapes({shapes}))",
    },
    "torch": {
        "asarray": "torch.as_tensor({x}, dtype=torch.float64)",
        "count": "int(torch.max({x}))",
        "arange": "torch.arange({start}, {stop}, dtype=torch.float64)",
        "reshape": "{x}.reshape({shape})",
        "isnan": "torch.isnan({x})",
        "drop": "torch.where({mask}, torch.zeros_like({t}), {t})",
        "total": "torch.sum({t}, dim=0)",
        "all": "bool(torch.all({x}))",
        "zeros": "torch.zeros(torch.broadcast_shapes({shapes}), dtype=torch.float64)",
    },
    "jax": {
        "asarray": "jax.numpy.asarray({x}, dtype=float)",
        # rounded up to 2**k - 1: JAX compiles each operation again for every new shape (a second for the
        # double-double helpers), and calls whose counts differ then share the terms' shapes
        "count": "2 ** max(int(jax.numpy.max({x})), 0).bit_length() - 1",
        "arange": "jax.numpy.arange({start}, {stop}, dtype=float)",
        "reshape": "{x}.reshape({shape})",
        "isnan": "jax.numpy.isnan({x})",
        "drop": "jax.numpy.where({mask}, 0.0, {t})",
        "total": "jax.numpy.sum({t}, axis=0)",
        "all": "bool(jax.numpy.all({x}))",
        "zeros": "jax.numpy.zeros(jax.numpy.broadcast_shapes({shapes}))",
    },
    "tensorflow": {
        "asarray": "tensorflow.convert_to_tensor({x}, dtype=tensorflow.float64)",
        "count": "int(tensorflow.reduce_max({x}))",
        "arange": "tensorflow.range({start}, {stop}, dtype=tensorflow.float64)",
        "reshape": "tensorflow.reshape({x}, {shape})",
        "isnan": "tensorflow.math.is_nan({x})",
        "drop": "tensorflow.where({mask}, tensorflow.zeros_like({t}), {t})",
        "total": "tensorflow.reduce_sum({t}, axis=0)",
        "all": "bool(tensorflow.reduce_all({x}))",
        "zeros": "tensorflow.zeros(functools.reduce(tensorflow.broadcast_static_shape, [{shapes}]), "
                 "dtype=tensorflow.float64)",
    },
}
#: an infinite series is summed CHUNK terms at a time, until a chunk adds less than STOP of every element's total
#: past the terms' peak (decreasing, or underflowed to 0 after adding up to something), or past LIMIT terms (as
#: NumPy's ``_sum_each`` does element by element)
CHUNK = 256
STOP = "1e-17"
LIMIT = 2**20


@dataclass(frozen=True)
class KeptSeries:
    """One series of the closed form: a module function ``name(args)`` summing it for every element."""

    name: str
    args: tuple[str, ...]
    formula: str  # the series, as SymPy's str printer writes it (for the docstring)
    variable: str  # the summation variable's name
    lower: str  # printed (a number)
    upper: str  # printed; "" for an infinite series
    count: str  # finite: the largest upper end (a Python int)
    z: str  # the summation variable over its range (finite) or a chunk (infinite), shaped to broadcast
    terms: str  # printed, in z and the arguments
    kept: str  # the terms with NaN (0 times an infinite log) and, finite, those past the upper end as 0
    total: str  # their sum over z
    done: str  # infinite: a Python bool, True when the chunk ``part`` no longer counts


def _printer(target: str):
    """The target's printer, without the float32 flag (``single``): a series module computes in float64 (JAX: in
    its default float)."""
    from derive.emit.targets import TARGETS

    base = TARGETS[target].printer
    return type(base.__name__, (base,), {"single_mode": False})({"fully_qualified_modules": True})


def _terms(series):
    """log_space of the series' terms."""
    return log_space(series.function)


def split(expr, args, target: str):
    """(``expr`` with each series replaced by a call of its function, the KeptSeries records, the printer)."""
    ops, printer = OPS[target], _printer(target)
    order = {a: i for i, a in enumerate(args)}
    replace, records = {}, []
    for i, series in enumerate(kept(expr)):
        (var, lower, upper), = series.limits
        params = sorted(series.free_symbols, key=lambda s: order.get(s, len(order)))
        name = f"_series_{i}"
        replace[series] = type(name[1:], (_Call,), {})(*params)  # printed as a call of ``name`` on every target
        ndim = "max(%s)" % ", ".join(f"len({p}.shape)" for p in params) if len(params) > 1 \
            else f"len({params[0]}.shape)"
        infinite = upper.is_infinite is True
        span = dict(start="start", stop=f"start + {CHUNK}") if infinite else dict(start="start", stop="count + 1")
        z = ops["reshape"].format(x=ops["arange"].format(**span), shape=f"(-1,) + (1,) * {ndim}")
        mask = ops["isnan"].format(x="terms") + ("" if infinite else f" | ({var} > upper)")
        kept_terms = ops["drop"].format(mask=mask, t="terms")
        done = " and ".join(ops["all"].format(x=c) for c in (
            f"abs(part) <= {STOP} * abs(total)",
            "(abs(terms[-1]) < abs(terms[0])) | ((terms[-1] == 0) & (total != 0))")) + f" or start > {LIMIT}"
        records.append(KeptSeries(
            name=name, args=tuple(map(str, params)), formula=sstr(series), variable=str(var),
            lower=printer.doprint(lower), upper="" if infinite else printer.doprint(upper),
            count=ops["count"].format(x="upper"), z=z, terms=printer.doprint(_terms(series)),
            kept=kept_terms, total=ops["total"].format(t="terms"), done=done,
        ))
    return expr.xreplace(replace), records, printer


def emit(name: str, derivation, expr, args, target: str, regenerate: str, note: str = "", shown=None) -> str:
    """The ``target`` module for derivation ``name``, whose closed form ``expr`` (in ``args``) keeps series; with
    ``note`` added to the docstring; ``shown`` is the closed form it prints (``expr`` by default)."""
    from derive.emit.code import _imports as code_imports
    from derive.emit.code import format_python, function_name, validation
    from derive.emit.targets import TARGETS
    from derive.render.environment import render

    masked, series, printer = split(expr, args, target)
    masked = arranged(masked)
    used = Add(masked, *map(_terms, kept(expr)))
    helpers = helpers_for(used, printer)  # the value's and the terms' helpers
    names = [str(a) for a in args]
    ops, tgt = OPS[target], TARGETS[target]
    value = printer.doprint(masked)
    zeros = ops["zeros"].format(shapes=", ".join(f"{a}.shape" for a in names))
    text = "\n".join([value, zeros, *(s.terms for s in series)])
    imports = [f"import {m}" for m in ("functools", "math") if f"{m}." in text]
    source = render(
        "code/series_module.py.j2",
        derivation=name,
        target=tgt,
        function=function_name(name),
        args=names,
        checks=validation(args, derivation.domains or {}, TARGETS[target]),
        summary=derivation.summary,
        formula=sstr(expr if shown is None else shown, order="none"),
        series=series,
        value=value,
        asarray={a: ops["asarray"].format(x=a) for a in names},
        zeros=zeros,
        imports=(*imports, *([""] if imports else []), *code_imports(tgt, printer, helpers)),
        helpers=helpers,
        **(double_double_for(used, target) or {"dd": None}),
        note=note,
        regenerate=regenerate,
        chunk=CHUNK,
    )
    return format_python(source)
