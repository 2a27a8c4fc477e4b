"""Emit a Python module for a derivation's closed form: reparameterise, stabilise, print, render, format.

The maths is printed by the target's SymPy printer (``derive.emit.printers``); the template supplies only the
structure (imports, signature, docstring, array conversion, reduction).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from functools import lru_cache

from sympy import Add, Indexed, IndexedBase, Integer, Piecewise, Rational, Sum, Symbol, expand_log, log, oo, sstr
from sympy.codegen.cfunctions import log1p

from derive import registry
from derive.emit import beta, cbern, lgamma, loader, mvn, quadrature, refine, series, vector
from derive.emit import params as params_mod
from derive.emit.bregman import lgamma_excess_bregman, product_difference, trigamma_excess, trigamma_excess_difference
from derive.emit.formatting import format_python
from derive.emit.helpers import helpers_for
from derive.emit.identity import same
from derive.emit.near_diagonal import curvature, pair_parameters, remainder, with_near_form
from derive.emit.stable import as_array, grouped, stable_form
from derive.emit.targets import TARGETS
from derive.render.environment import render
from derive.symbols import d

REDUCE = ("sum", "mean", "none")


class CodeError(ValueError):
    """Code cannot be emitted for this derivation, target or parameterisation."""


@dataclass(frozen=True)
class Emitted:
    name: str
    args: tuple[str, ...]
    scale_args: tuple[str, ...]
    reduce_axis: bool
    expr: str
    formula: str
    summary: str
    gradient_of: str = ""  # for gradient functions: the argument differentiated against
    # the expression leaves out some arguments (the entropy does not depend on the mean; a derivative may be 0):
    # the value is broadcast to the shape of all of them, as torch.distributions does
    broadcast: str = ""
    refine: dict | None = None  # derive.emit.refine.emitted: cancelling elements recomputed in double-double

    @property
    def signature(self) -> str:
        extra = ['axis=-1', 'reduce="sum"'] if self.reduce_axis else []
        return ", ".join([*self.args, *extra, "validate=False"])


def function_name(derivation_name: str) -> str:
    return derivation_name.replace("-", "_")


def _plain(indexed: Indexed) -> Symbol:
    """``sigma[d]`` -> the array argument ``sigma``, with the same assumptions."""
    return Symbol(str(indexed.base.label), **indexed.assumptions0)


def _flatten_sum(closed_form):
    """A closed form with a sum over d -> (elementwise expression in array arguments, True)."""
    over_d = [s for s in closed_form.atoms(Sum) if s.function.has(Indexed)]  # not a kept series (Poisson)
    if not over_d:
        return closed_form, False
    flat = closed_form.replace(lambda e: e in over_d, lambda e: e.function)
    return flat.xreplace({x: _plain(x) for x in flat.atoms(Indexed)}), True


def _arguments(derivation):
    """Argument symbols in contract order, the same symbols ``_flatten_sum`` puts in the expression."""
    return [_plain(p[d]) if isinstance(p, IndexedBase) else p for p in derivation.params]


@lru_cache(maxsize=None)
def prepared(name: str, param: str):
    """(derivation, elementwise closed form in the chosen parameterisation, argument symbols, reduces)."""
    params_mod.check(param, name)
    entry = registry.entry(name)
    if entry.kind != "derivation":
        raise CodeError(f"{name!r} is a lemma; code is emitted for derivations (see 'derive list')")
    derivation = registry.get(name)
    expr, reduces = _flatten_sum(derivation.closed_form)
    args = _arguments(derivation)
    scales = [a for a in args if str(a).startswith("sigma")]
    expr, renamed = params_mod.reparameterise(expr, scales, param)
    return derivation, expr, tuple(renamed.get(a, a) for a in args), reduces


#: pairs whose second family is the first's at fixed parameters (the exponential is the gamma at concentration 1):
#: their KL is emitted as the self-pair's, with its near form and log-gamma arrangement (the closed forms cancel
#: near the pair's own zero: 68 ulp at a gamma with concentration 0.885 against an exponential, and 4e18 ulp, a KL
#: of 0 for 4e-18, an exponential against a gamma of concentration 1 + 8e-10); with a third entry, plus that term
#: of the pair's own parameters, where the closed form is finite: KL(CB(p) ‖ U(low, high)) = KL(CB(p) ‖ CB(1/2)) +
#: log(high - low) (a KL of 6.7e-11 came out as 6.9e-11 at p = 1/2 + 1e-5, and 0 at 1/2 + 1e-6)
EMBEDDED = {
    "kl-gamma-exponential": ("kl-gamma-gamma", {"concentration2": 1}),
    "kl-exponential-gamma": ("kl-gamma-gamma", {"concentration1": 1}),
    "kl-continuous-bernoulli-uniform": ("kl-continuous-bernoulli-continuous-bernoulli", {"probs2": Rational(1, 2)},
                                        lambda own: _log_width(own["low2"], own["high2"])),
}


def _log_width(low, high):
    """(log(high - low), the same for floating point: log1p((high - 1) - low), where high - 1 is exact near a width
    of 1, at which log(high - low) keeps only the bits of high - low that differ from 1)."""
    return log(high - low), log1p(grouped(high - 1) - low)


#: helpers whose bodies call the framework's functions on their arguments: a fixed parameter that became a number
#: there is passed as an array (``stable.as_array``), since torch.digamma and TensorFlow's Digamma refuse an int
ARRAY_ARGUMENTS = (lgamma_excess_bregman, trigamma_excess, trigamma_excess_difference, product_difference,
                   curvature, remainder)


def _numbers_as_arrays(expr, like):
    """``expr`` with each number among the arguments of an ``ARRAY_ARGUMENTS`` helper as an array like ``like``."""
    def fixed(e):
        return isinstance(e, ARRAY_ARGUMENTS) and any(a.is_Number for a in e.args)

    return expr.replace(fixed, lambda e: e.func(*(as_array(like, a) if a.is_Number else a for a in e.args)))


def _embedded(name: str, param: str):
    """``name``'s stable form from its self-pair's (``EMBEDDED``), after checking that the derived closed forms
    agree at three points; None for other derivations."""
    if name not in EMBEDDED:
        return None
    pair, fixed, *plus = EMBEDDED[name]
    own = {str(a): a for a in prepared(name, param)[2]}
    extra, float_extra = plus[0](own) if plus else (Integer(0), Integer(0))
    general = _stable(pair, params_mod.default(pair))
    to_own = {sym: fixed.get(str(sym), own.get(str(sym))) for sym in general.free_symbols}
    if None in to_own.values():
        raise CodeError(f"{name}: parameters {sorted(str(k) for k, v in to_own.items() if v is None)} of {pair} "
                        "are neither fixed nor its own")
    derived = registry.get(name).closed_form
    finite = derived.args[0] if isinstance(derived, Piecewise) and derived.args[-1] == (oo, True) else None
    closed = registry.get(pair).closed_form
    rng = random.Random(name)
    for _ in range(3):
        point = ({a: Rational(rng.randint(5, 900), 100) for a in own.values()} if finite is None
                 else _finite_point(name, finite.cond, own, rng))  # where the closed form is finite (supports nest)
        same(name, finite.expr if finite is not None else derived, _at(closed, fixed, own, point) + extra, point,
             what=f"closed form of {pair} at {fixed}" + (f" plus {extra}" if plus else ""))
    general = general.xreplace(to_own)  # 2p - 1 at a fixed p is a number (0 at the uniform's p = 1/2)
    general = general.replace(lambda e: isinstance(e, cbern.centred) and e.args[0].is_number,
                              lambda e: 2 * e.args[0] - 1)
    like = next(a for a in own.values() if a in general.free_symbols)
    value = _numbers_as_arrays(general, like) + float_extra
    return value if finite is None else Piecewise((value, finite.cond), (oo, True))


def _at(closed, fixed, own, point):
    """The pair's closed form at ``point`` (own parameters) and the ``fixed`` ones; where it is 0/0 there (the
    continuous Bernoulli's at probs = 1/2), its value with the fixed ones 1e-60 further, at 200 digits."""
    for nudge, digits in ((0, 40), (Rational(1, 10**60), 200)):
        values = {sym: fixed[str(sym)] + nudge if str(sym) in fixed else point[own[str(sym)]]
                  for sym in closed.free_symbols}
        value = closed.xreplace(values).evalf(digits)
        if value.is_finite:
            return value
    raise CodeError(f"the closed form {closed} is not finite at {values}")


