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


#: families whose functions take their parameters one way only, named as torch.distributions names them
NATURAL = {"exponential": ("rate",)}
_KINDS = {"univariate normals": tuple(PARAMS), "multivariate normals": MVN_PARAMS,
          **{f"{family} distributions": params for family, params in NATURAL.items()}}


def _kind(name: str | None) -> str:
    from derive.emit.mvn import is_mvn

    if name is not None and is_mvn(name):
        return "multivariate normals"
    family = next((f for f in NATURAL if name is not None and f in name.split("-")), None)
    return f"{family} distributions" if family else "univariate normals"


def options(name: str | None = None) -> tuple[str, ...]:
    """The parameterisations of ``name``'s family, default first."""
    return _KINDS[_kind(name)]


def default(name: str | None = None) -> str:
    """The parameterisation used when none is given: sigma for univariate normals, scale_tril for multivariate
    normals, the one way other families take their parameters (rate for the exponential)."""
    return MVN_DEFAULT if _kind(name) == "multivariate normals" else options(name)[0]


def check(param: str, name: str | None = None) -> None:
    """``param`` must be one of the parameterisations of ``name``'s family."""
    kind = _kind(name)
    own = _KINDS[kind]
    if param in own:
        return
    which = f"for {name} " if name else ""
    other = next((k for k, params in _KINDS.items() if param in params), None)
    if other is not None:
        raise ParamError(f"parameterisation {param!r} is for {other}; {which}use one of: {', '.join(own)}")
    raise ParamError(f"unknown parameterisation {param!r}; {which}known: {', '.join(own)}")


def reparameterise(expr, scales, param: str):
    """Replace each scale symbol (``sigma``, ``sigma1``, ...) by its expression in the new argument.

    Returns the new expression and the mapping old symbol -> new argument symbol (``sigma1`` -> ``logvar1``).
    """
    if param not in PARAMS:  # a family with one parameterisation: nothing to replace
        return expr, {}
    assumptions, sigma_of = PARAMS[param]
    renamed = {s: Symbol(str(s).replace("sigma", param), **assumptions) for s in scales}
    return expr.xreplace({s: sigma_of(a) for s, a in renamed.items()}), renamed
