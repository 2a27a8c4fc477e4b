"""Runtime of the emitted KL code beside the naive one-liners and the framework's own KL, in one run.

10**7 float32 elements per argument. The repetitions interleave every case's two sides (our code, the
reference), so both see the same machine load; each time is the median of ``--repeat`` runs after one warm-up
call (which also compiles, for torch.compile and jax.jit). The ratio is ours / reference.

Goals: emitted NumPy <= 1.3x the naive NumPy one-liner (both functions); emitted torch kl_normal_normal
<= 1.0x ``torch.distributions.kl_divergence`` (eager), and the same pair under ``torch.compile``.
The std-normal-diag torch pair and the jax.jit pair are reported without a goal.

``--profile`` also breaks the emitted NumPy and torch ``kl_normal_normal`` / ``kl_normal_std_normal_diag`` down:
time inside ``_expm1mx`` and ``_log_ratio`` against the whole call, and ``_expm1mx`` statement by statement.

Run: python benchmarks/speed.py [--repeat N] [--n N] [--profile] [--no-compile]
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import os
import statistics
import sys
import tempfile
import time
import warnings
from functools import partial

import numpy

from derive.emit.code import emit_module

NAMES = {"kl-normal-normal": "sigma", "kl-normal-std-normal-diag": "logvar"}


def load(tmp: str, name: str, target: str):
    """Emit ``name`` for ``target`` into ``tmp`` and import it (a fresh module per target)."""
    src = emit_module(name, target, NAMES[name])
    modname = f"_speed_{name.replace('-', '_')}_{target}"
    path = os.path.join(tmp, modname + ".py")
    with open(path, "w") as f:
        f.write(src)
    spec = importlib.util.spec_from_file_location(modname, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[modname] = module  # torch.compile / inspect want the source reachable
    spec.loader.exec_module(module)
    return module


def seconds(fn, sync) -> float:
    t0 = time.perf_counter()
    sync(fn())
    return time.perf_counter() - t0


def no_sync(x):
    return x


def jax_sync(x):
    return x.block_until_ready()


class Case:
    def __init__(self, label, ours, reference, goal=None, sync=no_sync, note=""):
        self.label, self.ours, self.reference, self.goal, self.sync, self.note = (
            label, ours, reference, goal, sync, note)
        self.t_ours: list[float] = []
        self.t_ref: list[float] = []
        self.error = ""


def numpy_cases(tmp, data):
    std = load(tmp, "kl-normal-std-normal-diag", "numpy")
    pair = load(tmp, "kl-normal-normal", "numpy")
    mu, logvar = data["mu2d"], data["logvar2d"]
    m1, s1, m2, s2 = data["m1"], data["s1"], data["m2"], data["s2"]

    def naive_std():
        return -0.5 * numpy.sum(1 + logvar - mu**2 - numpy.exp(logvar), axis=-1)

    def naive_pair():
        return numpy.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - 0.5

    return [
        Case("numpy  std-normal-diag sum (N/64, 64)", partial(std.kl_normal_std_normal_diag, mu, logvar),
             naive_std, 1.3, note="vs naive numpy one-liner"),
        Case("numpy  normal-normal", partial(pair.kl_normal_normal, m1, s1, m2, s2), naive_pair, 1.3,
             note="vs naive numpy one-liner"),
    ]


def torch_cases(tmp, data, compile_too):
    import torch
    from torch.distributions import Normal, kl_divergence

    std = load(tmp, "kl-normal-std-normal-diag", "torch")
    pair = load(tmp, "kl-normal-normal", "torch")
    mu, logvar = (torch.from_numpy(data[k]) for k in ("mu2d", "logvar2d"))
    m1, s1, m2, s2 = (torch.from_numpy(data[k]) for k in ("m1", "s1", "m2", "s2"))

    def dist_kl(a, b, c, d):
        return kl_divergence(Normal(a, b), Normal(c, d))

    def naive_std(m, lv):
        return -0.5 * torch.sum(1 + lv - m**2 - torch.exp(lv), dim=-1)

    cases = [
        Case("torch  normal-normal, eager", partial(pair.kl_normal_normal, m1, s1, m2, s2),
             partial(dist_kl, m1, s1, m2, s2), 1.0, note="vs torch.distributions.kl_divergence"),
        Case("torch  std-normal-diag sum, eager", partial(std.kl_normal_std_normal_diag, mu, logvar),
             partial(naive_std, mu, logvar), None, note="vs torch one-liner"),
    ]
    if compile_too:
        label = "torch  normal-normal, torch.compile"
        try:
            ours_c = torch.compile(pair.kl_normal_normal, dynamic=False)
            ref_c = torch.compile(dist_kl, dynamic=False)
            t0 = time.perf_counter()
            ours_c(m1, s1, m2, s2), ref_c(m1, s1, m2, s2)  # compile now, so failures are caught here
            print(f"torch.compile of both sides: {time.perf_counter() - t0:.1f} s", flush=True)
            cases.append(Case(label, partial(ours_c, m1, s1, m2, s2), partial(ref_c, m1, s1, m2, s2), 1.0,
                              note="both compiled; vs kl_divergence"))
        except Exception as exc:  # noqa: BLE001 - report any backend failure and go on
            case = Case(label, None, None, 1.0)
            case.error = f"torch.compile failed: {type(exc).__name__}: {str(exc).splitlines()[0][:160]}"
            cases.append(case)
    return cases


def jax_cases(tmp, data):
    import jax
    import jax.numpy as jnp

    pair = load(tmp, "kl-normal-normal", "jax")
    m1, s1, m2, s2 = (jax.device_put(data[k]) for k in ("m1", "s1", "m2", "s2"))

    @jax.jit
    def naive(a, b, c, d):
        return jnp.log(d / b) + (b**2 + (a - c) ** 2) / (2 * d**2) - 0.5

    ours = jax.jit(pair.kl_normal_normal)
    return [Case("jax    normal-normal, jax.jit", partial(ours, m1, s1, m2, s2), partial(naive, m1, s1, m2, s2),
                 None, sync=jax_sync, note="vs jax.jit naive one-liner")]


def run(cases, repeat):
    live = [c for c in cases if not c.error]
    for c in live:  # warm-up (and compilation)
        c.sync(c.ours()), c.sync(c.reference())
    for r in range(repeat):
        for c in live:  # alternate which side goes first
            sides = [(c.ours, c.t_ours), (c.reference, c.t_ref)]
            for fn, out in sides if r % 2 == 0 else sides[::-1]:
                out.append(seconds(fn, c.sync))


def report(cases):
    print(f"\n{'case':<40} {'ours s':>8} {'ref s':>8} {'ratio':>6} {'goal':>6}  {'met?':<5} reference")
    for c in cases:
        if c.error:
            print(f"{c.label:<40} {'-':>8} {'-':>8} {'-':>6} {'<=' + str(c.goal):>6}  {'n/a':<5} {c.error}")
            continue
        ours, ref = statistics.median(c.t_ours), statistics.median(c.t_ref)
        ratio = ours / ref
        goal = "-" if c.goal is None else f"<={c.goal:g}"
        met = "-" if c.goal is None else ("yes" if ratio <= c.goal else "NO")
        print(f"{c.label:<40} {ours:>8.4f} {ref:>8.4f} {ratio:>6.2f} {goal:>6}  {met:<5} {c.note}")
    print()
    for c in cases:
        if not c.error and c.goal is not None:
            ratio = statistics.median(c.t_ours) / statistics.median(c.t_ref)
            verdict = "met" if ratio <= c.goal else f"MISSED by {ratio / c.goal:.2f}x"
            print(f"ratio {c.label.strip()}: {ratio:.2f} (goal <= {c.goal:g}) {verdict}")


# -- profile: where the emitted code spends its time -----------------------------------------------------------


def helper_statements(module, helper):
    """The statements of ``helper`` in ``module``'s source, docstring and the return dropped."""
    tree = ast.parse(open(module.__file__).read())
    fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == helper)
    body = [s for s in fn.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    return [s for s in body if not isinstance(s, ast.Return)], [a.arg for a in fn.args.args]


def profile_helper(module, helper, args, repeat):
    """Median seconds per statement of ``helper`` run on ``args``; consecutive Horner steps are pooled."""
    stmts, names = helper_statements(module, helper)
    codes = [(ast.unparse(s), compile(ast.Module([s], []), "<helper>", "exec")) for s in stmts]
    runs = []
    for _ in range(repeat + 1):
        ns = dict(vars(module))
        ns.update(zip(names, args))
        times = []
        for _, code in codes:
            t0 = time.perf_counter()
            exec(code, ns)
            times.append(time.perf_counter() - t0)
        runs.append(times)
    med = [statistics.median(col) for col in zip(*runs[1:])]
    rows, horner = [], [0.0, 0]
    for (text, _), t in zip(codes, med):
        if text.startswith("h = h * xs +"):
            horner[0] += t
            horner[1] += 1
            continue
        if horner[1]:
            rows.append((f"{horner[1]} Horner steps  h = h * xs + c", horner[0]))
            horner = [0.0, 0]
        rows.append((text if len(text) <= 60 else text[:57] + "...", t))
    return rows


def profile_call(module, fname, args, repeat, helpers=("_expm1mx", "_log_ratio")):
    """Whole call vs. time inside each helper (helpers wrapped with a timer)."""
    spent = {h: [] for h in helpers if hasattr(module, h)}
    originals = {h: getattr(module, h) for h in spent}

    def timed(h):
        def wrapper(*a):
            t0 = time.perf_counter()
            out = originals[h](*a)
            spent[h][-1] += time.perf_counter() - t0
            return out
        return wrapper

    totals = []
    try:
        for h in spent:
            setattr(module, h, timed(h))
        for _ in range(repeat + 1):
            for h in spent:
                spent[h].append(0.0)
            t0 = time.perf_counter()
            getattr(module, fname)(*args)
            totals.append(time.perf_counter() - t0)
    finally:
        for h, fn in originals.items():
            setattr(module, h, fn)
    return statistics.median(totals[1:]), {h: statistics.median(v[1:]) for h, v in spent.items()}


def profile(tmp, data, repeat):
    import torch

    print("\nprofile (median of", repeat, "after a warm-up)")
    for target in ("numpy", "torch"):
        conv = (lambda a: a) if target == "numpy" else torch.from_numpy
        xp = numpy if target == "numpy" else torch
        pair = load(tmp, "kl-normal-normal", target)
        std = load(tmp, "kl-normal-std-normal-diag", target)
        m1, s1, m2, s2 = (conv(data[k]) for k in ("m1", "s1", "m2", "s2"))
        mu, logvar = conv(data["mu2d"]), conv(data["logvar2d"])
        for label, mod, fname, args in (("kl_normal_normal", pair, "kl_normal_normal", (m1, s1, m2, s2)),
                                        ("kl_normal_std_normal_diag", std, "kl_normal_std_normal_diag",
                                         (mu, logvar))):
            total, inside = profile_call(mod, fname, args, repeat)
            parts = ", ".join(f"{h} {t:.4f} s ({t / total:.0%})" for h, t in inside.items())
            print(f"  {target:<5} {label}: {total:.4f} s; {parts}; rest {total - sum(inside.values()):.4f} s")
        x = 2 * pair._log_ratio(s1, s2)
        e = (s1 / s2) ** 2
        print(f"  {target} _expm1mx on x = 2 log(s1/s2), float32, by statement:")
        rows = profile_helper(pair, "_expm1mx", (x, e), repeat)
        total = sum(t for _, t in rows)
        for text, t in rows:
            print(f"    {t:8.4f} s {t / total:5.0%}  {text}")
        print(f"    {total:8.4f} s        (sum); one numpy exp of the same array for scale: "
              f"{statistics.median(seconds(partial(xp.exp, x), no_sync) for _ in range(repeat)):.4f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--n", type=int, default=10**7, help="elements per argument (a multiple of 64)")
    ap.add_argument("--profile", action="store_true", help="also break the emitted code's time down")
    ap.add_argument("--no-compile", action="store_true", help="skip the torch.compile pair")
    args = ap.parse_args()
    warnings.simplefilter("ignore")

    rng = numpy.random.default_rng(0)
    f32 = numpy.float32
    n = args.n
    data = {
        "mu2d": rng.standard_normal((n // 64, 64)).astype(f32),
        "logvar2d": (0.5 * rng.standard_normal((n // 64, 64))).astype(f32),  # |logvar| < 1 for 95%
        "m1": rng.standard_normal(n).astype(f32),
        "m2": rng.standard_normal(n).astype(f32),
        "s1": numpy.exp(0.5 * rng.standard_normal(n)).astype(f32),
        "s2": numpy.exp(0.5 * rng.standard_normal(n)).astype(f32),
    }

    import torch

    info = [f"numpy {numpy.__version__}", f"torch {torch.__version__} ({torch.get_num_threads()} intra-op threads,"
            f" default)", f"{os.cpu_count()} CPUs"]
    try:
        import jax
        info.append(f"jax {jax.__version__} ({jax.devices()[0].platform})")
    except ImportError:
        jax = None
    print(f"{n} float32 elements per argument; " + ", ".join(info) + "; NumPy ufuncs run single-threaded")

    t_start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        cases = numpy_cases(tmp, data) + torch_cases(tmp, data, not args.no_compile)
        if jax is not None:
            cases += jax_cases(tmp, data)
        run(cases, args.repeat)
        report(cases)
        if args.profile:
            profile(tmp, data, args.repeat)
    print(f"\nwall time {time.perf_counter() - t_start:.0f} s")


if __name__ == "__main__":
    main()
