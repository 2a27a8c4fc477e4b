"""Per derivation: the engine's time (building the derivation: walk, lemmas, closed form) beside SymPy's brute-force
``integrate``/``summation`` of the same definition, capped (a cap or a failure counts as the cap), and the ratio of
the totals (issue 6's goal: <= 0.2). Both are measured here, in one run, on this machine.

    python benchmarks/engine_vs_integrate.py [--cap SECONDS] [--shard I/N] [NAME_FILTER ...]

A cap or a failure counts as the cap, so SymPy's total can only grow with the cap: the ratio printed at a cap of C
seconds is an upper bound of the ratio at any larger cap (the full run at 60 s takes over an hour here). ``--shard
I/N`` runs every N-th derivation from the I-th (1-based), for N processes side by side; add their totals.
"""

from __future__ import annotations

import argparse
import time

from sympy import Integral, Sum


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cap", type=float, default=60.0, help="seconds SymPy gets per definition (default 60)")
    ap.add_argument("--shard", default="1/1", help="I/N: every N-th derivation from the I-th (default 1/1: all)")
    ap.add_argument("filters", nargs="*", help="only derivations whose name contains one of these")
    args = ap.parse_args()

    from derive import registry
    from derive.checking import bind
    from derive.verify import NotSettled, _within

    first, step = (int(x) for x in args.shard.split("/"))
    names = [n for n in registry.names() if not args.filters or any(f in n for f in args.filters)][first - 1::step]
    total_engine = total_brute = 0.0
    print(f"{'derivation':<46} {'engine s':>9} {'sympy s':>9}  sympy")
    for name in names:
        t0 = time.perf_counter()
        derivation = registry.entry(name).builder()
        engine = time.perf_counter() - t0
        if derivation.dimension is not None or derivation.closed_form.is_infinite:
            continue  # a symbolic dimension or +oo: no single definition to integrate
        definition = bind(derivation.definition, derivation)
        t0 = time.perf_counter()
        try:
            result = _within(args.cap, definition.doit)
            outcome = "left an integral" if result.has(Integral, Sum) else "done"
        except NotSettled:
            outcome = "capped"
        except Exception as exc:  # noqa: BLE001  (any SymPy failure counts as the cap)
            outcome = f"failed ({type(exc).__name__})"
        brute = time.perf_counter() - t0
        if outcome != "done":
            brute = args.cap
        total_engine += engine
        total_brute += brute
        print(f"{name:<46} {engine:>9.3f} {brute:>9.2f}  {outcome}", flush=True)
    print(f"total: engine {total_engine:.1f} s, sympy {total_brute:.1f} s; ratio {total_engine / total_brute:.3f}")


if __name__ == "__main__":
    main()
