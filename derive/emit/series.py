"""Code for PyTorch, JAX and TensorFlow of a closed form that keeps finite series SymPy found no closed form for
(the binomial's E_q[log C(n, z)], summed from z = 0 to total_count): each series is summed for every element at
once, over z = lower, ..., max(upper) with the terms past an element's own upper end set to 0.

The number of terms is read from the data, so the functions run eagerly (not under jax.jit or tf.function). An
infinite series (the Poisson's) stays NumPy's (``derive.emit.quadrature``). The maths (each term, the value around
the series) is printed by the target's SymPy printer; the template supplies the structure.
"""

from __future__ import annotations

from dataclasses import dataclass

from sympy import Piecewise, sstr

from derive.emit.bregman import _Call
from derive.emit.quadrature import kept, log_space

#: per target: the array operations a series needs ({x}: an array, {n}: the number of terms, {t}: the terms,
#: {z}: the summation variable, {upper}: each element's upper end, {args}: the arguments, comma-separated)
OPS = {
    "torch": {
        "asarray": "torch.as_tensor({x}, dtype=torch.float64)",
        "count": "int(torch.max({x}))",
        "arange": "torch.arange({lower}, {n} + 1, dtype=torch.float64)",
        "reshape": "{x}.reshape({shape})",
        "keep": "torch.where(torch.isnan({t}) | ({z} > {upper}), torch.zeros_like({t}), {t})",
        "total": "torch.sum({t}, dim=0)",
        "zeros": "torch.zeros(torch.broadcast_shapes({shapes}), dtype=torch.float64)",
    },
    "jax": {
        "asarray": "jax.numpy.asarray({x}, dtype=float)",
        "count": "int(jax.numpy.max({x}))",
        "arange": "jax.numpy.arange({lower}, {n} + 1, dtype=float)",
        "reshape": "{x}.reshape({shape})",
        "keep": "jax.numpy.where(jax.numpy.isnan({t}) | ({z} > {upper}), 0.0, {t})",
        "total": "jax.numpy.sum({t}, axis=0)",
        "zeros": "jax.numpy.zeros(jax.numpy.broadcast_shapes({shapes}))",
    },
    "tensorflow": {
        "asarray": "tensorflow.convert_to_tensor({x}, dtype=tensorflow.float64)",
        "count": "int(tensorflow.reduce_max({x}))",
        "arange": "tensorflow.range({lower}, {n} + 1, dtype=tensorflow.float64)",
        "reshape": "tensorflow.reshape({x}, {shape})",
        "keep": "tensorflow.where(tensorflow.math.is_nan({t}) | ({z} > {upper}), tensorflow.zeros_like({t}), {t})",
        "total": "tensorflow.reduce_sum({t}, axis=0)",
        "zeros": "tensorflow.zeros(functools.reduce(tensorflow.broadcast_static_shape, [{shapes}]), "
                 "dtype=tensorflow.float64)",
    },
}


@dataclass(frozen=True)
class KeptSeries:
    """One series of the closed form: a module function ``name(args)`` summing it for every element."""

    name: str
    args: tuple[str, ...]
    formula: str  # the series, as SymPy's str printer writes it (for the docstring)
    variable: str  # the summation variable's name
    upper: str  # printed
    count: str  # the number of terms of the longest element's series (a Python int)
    z: str  # the summation variable, shaped to broadcast against the arguments
    terms: str  # printed, in z and the arguments
    total: str  # the sum over z of the terms kept


def _printer(target: str):
    """The target's printer, without the float32 flag (``single``): a series module computes in float64 (JAX: in
    its default float)."""
    from derive.emit.targets import TARGETS

    base = TARGETS[target].printer
    return type(base.__name__, (base,), {"single_mode": False})({"fully_qualified_modules": True})


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
        z = ops["reshape"].format(x=ops["arange"].format(lower=printer.doprint(lower), n="count"),
                                  shape=f"(-1,) + (1,) * {ndim}")
        kept_terms = ops["keep"].format(t="terms", z=str(var), upper="upper")
        records.append(KeptSeries(
            name=name, args=tuple(map(str, params)), formula=sstr(series), variable=str(var),
            upper=printer.doprint(upper),
            count=ops["count"].format(x="upper"), z=z, terms=printer.doprint(log_space(series.function)),
            total=ops["total"].format(t=kept_terms),
        ))
    return expr.xreplace(replace), records, printer


def emit(name: str, derivation, expr, args, target: str, regenerate: str, coincident=None) -> str:
    """The ``target`` module for derivation ``name``, whose closed form ``expr`` (in ``args``) keeps finite series;
    with ``coincident`` (condition, value, note), that value where the condition holds (``code.COINCIDENT``)."""
    from derive.emit.code import _imports as code_imports
    from derive.emit.code import format_python, function_name
    from derive.emit.helpers import helpers_for
    from derive.emit.targets import TARGETS
    from derive.render.environment import render

    masked, series, printer = split(expr, args, target)
    helpers, note = [], ""
    if coincident is not None:
        condition, there, note = coincident
        masked = Piecewise((there, condition), (masked, True))
        helpers = helpers_for(there, printer)
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
        positive=[str(a) for a in args if a.is_positive],
        summary=derivation.summary,
        formula=sstr(expr, order="none"),
        series=series,
        value=value,
        asarray={a: ops["asarray"].format(x=a) for a in names},
        zeros=zeros,
        imports=(*imports, *([""] if imports else []), *code_imports(tgt, printer, helpers)),
        helpers=helpers,
        note=note,
        regenerate=regenerate,
    )
    return format_python(source)