def _finite_point(name, condition, own, rng):
    """A point of ``own``'s symbols (probabilities in (0, 1)) where ``condition`` holds."""
    for _ in range(1000):
        point = {a: Rational(rng.randint(5, 95), 100) if str(a).startswith("probs") else
                 Rational(rng.randint(-300, 300), 100) for a in own.values()}
        if condition.xreplace(point) == True:  # noqa: E712  (SymPy's true)
            return point
    raise CodeError(f"{name}: no point found where {condition} holds")


@lru_cache(maxsize=None)
def _stable(name: str, param: str):
    """The closed form rewritten for floating point; a self-pair's KL by the integral remainder near p = q
    (``derive.emit.near_diagonal``); a pair in ``EMBEDDED`` as its self-pair."""
    embedded = _embedded(name, param)
    if embedded is not None:
        return embedded
    far = beta.far_form(name)  # the beta's KL without differences of large log-gamma values
    if far is None:  # the continuous Bernoulli's 0/0 at 1/2 removed; a self-pair's log-gamma group as a Bregman
        expr = cbern.rewrite(prepared(name, param)[1])  # divergence (in other pairs such a group is a coincidence
        far = stable_form(lgamma.rewrite(expr, name) if pair_parameters(name) else expr)  # that does not help)
    return with_near_form(name, far)


