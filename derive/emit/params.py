"""Parameterisations of the normal scale: how emitted functions take sigma (``--param``)."""

from __future__ import annotations

from sympy import Symbol, exp, sqrt

#: name -> (assumptions of the new argument, sigma as a function of it)
PARAMS = {
    "sigma": ({"positive": True}, lambda a: a),
    "var": ({"positive": True}, lambda a: sqrt(a)),
    "logvar": ({"real": True}, lambda a: exp(a / 2)),
    "logstd": ({"real": True}, lambda a: exp(a)),
}
DEFAULT = "sigma"


class ParamError(ValueError):
    """Unknown parameterisation."""


def check(param: str) -> None:
    if param not in PARAMS:
        raise ParamError(f"unknown parameterisation {param!r}; known: {', '.join(PARAMS)}")


def reparameterise(expr, scales, param: str):
    """Replace each scale symbol (``sigma``, ``sigma1``, ...) by its expression in the new argument.

    Returns the new expression and the mapping old symbol -> new argument symbol (``sigma1`` -> ``logvar1``).
    """
    check(param)
    assumptions, sigma_of = PARAMS[param]
    renamed = {s: Symbol(str(s).replace("sigma", param), **assumptions) for s in scales}
    return expr.xreplace({s: sigma_of(a) for s, a in renamed.items()}), renamed
