"""Runtime of the emitted KL code beside the naive one-liners and the framework's own KL, in one run.

10**7 float32 elements per argument. The repetitions interleave every case's two sides (our code, the
reference), so both see the same machine load; each time is the median of ``--repeat`` runs after one warm-up
call (which also compiles, for torch.compile and jax.jit). The ratio is ours / reference.

Goals: emitted NumPy <= 1.3x the naive NumPy one-liner (both functions); emitted torch kl_normal_normal
<= 1.0x ``torch.distributions.kl_divergence`` (eager), and the same pair under ``torch.compile``.
The std-normal-diag torch pair and the jax.jit pair are reported without a goal.

``--profile`` also breaks the emitted NumPy and torch ``kl_normal_normal`` / ``kl_normal_std_normal_diag`` down:
time inside each private helper (``_expm1mx``, ``_log_ratio``, ...) against the whole call, and each helper of
``kl_normal_normal`` statement by statement, on the arguments it is actually called with.

Data: mu ~ N(0, 1); logvar ~ N(0, 0.5^2); sigma = exp(N(0, 0.5^2)), i.e. typical VAE-like values, most of
them in the series branch of the emitted ``_expm1mx``. The "rel diff" column is
max|ours - reference| / max|reference| of the warm-up outputs, a check that both sides compute the same KL.

Run: python benchmarks/speed.py [--repeat N] [--n N] [--profile] [--no-compile]
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import inspect
import os
import re
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
        self.diff = float("nan")  # max |ours - reference| / max |reference|, from the warm-up outputs


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
    for c in live:  # warm-up (and compilation); also checks both sides compute the same thing
        ours, ref = (numpy.asarray(c.sync(fn())).astype(numpy.float64) for fn in (c.ours, c.reference))
        c.diff = float(numpy.max(numpy.abs(ours - ref)) / numpy.max(numpy.abs(ref)))
    for r in range(repeat):
        for c in live:  # alternate which side goes first
            sides = [(c.ours, c.t_ours), (c.reference, c.t_ref)]
            for fn, out in sides if r % 2 == 0 else sides[::-1]:
                out.append(seconds(fn, c.sync))


def report(cases):
    print(f"\n{'case':<40} {'ours s':>8} {'ref s':>8} {'ratio':>6} {'goal':>6}  {'met?':<5} {'rel diff':>8}  reference")
    for c in cases:
        if c.error:
            print(f"{c.label:<40} {'-':>8} {'-':>8} {'-':>6} {'<=' + str(c.goal):>6}  {'n/a':<5} {'-':>8}  {c.error}")
            continue
        ours, ref = statistics.median(c.t_ours), statistics.median(c.t_ref)
        ratio = ours / ref
        goal = "-" if c.goal is None else f"<={c.goal:g}"
        met = "-" if c.goal is None else ("yes" if ratio <= c.goal else "NO")
        print(f"{c.label:<40} {ours:>8.4f} {ref:>8.4f} {ratio:>6.2f} {goal:>6}  {met:<5} {c.diff:>8.1e}  {c.note}")
    print()
    for c in cases:
        if not c.error and c.goal is not None:
            ratio = statistics.median(c.t_ours) / statistics.median(c.t_ref)
            verdict = "met" if ratio <= c.goal else f"MISSED by {ratio / c.goal:.2f}x"
            print(f"ratio {c.label.strip()}: {ratio:.2f} (goal <= {c.goal:g}) {verdict}")


# -- profile: where the emitted code spends its time -----------------------------------------------------------


class _ReturnToAssign(ast.NodeTransformer):
    """``return e`` -> ``__return__ = e``, so a helper's statements can be run one by one with exec."""

    def visit_Return(self, node):
        value = node.value if node.value is not None else ast.Constant(None)
        return ast.copy_location(ast.Assign([ast.Name("__return__", ast.Store())], value), node)