@lru_cache(maxsize=None)
def _gradient(name: str, param: str, arg: str):
    """d(closed form)/d(arg), simplified and rewritten for floating point like the value."""
    _, expr, args, _ = prepared(name, param)
    (symbol,) = [a for a in args if str(a) == arg]
    exact = expr.diff(symbol)
    return exact, stable_form(exact)


def emit_module(name: str, target: str = "numpy", param: str | None = None, grad: bool = False) -> str:
    """The Python module for derivation ``name`` on ``target`` with scales passed as ``param``.

    ``param`` None is the derivation's default (``sigma``; ``scale_tril`` for multivariate normals, which
    ``derive.emit.mvn`` emits). With ``grad``, the module also has one function per argument,
    ``<name>_grad_<arg>``, computing the partial derivative SymPy takes of the closed form (elementwise, for the
    D-dimensional sum).
    """
    if vector.is_vector(name):
        return vector.emit(name, target, param, grad)
    if param is None:
        param = params_mod.default(name)
    if mvn.is_mvn(name):
        return mvn.emit(name, target, param, grad)
    if target not in TARGETS:
        raise CodeError(f"unknown target {target!r}; known targets: {', '.join(TARGETS)}")
    tgt = TARGETS[target]
    kept = _kept(name)
    if kept:  # a declared family's expectation with no closed form: NumPy quadrature, or refused
        reason = quadrature.refusal(name, target, grad, kept)
        if reason:
            raise CodeError(reason)
    derivation, expr, args, reduces = prepared(name, param)
    if not args and _declared(name):  # a declared family without parameters
        raise CodeError(f"{name} has no parameters: its value is the constant {sstr(derivation.closed_form)}; no "
                        "function is emitted for it")
    if kept:
        positive = loader.positive_form(name, expr, args)  # Poisson and binomial: sums of positive terms
        shown, note = expr, "" if positive is None else loader.note(name)
        expr = expr if positive is None else positive
    if kept and target == "numpy" and positive is None:
        return quadrature.emit(name, derivation, expr, args, _regenerate(name, target, param), note, shown)
    if kept:  # a kept series, summed for all elements at once (derive.emit.series)
        return series.emit(name, derivation, expr, args, target, _regenerate(name, target, param), note, shown)
    printer = tgt.printer({"fully_qualified_modules": True})
    stable = _stable(name, param)
    arg_names = tuple(map(str, args))
    scale_args = tuple(str(a) for a in args if a.is_positive)  # validate=True checks them
    main = Emitted(
        name=function_name(name),
        args=arg_names,
        scale_args=scale_args,
        reduce_axis=reduces,
        broadcast=_broadcast(tgt, stable, args),
        expr=printer.doprint(stable),
        formula=sstr(derivation.closed_form if param == params_mod.default(name) else expand_log(expr, force=True),
                     order="none"),
        summary=derivation.summary,
        refine=refine.emitted(expr, printer, target, name) if refine.refines(name, target) else None,
    )
    functions = [main]
    if grad:
        for arg in arg_names:
            exact, stable_grad = _gradient(name, param, arg)
            functions.append(Emitted(
                name=f"{main.name}_grad_{arg}", args=arg_names, scale_args=scale_args, reduce_axis=False,
                broadcast=_broadcast(tgt, stable_grad, args),
                expr=printer.doprint(stable_grad), formula=sstr(exact, order="none"),
                summary=f"Partial derivative of {main.name} with respect to {arg}", gradient_of=arg,
            ))
    used = Add(stable, *(_gradient(name, param, f.gradient_of)[1] for f in functions[1:]))
    helpers = helpers_for(used, printer)
    source = render("code/module.py.j2", functions=functions, target=tgt, param=param, derivation=name,
                    helpers=helpers, reduce_options=REDUCE, imports=_imports(tgt, printer, helpers),
                    regenerate=_regenerate(name, target, param),
                    checks=validation(args, derivation.domains or {}, tgt))
    return format_python(source)


