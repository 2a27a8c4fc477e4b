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


class ParamError(ValueError):
    """Unknown parameterisation."""


_KINDS = {"univariate normals": tuple(PARAMS), "multivariate normals": MVN_PARAMS}


def _kind(name: str | None) -> tuple[str, tuple[str, ...]]:
    """(kind, parameterisations) of derivation ``name``, read from its parameters: a normal scale ``sigma`` has four
    parameterisations, a covariance three; any other family takes its parameters one way, under their own names
    (``rate1, rate2`` -> ``rate``, torch.distributions' name)."""
    from derive import registry
    from derive.emit.mvn import is_mvn

    if name is None:
        return "univariate normals", _KINDS["univariate normals"]
    if is_mvn(name):
        return "multivariate normals", MVN_PARAMS
    labels = [str(getattr(p, "label", p)) for p in registry.get(name).params]
    if any(label.startswith("sigma") for label in labels):
        return "univariate normals", _KINDS["univariate normals"]
    own = "_and_".join(dict.fromkeys(label.rstrip("0123456789") for label in labels))
    return f"the parameters of {name}", (own,)


def options(name: str | None = None) -> tuple[str, ...]:
    """The parameterisations of ``name``'s family, default first."""
    return _kind(name)[1]


def default(name: str | None = None) -> str:
    """The parameterisation used when none is given: sigma for univariate normals, scale_tril for multivariate
    normals, the one way other families take their parameters (rate for the exponential)."""
    return options(name)[0]


def check(param: str, name: str | None = None) -> None:
    """``param`` must be one of the parameterisations of ``name``'s family."""
    own = options(name)
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
