"""Accuracy near KL = 0 of the emitted NumPy KL of every self-pair kl-F-F, in ulp of the truth, beside
torch.distributions.kl_divergence.

For each family, q has fixed ordinary parameters and p = q with every parameter scaled by (1 + eps) (the uniform's
low and the Pareto's scale by 1 - eps, so that p's support still holds q's), for eps = 1e-3, 1e-6, 1e-9. The inputs are float64
first; the truth is the derived closed form evaluated by SymPy at 50 digits from exactly those floats. The issue's
goal is <= 8 ulp; a closed form that cancels loses about 2 log10(1/eps) digits.

    python benchmarks/near_zero_kl.py [FAMILY ...]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from sympy import Float, Piecewise

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from generated import function  # noqa: E402  (tests/generated.py: import an emitted module)

from derive import registry  # noqa: E402
from derive.catalog_families import MEMBERS, params_of  # noqa: E402

#: q's parameters per family (p is q scaled by 1 + eps)
BASE = {
    "normal": (0.3, 1.2), "exponential": (1.5,), "half-normal": (1.5,), "laplace": (0.3, 1.2), "gamma": (2.5, 1.5),
    "beta": (2.0, 3.0), "gumbel": (0.3, 1.2), "lognormal": (0.3, 0.8), "weibull": (1.3, 2.0),
    "inverse-gamma": (2.5, 1.5), "cauchy": (0.3, 1.2), "pareto": (1.5, 2.5), "uniform": (0.2, 1.3),
    "continuous-bernoulli": (0.3,), "bernoulli": (0.3,), "geometric": (0.3,), "poisson": (3.0,),
}
TORCH = {"normal": "Normal", "exponential": "Exponential", "half-normal": "HalfNormal", "laplace": "Laplace",
         "gamma": "Gamma", "beta": "Beta", "gumbel": "Gumbel", "lognormal": "LogNormal", "weibull": "Weibull",
         "inverse-gamma": "InverseGamma", "cauchy": "Cauchy", "pareto": "Pareto", "uniform": "Uniform",
         "continuous-bernoulli": "ContinuousBernoulli", "bernoulli": "Bernoulli", "geometric": "Geometric",
         "poisson": "Poisson"}
EPS = (1e-3, 1e-6, 1e-9)


def _truth(closed, params, values) -> float:
    value = closed.evalf(50, subs={s: Float(v, 60) for s, v in zip(params, values)})
    if isinstance(value, Piecewise):
        value = value.args[0][0].evalf(50, subs={s: Float(v, 60) for s, v in zip(params, values)})
    return float(value)


def _torch(family, q, p) -> float:
    try:
        import torch
        from torch.distributions import kl_divergence
    except ImportError:
        return float("nan")
    law = getattr(torch.distributions, TORCH[family])

    def make(args):  # our arguments are torch's constructor arguments, in order
        return law(*(torch.tensor(a, dtype=torch.float64) for a in args))

    try:
        return float(kl_divergence(make(q), make(p)))
    except NotImplementedError:  # no closed form in torch (log-normal, Weibull, inverse gamma self-pairs)
        return float("nan")


def _ulp(x, truth) -> float:
    return abs(x - truth) / np.spacing(abs(truth))


def main(families) -> int:
    print(f"{'derivation':40s} {'eps':>6s} {'KL':>10s} {'derive ulp':>12s} {'torch ulp':>12s}")
    for family in families:
        name = f"kl-{family}-{family}"
        closed = registry.get(name).closed_form
        params = params_of(MEMBERS[family]("1")) + params_of(MEMBERS[family]("2"))
        for eps in EPS:
            q = tuple(float(v) for v in BASE[family])
            p = tuple(float(np.float64(v) * (1 - eps if family in ("uniform", "pareto") and i == 0 else 1 + eps))
                      for i, v in enumerate(q))
            truth = _truth(closed, params, q + p)
            ours = float(function(name)(*q, *p))
            theirs = _torch(family, q, p)
            print(f"{name:40s} {eps:6.0e} {truth:10.3e} {_ulp(ours, truth):12.3g} {_ulp(theirs, truth):12.3g}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or list(BASE)))
