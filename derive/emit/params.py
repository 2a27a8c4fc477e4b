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
#: parameterisations of a full covariance (multivariate normals, ``derive.emit.mvn``); default scale_tril
MVN_PARAMS = ("scale_tril", "cov", "precision")
MVN_DEFAULT = "scale_tril"


class ParamError(ValueError):
    """Unknown parameterisation."""


def _is_mvn(name: str | None) -> bool:
    from derive.emit.mvn import is_mvn

    return name is not None and is_mvn(name)


def default(name: str | None = None) -> str:
    """The parameterisation used when none is given: scale_tril for multivariate normals, else sigma."""
    return MVN_DEFAULT if _is_mvn(name) else DEFAULT


def check(param: str, name: str | None = None) -> None:
    """``param`` must be one of the parameterisations of ``name``'s kind (univariate scale or full covariance)."""
    mvn = _is_mvn(name)
    own, other = (MVN_PARAMS, tuple(PARAMS)) if mvn else (tuple(PARAMS), MVN_PARAMS)
    if param in own:
        return
    which = f"for {name} " if name else ""
    if param in other:
        kind = "univariate normals" if mvn else "multivariate normals"
        raise ParamError(f"parameterisation {param!r} is for {kind}; {which}use one of: {', '.join(own)}")
    raise ParamError(f"unknown parameterisation {param!r}; {which}known: {', '.join(own)}")


def reparameterise(expr, scales, param: str):
    """Replace each scale symbol (``sigma``, ``sigma1``, ...) by its expression in the new argument.

    Returns the new expression and the mapping old symbol -> new argument symbol (``sigma1`` -> ``logvar1``).
    """
    check(param)
    assumptions, sigma_of = PARAMS[param]
    renamed = {s: Symbol(str(s).replace("sigma", param), **assumptions) for s in scales}
    return expr.xreplace({s: sigma_of(a) for s, a in renamed.items()}), renamed
