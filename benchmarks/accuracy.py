"""Accuracy of the emitted Gaussian KL code in ulp, against mpmath at 80 digits, regime by regime.

Goal (from the issue): in float64 and float32 alike, the value within 4 ulp of the true KL and every gradient
(the emitted ``_grad_`` functions, torch autograd and jax.grad through the emitted value) within 8 ulp of the true
partial derivative, in every regime below; never inf, NaN or a negative value where the true KL is finite in the
dtype (where it overflows the dtype, inf is right).

Regimes (inputs are drawn as floats of the dtype first; the truth is computed from exactly those floats):

* ``ordinary``: mu in [-3, 3], sigma in [0.1, 10] (log-uniform);
* ``kl0``: sigma2 = sigma1 (1 + u 1e-8), |mu1 - mu2| <= 1e-6 sigma1 (KL -> 0);
* ``far``: |mu1 - mu2| / sigma2 = 10**U(0, 6);
* ``scales``: s = 10**U(-30, 30) (float32: U(-18, 18)), sigma_i = s U(0.5, 2), mu_i = s U(-3, 3);
* ``logvar`` (logvar parameterisation only): logvar_i uniform in [-80, 80], mu_i in [-3, 3].

For the standard-normal KL the second distribution is N(0, 1): the regimes apply to (mu, sigma) against it.
In the logvar parameterisation logvar = 2 log(sigma) is taken in float64 before the cast to the dtype (except in
the ``logvar`` regime, which draws logvar directly).

The truth is the textbook formula log(s2/s1) + (s1^2 + (m1 - m2)^2)/(2 s2^2) - 1/2 (s = exp(logvar/2) for
logvar) and its written-out partial derivatives, in mpmath at 80 digits. The ulp error of a result is
|ours - true| / spacing(true rounded to the dtype); points where a true derivative is 0, overflows the dtype or
is below its smallest normal number are skipped for the gradients.

Beside the emitted code (derive-numpy, derive-torch, derive-jax), each block shows ``torch.distributions``
(``kl_divergence(Normal(m1, s1), Normal(m2, s2))``, gradients by autograd) and the textbook formula (value in
NumPy; gradients by torch autograd through the same expression): for the standard-normal KL the VAE line
-0.5 (1 + logvar - mu^2 - exp(logvar)) (with logvar = log(sigma**2) for sigma), for the pair the formula above
(with s = exp(0.5 logvar) for logvar).

Run: python benchmarks/accuracy.py [--n 2000] [--seed 0] [--targets numpy,torch,jax]
``tests/test_accuracy.py`` imports this file for its sampling, truth and ulp measure.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

VALUE_GOAL = 4.0  # ulp
GRAD_GOAL = 8.0  # ulp
DPS = 80
DTYPES = {"float64": np.float64, "float32": np.float32}
REGIMES = ("ordinary", "kl0", "far", "scales", "logvar")
SCALE_EXPONENT = {"float64": 30, "float32": 18}

# derivation name -> (function name, pair of normals?, extra keyword arguments of the value function)
FUNCTIONS = {
    "kl-normal-normal": ("kl_normal_normal", True, {}),
    "kl-normal-std-normal": ("kl_normal_std_normal", False, {}),
    "kl-normal-std-normal-diag": ("kl_normal_std_normal_diag", False, {"reduce": "none"}),
}


def regimes(param: str) -> tuple[str, ...]:
    return REGIMES if param == "logvar" else REGIMES[:-1]


def arg_names(name: str, param: str) -> tuple[str, ...]:
    return ("mu1", f"{param}1", "mu2", f"{param}2") if FUNCTIONS[name][1] else ("mu", param)


# ---- sampling ----------------------------------------------------------------------------------------------


def draw(name: str, param: str, regime: str, dtype: str, n: int, seed: int = 0) -> dict[str, np.ndarray]:
    """n points of the regime as arrays of the dtype, keyed by argument name (same points for every target)."""
    pair = FUNCTIONS[name][1]
    key = f"{'pair' if pair else 'std'}/{param}/{regime}/{dtype}"
    rng = np.random.default_rng([seed, zlib.crc32(key.encode())])
    U = rng.uniform

    def logu(lo, hi):
        return np.exp(U(np.log(lo), np.log(hi), n))

    def sign():
        return np.where(U(size=n) < 0.5, -1.0, 1.0)

    lv = None
    if regime == "ordinary":
        m1, s1, m2, s2 = U(-3, 3, n), logu(0.1, 10), U(-3, 3, n), logu(0.1, 10)
    elif regime == "kl0":
        if pair:
            m1, s1 = U(-3, 3, n), logu(0.1, 10)
            s2 = s1 * (1 + U(-1, 1, n) * 1e-8)
            m2 = m1 + U(-1, 1, n) * 1e-6 * s1
        else:  # N(mu, sigma) against N(0, 1): sigma = 1 + u 1e-8 (always 1 in float32), |mu| <= 1e-6
            s1, m1 = 1 + U(-1, 1, n) * 1e-8, U(-1, 1, n) * 1e-6
            m2 = s2 = None
    elif regime == "far":
        m1, s1, s2 = U(-3, 3, n), logu(0.1, 10), logu(0.1, 10)
        m2 = m1 + sign() * 10 ** U(0, 6, n) * s2
        if not pair:
            m1 = sign() * 10 ** U(0, 6, n)
    elif regime == "scales":
        e = SCALE_EXPONENT[dtype]
        s = 10 ** U(-e, e, n)
        m1, s1, m2, s2 = s * U(-3, 3, n), s * U(0.5, 2, n), s * U(-3, 3, n), s * U(0.5, 2, n)
    elif regime == "logvar":
        if param != "logvar":
            raise ValueError("the logvar regime is for the logvar parameterisation")
        m1, m2 = U(-3, 3, n), U(-3, 3, n)
        lv = (U(-80, 80, n), U(-80, 80, n))
        s1 = s2 = None
    else:
        raise ValueError(f"unknown regime {regime!r}")
    if param not in ("sigma", "logvar"):
        raise ValueError(f"parameterisation {param!r} not measured here")

    def as_param(s):  # logvar = 2 log(sigma) in float64, before the cast to the dtype
        return s if s is None or param == "sigma" else 2 * np.log(s)

    a1, a2 = (as_param(s1), as_param(s2)) if lv is None else lv
    t = DTYPES[dtype]
    values = (m1, a1, m2, a2) if pair else (m1, a1)
    return {k: np.asarray(v, dtype=t) for k, v in zip(arg_names(name, param), values)}


# ---- the truth, in mpmath -----------------------------------------------------------------------------------


@dataclass
class Truth:
    """True value and partial derivatives as float64 pairs (hi, lo) with hi + lo = the 80-digit value."""

    value: tuple[np.ndarray, np.ndarray]
    grads: dict[str, tuple[np.ndarray, np.ndarray]]
    #: per derivative, its condition number as a sum of the terms a stable evaluation must combine:
    #: (|s2^2 - s1^2| + d^2) / |s2^2 - s1^2 - d^2| for d/d(scale of p), 1 elsewhere. Near the surface where that
    #: derivative crosses zero no float evaluation of the inputs' terms keeps its relative accuracy.
    conditions: dict[str, np.ndarray]


def _split(x) -> tuple[float, float]:
    hi = float(x)
    if not math.isfinite(hi):
        return hi, 0.0
    return hi, float(x - hi)


def exact(name: str, param: str, inputs: dict[str, np.ndarray]) -> Truth:
    """Textbook KL and its written-out partial derivatives at 80 digits, from the exact float inputs.

    The derivatives are written so that they are exactly 0 where the true derivative is (s1 = s2, m1 = m2).
    """
    import mpmath

    ctx = mpmath.MPContext()
    ctx.dps = DPS
    names = arg_names(name, param)
    pair = FUNCTIONS[name][1]
    cols = [np.asarray(inputs[k], dtype=np.float64).tolist() for k in names]  # exact: float32 -> float64
    half = ctx.mpf(1) / 2
    out = [[] for _ in range(1 + len(names))]
    kappa = []
    for row in zip(*cols):
        x = [ctx.mpf(v) for v in row]
        if pair:
            m1, a1, m2, a2 = x
        else:
            (m1, a1), m2, a2 = x, ctx.zero, ctx.zero if param == "logvar" else ctx.one
        s1, s2 = (a1, a2) if param == "sigma" else (ctx.exp(a1 / 2), ctx.exp(a2 / 2))
        d = m1 - m2
        v1, v2, dd = s1 * s1, s2 * s2, d * d
        kl = ctx.log(s2 / s1) + (v1 + dd) / (2 * v2) - half
        if param == "sigma":
            g1 = (v1 - v2) / (s1 * v2)  # -1/s1 + s1/s2^2
            g2 = (v2 - v1 - dd) / (s2 * v2)  # 1/s2 - (s1^2 + d^2)/s2^3
        else:  # d/dlogvar = d/ds * s/2
            g1 = (v1 - v2) / (2 * v2)
            g2 = (v2 - v1 - dd) / (2 * v2)
        gm = d / v2
        num = v2 - v1 - dd
        kappa.append(float((abs(v2 - v1) + dd) / abs(num)) if num != 0 else math.inf)
        vals = [kl, gm, g1, -gm, g2] if pair else [kl, gm, g1]
        for col, v in zip(out, vals):
            col.append(_split(v))
    arrays = [tuple(np.array(c, dtype=np.float64).T) for c in out]
    conditions = {k: np.ones(len(kappa)) for k in names}
    if pair:
        conditions[names[3]] = np.array(kappa)
    return Truth(value=arrays[0], grads=dict(zip(names, arrays[1:])), conditions=conditions)


@lru_cache(maxsize=None)
def case(name: str, param: str, regime: str, dtype: str, n: int, seed: int = 0):
    """(inputs, truth) for one regime; cached, so every target and baseline sees the same points."""
    if name == "kl-normal-std-normal-diag":  # elementwise the same function, points and truth
        return case("kl-normal-std-normal", param, regime, dtype, n, seed)
    inputs = draw(name, param, regime, dtype, n, seed)
    return inputs, exact(name, param, inputs)


# ---- ulp ----------------------------------------------------------------------------------------------------


def ulp_error(ours, truth: tuple[np.ndarray, np.ndarray], dtype: str) -> np.ndarray:
    """|ours - true| / spacing(true rounded to dtype), in float64; inf for NaN, for inf where the true value is
    finite in the dtype, and for a finite result where the true value overflows it (then +-inf is exact)."""
    t = DTYPES[dtype]
    hi, lo = truth
    ours = np.asarray(ours, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        rounded = hi.astype(t)
        spacing = np.abs(np.spacing(rounded)).astype(np.float64)
        err = np.abs((ours - hi) - lo) / spacing
    overflow = np.isinf(rounded)
    err = np.where(overflow, np.where(ours == rounded, 0.0, np.inf), err)
    return np.where(np.isnan(err), np.inf, err)


def grad_mask(truth: tuple[np.ndarray, np.ndarray], dtype: str) -> np.ndarray:
    """Points where the true derivative is nonzero and a finite normal number of the dtype."""
    t = DTYPES[dtype]
    with np.errstate(over="ignore"):
        rounded = np.abs(truth[0].astype(t))
    return (truth[0] != 0) & np.isfinite(rounded) & (rounded >= np.finfo(t).tiny)


# ---- running the implementations ----------------------------------------------------------------------------


@dataclass
class Result:
    value: np.ndarray
    emitted: dict[str, np.ndarray] | None = None  # the emitted _grad_ functions
    autodiff: dict[str, np.ndarray] | None = None  # autograd / jax.grad through the value function


_TMP = tempfile.TemporaryDirectory(prefix="derive-accuracy-")


@lru_cache(maxsize=None)
def load(name: str, target: str, param: str):
    """Emit the module (with gradients), write it to a temporary directory and import it."""
    from derive.emit.code import emit_module

    source = emit_module(name, target, param, grad=True)
    mod_name = f"acc_{FUNCTIONS[name][0]}_{target}_{param}"
    path = Path(_TMP.name) / f"{mod_name}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(mod_name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def enable_jax_x64():
    import jax

    jax.config.update("jax_enable_x64", True)
    return jax


def run_derive(name: str, target: str, param: str, inputs: dict[str, np.ndarray]) -> Result:
    fname, _, kwargs = FUNCTIONS[name]
    module = load(name, target, param)
    fn = getattr(module, fname)
    names = arg_names(name, param)
    args = [inputs[k] for k in names]
    grad_fns = {k: getattr(module, f"{fname}_grad_{k}") for k in names}
    if target == "numpy":
        with np.errstate(all="ignore"):
            value = np.asarray(fn(*args, **kwargs))
            emitted = {k: np.asarray(g(*args)) for k, g in grad_fns.items()}
        return Result(value, emitted, None)
    if target == "torch":
        import torch

        ts = [torch.tensor(a, requires_grad=True) for a in args]
        out = fn(*ts, **kwargs)
        out.sum().backward()
        with torch.no_grad():
            emitted = {k: g(*[torch.tensor(a) for a in args]).numpy() for k, g in grad_fns.items()}
        return Result(out.detach().numpy(), emitted, {k: t.grad.numpy() for k, t in zip(names, ts)})
    if target == "jax":
        jax = enable_jax_x64()
        import jax.numpy as jnp

        js = [jnp.asarray(a) for a in args]
        assert all(j.dtype == a.dtype for j, a in zip(js, args)), "jax changed the dtype (x64 not enabled?)"
        value = np.asarray(fn(*js, **kwargs))
        auto = jax.grad(lambda *a: fn(*a, **kwargs).sum(), argnums=tuple(range(len(js))))(*js)
        emitted = {k: np.asarray(g(*js)) for k, g in grad_fns.items()}
        return Result(value, emitted, {k: np.asarray(g) for k, g in zip(names, auto)})
    raise ValueError(f"unknown target {target!r}")


def _scales(xp, param, a):
    return a if param == "sigma" else xp.exp(0.5 * a)


def _textbook(xp, name, param, args):
    """The textbook formula written with module xp (numpy or torch)."""
    if FUNCTIONS[name][1]:
        m1, a1, m2, a2 = args
        s1, s2 = _scales(xp, param, a1), _scales(xp, param, a2)
        return xp.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - 0.5
    m, a = args
    logvar = xp.log(a**2) if param == "sigma" else a
    return -0.5 * (1 + logvar - m**2 - xp.exp(logvar))


def run_textbook(name: str, param: str, inputs: dict[str, np.ndarray]) -> Result:
    import torch

    names = arg_names(name, param)
    args = [inputs[k] for k in names]
    with np.errstate(all="ignore"):
        value = np.asarray(_textbook(np, name, param, args))
    ts = [torch.tensor(a, requires_grad=True) for a in args]
    _textbook(torch, name, param, ts).sum().backward()
    return Result(value, None, {k: t.grad.numpy() for k, t in zip(names, ts)})


def run_torch_distributions(name: str, param: str, inputs: dict[str, np.ndarray]) -> Result:
    import torch
    from torch.distributions import Normal, kl_divergence

    names = arg_names(name, param)
    ts = [torch.tensor(inputs[k], requires_grad=True) for k in names]
    if FUNCTIONS[name][1]:
        m1, a1, m2, a2 = ts
        q = Normal(m1, _scales(torch, param, a1), validate_args=False)
        p = Normal(m2, _scales(torch, param, a2), validate_args=False)
    else:
        m, a = ts
        q = Normal(m, _scales(torch, param, a), validate_args=False)
        p = Normal(torch.zeros_like(m), torch.ones_like(m), validate_args=False)
    out = kl_divergence(q, p)
    out.sum().backward()
    return Result(out.detach().numpy(), None, {k: t.grad.numpy() for k, t in zip(names, ts)})


# ---- statistics ---------------------------------------------------------------------------------------------


@dataclass
class Worst:
    ulp: float = 0.0
    what: str = ""  # "value" or "<kind> d/d<arg>"
    inputs: dict = field(default_factory=dict)
    ours: float = float("nan")
    true: float = float("nan")

    def __str__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.inputs.items())
        return f"{self.what} at ({args}): ours={self.ours!r}, true={self.true!r}, {self.ulp:.4g} ulp"


@dataclass
class Stats:
    value_med: float
    value_max: float
    n_inf: int  # inf where the true value is finite in the dtype
    n_nan: int
    n_neg: int
    emitted_med: float = float("nan")
    emitted_max: float = float("nan")
    auto_med: float = float("nan")
    auto_max: float = float("nan")
    grad_nonfinite: int = 0  # non-finite gradients where the true derivative is finite
    worst_value: Worst = field(default_factory=Worst)
    worst_emitted: Worst = field(default_factory=Worst)
    worst_auto: Worst = field(default_factory=Worst)
    emitted_by_arg: dict[str, Worst] = field(default_factory=dict)  # argument -> worst point of its gradient
    auto_by_arg: dict[str, Worst] = field(default_factory=dict)
    # the same without dividing by the condition number (the issue's plain 8-ulp goal)
    emitted_raw_max: float = float("nan")
    auto_raw_max: float = float("nan")
    emitted_raw_by_arg: dict[str, Worst] = field(default_factory=dict)
    auto_raw_by_arg: dict[str, Worst] = field(default_factory=dict)


def _worst(err, what, idx_inputs, ours, true_hi) -> Worst:
    i = int(np.argmax(err))
    return Worst(float(err[i]), what, {k: v[i].item() for k, v in idx_inputs.items()}, float(ours[i]),
                 float(true_hi[i]))


def grad_errors(grads: dict[str, np.ndarray], truth: Truth, dtype: str, inputs, kind: str, conditioned=True):
    """(all ulp errors, number non-finite, worst, {argument: worst}) over the arguments, at the points
    grad_mask keeps. With ``conditioned``, each error is divided by max(1, condition/2) (see Truth.conditions):
    an error of 8 ulp then means 8 ulp where the derivative is well conditioned, 4·condition ulp elsewhere."""
    errs, nonfinite, worst, by_arg = [], 0, Worst(), {}
    for k, g in grads.items():
        mask = grad_mask(truth.grads[k], dtype)
        g = np.broadcast_to(np.asarray(g, dtype=np.float64), mask.shape)
        e = ulp_error(g, truth.grads[k], dtype)
        if conditioned:
            e = e / np.maximum(1.0, truth.conditions[k] / 2)
        e = e[mask]
        nonfinite += int(np.sum(~np.isfinite(g[mask])))
        if e.size:
            errs.append(e)
            w = _worst(e, f"{kind} d/d{k}", {a: v[mask] for a, v in inputs.items()}, g[mask],
                       truth.grads[k][0][mask])
            by_arg[k] = w
            if w.ulp > worst.ulp or not worst.what:
                worst = w
    return (np.concatenate(errs) if errs else np.zeros(0)), nonfinite, worst, by_arg


def measure(result: Result, truth: Truth, dtype: str, inputs) -> Stats:
    value = np.asarray(result.value)
    err = ulp_error(value, truth.value, dtype)
    with np.errstate(over="ignore"):
        finite_true = np.isfinite(truth.value[0].astype(DTYPES[dtype]))
    st = Stats(
        value_med=float(np.median(err)), value_max=float(np.max(err)),
        n_inf=int(np.sum(np.isinf(value) & finite_true)), n_nan=int(np.sum(np.isnan(value))),
        n_neg=int(np.sum(value < 0)), worst_value=_worst(err, "value", inputs, value, truth.value[0]),
    )
    for kind, grads in (("emitted", result.emitted), ("autodiff", result.autodiff)):
        if grads is None:
            continue
        e, nonfinite, worst, by_arg = grad_errors(grads, truth, dtype, inputs, kind)
        raw, _, _, raw_by_arg = grad_errors(grads, truth, dtype, inputs, kind, conditioned=False)
        st.grad_nonfinite += nonfinite
        med, mx = (float(np.median(e)), float(np.max(e))) if e.size else (0.0, 0.0)
        raw_max = float(np.max(raw)) if raw.size else 0.0
        if kind == "emitted":
            st.emitted_med, st.emitted_max, st.worst_emitted, st.emitted_by_arg = med, mx, worst, by_arg
            st.emitted_raw_max, st.emitted_raw_by_arg = raw_max, raw_by_arg
        else:
            st.auto_med, st.auto_max, st.worst_auto, st.auto_by_arg = med, mx, worst, by_arg
            st.auto_raw_max, st.auto_raw_by_arg = raw_max, raw_by_arg
    return st


def run(impl: str, name: str, param: str, regime: str, dtype: str, n: int, seed: int = 0) -> Stats:
    """impl: derive-numpy | derive-torch | derive-jax | torch.distributions | textbook."""
    inputs, truth = case(name, param, regime, dtype, n, seed)
    if impl.startswith("derive-"):
        result = run_derive(name, impl[len("derive-"):], param, inputs)
    elif impl == "torch.distributions":
        result = run_torch_distributions(name, param, inputs)
    elif impl == "textbook":
        result = run_textbook(name, param, inputs)
    else:
        raise ValueError(f"unknown implementation {impl!r}")
    return measure(result, truth, dtype, inputs)


# ---- the table ----------------------------------------------------------------------------------------------


def _f(x: float, width: int) -> str:
    if math.isnan(x):
        s = "-"
    elif math.isinf(x):
        s = "inf"
    elif x >= 1e4:
        s = f"{x:.1e}"
    else:
        s = f"{x:.2f}" if x < 10 else f"{x:.1f}"
    return s.rjust(width)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000, help="samples per regime (default 2000)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--targets", default="numpy,torch,jax", help="emitted targets to measure")
    ap.add_argument("--worst", action="store_true", help="print the worst input of every failing row")
    args = ap.parse_args(argv)
    targets = [t for t in args.targets.split(",") if t]
    if "jax" in targets:
        try:
            enable_jax_x64()
        except ImportError:
            print("jax not importable: skipping the jax target", file=sys.stderr)
            targets.remove("jax")
    impls = [f"derive-{t}" for t in targets] + ["torch.distributions", "textbook"]
    t0 = time.perf_counter()
    header = (f"{'function':<21} {'param':<6} {'dtype':<7} {'regime':<8} {'implementation':<19} "
              f"{'val med':>7} {'val max':>7} {'inf':>4} {'nan':>4} {'neg':>4} "
              f"{'gE med':>7} {'gE max':>7} {'gE raw':>7} {'gA med':>7} {'gA max':>7} {'gA raw':>7} {'g!fin':>5}")
    print(f"ulp errors against mpmath ({DPS} digits), n={args.n} per regime, seed={args.seed}. "
          f"val = value; gE = emitted _grad_ functions; gA = autodiff (torch autograd / jax.grad) through the "
          f"value; inf/nan/neg = value outputs that are inf (true finite) / NaN / negative; g!fin = non-finite "
          f"gradients where the true one is finite. Gradient errors are divided by max(1, condition/2), the "
          f"derivative's own condition number (large only near where d/d(scale2) crosses 0); 'raw' columns are "
          f"undivided. Goal: val max <= {VALUE_GOAL:g}, gE/gA max <= {GRAD_GOAL:g}.")
    print(header)
    print("-" * len(header))
    failures = []
    for name in ("kl-normal-normal", "kl-normal-std-normal"):
        for param in ("sigma", "logvar"):
            for dtype in DTYPES:
                for regime in regimes(param):
                    for impl in impls:
                        st = run(impl, name, param, regime, dtype, args.n, args.seed)
                        print(f"{FUNCTIONS[name][0]:<21} {param:<6} {dtype:<7} {regime:<8} {impl:<19} "
                              f"{_f(st.value_med, 7)} {_f(st.value_max, 7)} {st.n_inf:>4} {st.n_nan:>4} "
                              f"{st.n_neg:>4} {_f(st.emitted_med, 7)} {_f(st.emitted_max, 7)} "
                              f"{_f(st.emitted_raw_max, 7)} {_f(st.auto_med, 7)} {_f(st.auto_max, 7)} "
                              f"{_f(st.auto_raw_max, 7)} {st.grad_nonfinite:>5}")
                        if impl.startswith("derive-"):
                            bad = []
                            if st.value_max > VALUE_GOAL or st.n_inf or st.n_nan or st.n_neg:
                                bad.append(st.worst_value)
                            for by_arg in (st.emitted_by_arg, st.auto_by_arg):
                                bad.extend(w for w in by_arg.values() if w.ulp > GRAD_GOAL)
                            if bad:
                                failures.append((f"{FUNCTIONS[name][0]} {param} {dtype} {regime} {impl}", bad))
                    print()
    print(f"{len(failures)} emitted (function, param, dtype, regime, target) rows miss the goal"
          + (":" if failures else "."))
    for label, bad in failures:
        print(f"  {label}: " + ("; ".join(str(w) for w in bad) if args.worst else
                                 ", ".join(f"{w.what} {w.ulp:.3g} ulp" for w in bad)))
    print(f"({time.perf_counter() - t0:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
