"""NumPy code for a derivation's closed form, printed by SymPy's NumPyPrinter through templates/code/."""

from __future__ import annotations

from dataclasses import dataclass

from sympy import Indexed, IndexedBase, Sum, Symbol, expand_log, sstr
from sympy.printing.numpy import NumPyPrinter

from derive import registry
from derive.render.environment import render

TARGETS = ("numpy",)


class CodeError(ValueError):
    """Code cannot be emitted for this derivation or target."""


@dataclass(frozen=True)
class Function:
    name: str
    args: tuple[str, ...]
    keyword_args: tuple[tuple[str, str], ...]
    expr: str
    reduce_axis: bool
    formula: str
    summary: str

    @property
    def signature(self) -> str:
        return ", ".join([*self.args, *(f"{k}={v}" for k, v in self.keyword_args)])


def function_name(derivation_name: str) -> str:
    return derivation_name.replace("-", "_")


def _elementwise(closed_form):
    """A closed form with a sum over d -> (elementwise expression in array arguments, True)."""
    sums = closed_form.atoms(Sum)
    if not sums:
        return closed_form, False
    flat = closed_form.replace(lambda e: isinstance(e, Sum), lambda e: e.function)
    flat = flat.xreplace({x: Symbol(str(x.base.label), **x.assumptions0) for x in flat.atoms(Indexed)})
    return flat, True


def _arg_name(param) -> str:
    return str(param.label) if isinstance(param, IndexedBase) else str(param)


def numpy_function(name: str) -> Function:
    entry = registry.entry(name)
    if entry.kind != "derivation":
        raise CodeError(f"{name!r} is a lemma; code is emitted for derivations (see 'derive list')")
    derivation = registry.get(name)
    expr, reduces = _elementwise(derivation.closed_form)
    # log(sigma**2) -> 2*log(sigma): valid for the positive scales, and it does not overflow for huge or tiny sigma.
    expr = expand_log(expr)
    printer = NumPyPrinter({"fully_qualified_modules": True})
    return Function(
        name=function_name(name),
        args=tuple(_arg_name(p) for p in derivation.params),
        keyword_args=(("axis", "-1"),) if reduces else (),
        expr=printer.doprint(expr),
        reduce_axis=reduces,
        formula=sstr(derivation.closed_form, order="none"),
        summary=derivation.summary,
    )


def format_python(source: str) -> str:
    """Format generated Python with black (pinned range in pyproject, so output is stable)."""
    import black

    return black.format_str(source, mode=black.Mode())


def numpy_module(name: str, target: str = "numpy") -> str:
    if target not in TARGETS:
        raise CodeError(f"unknown target {target!r}; known targets: {', '.join(TARGETS)}")
    fn = numpy_function(name)
    return format_python(render("code/numpy.py.j2", fn=fn, derivation=name))