def validation(args, domains, target) -> tuple[tuple[str, str], ...]:
    """(condition, message) for each argument ``validate=True`` checks: a probability (domain (0, 1)) inside it,
    another positive argument (a scale, a rate) above 0. The condition is the target's Python bool."""
    out = []
    for a in args:
        if not a.is_positive:
            continue
        if tuple(domains.get(a, ())) == (0, 1):  # x(1 - x) <= 0 exactly where x <= 0 or x >= 1
            out.append((target.any_nonpositive.format(x=f"{a} * (1 - {a})"), f"{a} must be in (0, 1)"))
        else:
            out.append((target.any_nonpositive.format(x=str(a)), f"{a} must be positive"))
    return tuple(out)


def _declared(name: str) -> bool:
    """Whether ``name`` is a derivation of a family declared in a spec file (``--spec``)."""
    from derive.spec_catalog import origin

    return bool(origin(name))


def refused(name: str, target: str) -> str:
    """Why no code for ``target`` is emitted for derivation ``name`` (a kept integral or series: NumPy only), or ''."""
    kept = _kept(name)
    return quadrature.refusal(name, target, False, kept) if kept else ""


def _kept(name: str):
    """The closed form of derivation ``name`` when it keeps integrals or sums SymPy could not do (a declared family's,
    or a built-in kept series such as the Poisson's E[log z!]), else None."""
    if registry.entry(name).kind != "derivation":
        return None
    derivation = registry.get(name)
    if derivation.dimension is not None or not quadrature.kept(derivation.closed_form):
        return None
    return derivation.closed_form


def _regenerate(name: str, target: str, param: str) -> str:
    """The command that regenerates the module: ``derive build`` for the built-ins, ``derive code ... --spec FILE``
    for derivations of families declared in spec files."""
    from derive.spec_catalog import origin

    files = origin(name)
    if not files:
        return "derive build"
    specs = " ".join(f"--spec {path}" for path in files)
    return f"derive code {name} --target {target} --param {param} {specs}"


#: the special-function modules a helper may call
SPECIAL_MODULES = ("scipy.special", "jax.scipy.special", "torch.special")


def _imports(target, printer, helpers=()) -> tuple[str, ...]:
    """The target's imports, plus the special-function modules the printed maths uses (scipy.special for NumPy),
    in the function bodies (``printer``) or in the helpers (printed by a printer of their own)."""
    text = "\n".join(e for h in helpers for _, e in (*h.body, *h.single_body))
    called = {m for m in SPECIAL_MODULES if re.search(rf"(?<![\w.]){re.escape(m)}\.", text)}  # not jax.scipy.special
    used = set(printer.module_imports) | called
    extra = sorted(m for m in used if m.endswith(".special") and f"import {m}" not in target.imports)
    return target.imports + tuple(f"import {m}" for m in extra)


def _broadcast(target, expr, args) -> str:
    """The target's statement that broadcasts ``value`` to all arguments' shape, when ``expr`` leaves some out."""
    if set(args) <= expr.free_symbols:
        return ""
    names = [str(a) for a in args]
    shapes = target.shape_of.format(x=names[0])
    for name in names[1:]:
        shapes = target.broadcast_shapes.format(a=shapes, b=target.shape_of.format(x=name))
    used = [str(a) for a in args if a in expr.free_symbols] or names  # the dtype of an argument the value has
    return target.broadcast.format(x="value", shape=shapes, first=used[0], args=", ".join(names))
