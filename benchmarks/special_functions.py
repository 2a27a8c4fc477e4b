"""How far each target's own elementary and special functions are from mpmath, in float64.

The emitted modules call them; where one is off by many ulp, no rearrangement of the closed form helps, so the
generated code replaces it (JAX's log1p and arctanh: the helper ``_log1p``) or the refinement's error bound counts
it (derive.emit.refine). For each function: the max error over random points, in ulp of the value, and for
log-gamma and digamma (whose values have roots) in ulp of max(|value|, 1).

    python benchmarks/special_functions.py [--points 2000]
"""

from __future__ import annotations

import argparse
import os
import warnings

import mpmath
import numpy as np

os.environ.setdefault("JAX_ENABLE_X64", "1")  # float64 data stays float64 in JAX
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

#: function -> (points drawn from rng, mpmath reference, error scaled by max(|value|, 1))
CASES = {
    "log1p": (lambda rng, n: rng.uniform(-0.99, 3, n), mpmath.log1p, False),
    "expm1": (lambda rng, n: rng.uniform(-5, 5, n), mpmath.expm1, False),
    "atanh": (lambda rng, n: rng.uniform(-0.99, 0.99, n), mpmath.atanh, False),
    "exp": (lambda rng, n: rng.uniform(-50, 50, n), mpmath.exp, False),
    "log": (lambda rng, n: np.exp(rng.uniform(-20, 20, n)), mpmath.log, False),
    "erf": (lambda rng, n: rng.uniform(-4, 4, n), mpmath.erf, False),
    "lgamma": (lambda rng, n: np.exp(rng.uniform(np.log(1e-3), np.log(1e3), n)), mpmath.loggamma, True),
    "digamma": (lambda rng, n: np.exp(rng.uniform(np.log(1e-3), np.log(1e3), n)), mpmath.digamma, True),
}


def _targets():
    import scipy.special

    out = {"numpy": {"log1p": np.log1p, "expm1": np.expm1, "atanh": np.arctanh, "exp": np.exp, "log": np.log,
                     "erf": scipy.special.erf, "lgamma": scipy.special.gammaln, "digamma": scipy.special.digamma}}
    try:
        import torch

        out["torch"] = {k: (lambda f: lambda v: f(torch.tensor(v)))(f) for k, f in {
            "log1p": torch.log1p, "expm1": torch.expm1, "atanh": torch.atanh, "exp": torch.exp, "log": torch.log,
            "erf": torch.erf, "lgamma": torch.lgamma, "digamma": torch.digamma}.items()}
    except ImportError:
        pass
    try:
        import jax.numpy as jnp
        import jax.scipy.special as js

        out["jax"] = {"log1p": jnp.log1p, "expm1": jnp.expm1, "atanh": jnp.arctanh, "exp": jnp.exp, "log": jnp.log,
                      "erf": js.erf, "lgamma": js.gammaln, "digamma": js.digamma}
    except ImportError:
        pass
    try:
        import tensorflow as tf

        m = tf.math
        out["tensorflow"] = {k: (lambda f: lambda v: f(tf.constant(v)))(f) for k, f in {
            "log1p": m.log1p, "expm1": m.expm1, "atanh": m.atanh, "exp": m.exp, "log": m.log, "erf": m.erf,
            "lgamma": m.lgamma, "digamma": m.digamma}.items()}
    except ImportError:
        pass
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=2000)
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    inputs, references = {}, {}
    with mpmath.workdps(40):
        for name, (draw, exact, _) in CASES.items():
            inputs[name] = draw(rng, args.points)
            references[name] = np.array([float(exact(mpmath.mpf(float(v)))) for v in inputs[name]])
    print(f"{'target':12s}" + "".join(f"{n:>10s}" for n in CASES) + "   (max ulp; lgamma, digamma: of max(|f|, 1))")
    for target, functions in _targets().items():
        row = []
        for name, (_, _, scaled) in CASES.items():
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                got = np.asarray(functions[name](inputs[name]), dtype=np.float64)
            reference = references[name]
            size = np.maximum(np.abs(reference), 1.0) if scaled else np.abs(reference)
            row.append(float(np.max(np.abs(got - reference) / np.spacing(size))))
        print(f"{target:12s}" + "".join(f"{e:10.0f}" for e in row), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
