"""Code for a closed form that keeps integrals SymPy found no closed form for (derivations of declared families,
``derive.spec_walk``): NumPy only, each integral a function of the parameters it depends on, computed element by
element with ``scipy.integrate.quad``. Other targets, ``--grad`` and kept sums are refused with the reason.

The maths (the expression around the integrals, each integrand, the ends of each range) is printed by SymPy's
NumPy printer (``derive.emit.printers``); the template supplies the structure.
"""

from __future__ import annotations

from dataclasses import dataclass

from sympy import Add, Function, Integral, Mul, Sum, default_sort_key, exp, log, sstr

from derive.emit.printers import NumPyStablePrinter
from derive.emit.stable import Log1pOpt, XLogXOpt, collected_logs, log_of

#: relative tolerance asked of scipy.integrate.quad
EPSREL = 1e-12


class QuadraturePrinter(NumPyStablePrinter):
    """The NumPy printer of the other modules (scipy.special for log Γ, ψ, Γ, erf), printing the integrals' stand-in
    functions ``_integral_<i>(...)`` as calls. No stable pass runs here, so no helper needs ``single``."""

    single_mode = False


@dataclass(frozen=True)
class KeptIntegral:
    """One integral of the closed form: a module function ``name(args)`` computing it per element."""

    name: str
    args: tuple[str, ...]
    variable: str
    integrand: str  # printed
    lower: str
    upper: str
    formula: str  # the integral, as SymPy's str printer writes it (for the docstring)
    series: bool = False  # a sum over the integers from lower to upper (summed in chunks), not an integral


def kept(expr) -> tuple:
    """The integrals and sums ``expr`` keeps, in a stable order."""
    return tuple(sorted(expr.atoms(Integral, Sum), key=default_sort_key))


def refusal(name: str, target: str, grad: bool, expr) -> str:
    """Why code for ``expr`` (which keeps integrals or sums) cannot be emitted as asked, or '' when it can."""
    found = kept(expr)
    what = f"keeps {len(found)} expectation{'s' * (len(found) != 1)} SymPy found no closed form for"
    kind = "a series" if any(isinstance(i, Sum) for i in found) else "an integral"
    if target != "numpy" and not summable(expr):
        return (f"{name}: its closed form {what} ({kind}); code for it is emitted only with --target numpy "
                "(scipy.integrate.quad per element; other targets sum series only)")
    if grad:
        return f"{name}: its closed form {what} ({kind}); --grad is not available for it"
    return ""


def summable(expr) -> bool:
    """Whether every integral or sum ``expr`` keeps is a series with a numeric lower end (summed on every target
    by ``derive.emit.series``)."""
    found = kept(expr)
    return bool(found) and all(isinstance(s, Sum) and s.limits[0][1].is_number for s in found)


def log_space(term):
    """A series term as exp(the sum of the logs of its factors) times its log factors, with log C(m, z) and log z!
    as log Γ's: p^z C(n, z) / z! overflows as separate factors long before their product does (and Γ(n + 1), which
    SymPy makes of e^(log Γ(n + 1)), past n = 170: the binomial's entropy at n = 200 was 122 for 3.29)."""
    from derive.emit.loader import held

    logs, others, kept_as_is = [], [], []
    for f in Mul.make_args(term):
        (logs if isinstance(f, log) else kept_as_is if isinstance(f, held) else others).append(f)
    exponent = Add(*(log_of(f) for f in others))
    return Mul(exp(exponent, evaluate=False), *(log_of(f.args[0]) for f in logs), *kept_as_is)


def arranged(value):
    """Each log's coefficients collected, x·log x as xlogy (xlog1py for x = 1 + e: 0 at the ends of a support) and
    log(1 + e) as log1p: the stable pass of the modules that keep integrals or series."""
    return Log1pOpt()(XLogXOpt()(collected_logs(value)))


def split(expr, args):
    """(``expr`` with each integral replaced by a call of its stand-in function, the KeptIntegral records)."""
    printer = QuadraturePrinter({"fully_qualified_modules": True, "allow_unknown_functions": True})
    order = {a: i for i, a in enumerate(args)}
    replace, records = {}, []
    for i, integral in enumerate(kept(expr)):
        (var, lo, hi), = integral.limits
        params = sorted(integral.free_symbols, key=lambda s: order.get(s, len(order)))
        series = isinstance(integral, Sum)
        name = f"_{'series' if series else 'integral'}_{i}"
        replace[integral] = Function(name)(*params)
        body = log_space(integral.function) if series else integral.function
        records.append(KeptIntegral(
            name=name, args=tuple(map(str, params)), variable=str(var), integrand=printer.doprint(body),
            lower=printer.doprint(lo), upper=printer.doprint(hi), formula=sstr(integral), series=series,
        ))
    return expr.xreplace(replace), records, printer


def emit(name: str, derivation, expr, args, regenerate: str, note: str = "", shown=None) -> str:
    """The NumPy module for derivation ``name`` whose closed form ``expr`` (in the arguments ``args``) keeps
    integrals; ``note`` is added to the docstring, and ``shown`` is the closed form it prints (``expr`` by
    default)."""
    from derive.emit.code import format_python, function_name, validation
    from derive.emit.targets import TARGETS
    from derive.render.environment import render

    from derive.emit.helpers import helpers_for

    masked, integrals, printer = split(expr, args)
    masked = arranged(masked)
    terms = (log_space(i.function) for i in kept(expr) if isinstance(i, Sum))  # the value's and the terms' helpers
    helpers = helpers_for(Add(masked, *terms), printer)
    value = printer.doprint(masked)
    source = render(
        "code/quadrature_module.py.j2",
        derivation=name,
        function=function_name(name),
        args=[str(a) for a in args],
        checks=validation(args, derivation.domains or {}, TARGETS["numpy"]),
        summary=derivation.summary,
        formula=sstr(expr if shown is None else shown, order="none"),
        integrals=integrals,
        value=value,
        modules=sorted(m for m in printer.module_imports if m not in ("numpy",)),
        epsrel=EPSREL,
        regenerate=regenerate,
        helpers=helpers,
        target=TARGETS["numpy"],
        note=note,
    )
    return format_python(source)