def helper_statements(module, helper):
    """The top-level statements of ``helper`` in ``module``'s source (docstring dropped, returns turned into
    assignments to ``__return__``) and its parameter names."""
    tree = ast.parse(open(module.__file__).read())
    fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == helper)
    body = [s for s in fn.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    body = [ast.fix_missing_locations(_ReturnToAssign().visit(s)) for s in body]
    return body, [a.arg for a in fn.args.args]  # (statements, parameter names)


HORNER = re.compile(r"^(\w+) = \1 \* (\w+) \+ ")


def helpers_of(module):
    """The module's private helper functions (``_expm1mx``, ``_log_ratio``, ...), by name."""
    return {k: v for k, v in vars(module).items()
            if k.startswith("_") and inspect.isfunction(v) and v.__module__ == module.__name__}


def _run_statements(stmts, ns, rows, depth=0) -> bool:
    """exec ``stmts`` one by one in ``ns``, appending (text, seconds) to ``rows``; an ``if`` is timed for its test
    and then descends into the branch taken. True once a return has run."""
    pad = "  " * depth
    for s in stmts:
        if isinstance(s, ast.If):
            test = compile(ast.fix_missing_locations(ast.Expression(s.test)), "<helper>", "eval")
            t0 = time.perf_counter()
            taken = eval(test, ns)
            rows.append((f"{pad}if {ast.unparse(s.test)}:  ({bool(taken)})", time.perf_counter() - t0))
            if _run_statements(s.body if taken else s.orelse, ns, rows, depth + 1):
                return True
            continue
        code = compile(ast.Module([s], []), "<helper>", "exec")
        t0 = time.perf_counter()
        exec(code, ns)
        rows.append((pad + ast.unparse(s).split("\n")[0], time.perf_counter() - t0))
        if "__return__" in ns:
            return True
    return False


def profile_helper(module, helper, call, repeat):
    """Median seconds per statement of ``helper`` run on a real call's (args, kwargs); consecutive Horner
    steps ``h = h * x + c`` are pooled into one row."""
    stmts, _ = helper_statements(module, helper)
    bound = inspect.signature(getattr(module, helper)).bind(*call[0], **call[1])
    bound.apply_defaults()
    runs = []
    for _ in range(repeat + 1):
        ns = dict(vars(module))
        ns.update(bound.arguments)
        rows: list = []
        _run_statements(stmts, ns, rows)
        runs.append(rows)
    texts = [text for text, _ in runs[0]]
    med = [statistics.median(run[i][1] for run in runs[1:]) for i in range(len(texts))]
    out, horner = [], [0.0, 0, ""]
    for text, t in zip(texts, med):
        m = HORNER.match(text.strip())
        if m:
            pad = text[:len(text) - len(text.lstrip())]
            horner = [horner[0] + t, horner[1] + 1, f"{pad}{m.group(1)} = {m.group(1)} * {m.group(2)} + c"]
            continue
        if horner[1]:
            out.append((f"{horner[2]}  ({horner[1]} Horner steps)", horner[0]))
            horner = [0.0, 0, ""]
        out.append((text if len(text) <= 76 else text[:73] + "...", t))
    if horner[1]:
        out.append((f"{horner[2]}  ({horner[1]} Horner steps)", horner[0]))
    return out


def profile_call(module, fname, args, repeat):
    """(whole call s, {helper: s inside it}, {helper: the arguments of its first call}); helpers are wrapped
    with a timer for the measurement and restored after."""
    originals = helpers_of(module)
    spent = {h: [] for h in originals}
    seen = {}

    def timed(h):
        def wrapper(*a, **kw):
            seen.setdefault(h, (a, kw))
            t0 = time.perf_counter()
            out = originals[h](*a, **kw)
            spent[h][-1] += time.perf_counter() - t0
            return out
        return wrapper

    totals = []
    try:
        for h in originals:
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
    return (statistics.median(totals[1:]), {h: statistics.median(v[1:]) for h, v in spent.items() if seen.get(h)},
            seen)


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
        for label, mod, args in (("kl_normal_normal", pair, (m1, s1, m2, s2)),
                                 ("kl_normal_std_normal_diag", std, (mu, logvar))):
            total, inside, seen = profile_call(mod, label, args, repeat)
            parts = ", ".join(f"{h} {t:.4f} s ({t / total:.0%})" for h, t in inside.items())
            print(f"  {target:<5} {label}: {total:.4f} s; {parts}; rest {total - sum(inside.values()):.4f} s")
            if label != "kl_normal_normal":
                continue
            for h, hargs in seen.items():
                print(f"  {target} {h} as called by {label}, by statement:")
                rows = profile_helper(mod, h, hargs, repeat)
                hsum = sum(t for _, t in rows)
                for text, t in rows:
                    print(f"    {t:8.4f} s {t / hsum:5.0%}  {text}")
                print(f"    {hsum:8.4f} s        (sum)")
        x = conv(data["s1"])
        one = statistics.median(seconds(partial(xp.exp, x), no_sync) for _ in range(repeat))
        # Each out-of-place elementwise op allocates a fresh 4n-byte array; show what that costs on this machine.
        y, out = x * 1, x * 1
        mul = xp.multiply if target == "numpy" else torch.mul
        fresh = statistics.median(seconds(partial(mul, x, y), no_sync) for _ in range(repeat))
        into = statistics.median(seconds(partial(mul, x, y, out=out), no_sync) for _ in range(repeat))
        print(f"  {target} for scale: one exp {one:.4f} s; one multiply {fresh:.4f} s into a new array, "
              f"{into:.4f} s into a preallocated one (out=)")


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
        "logvar2d": (0.5 * rng.standard_normal((n // 64, 64))).astype(f32),
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
