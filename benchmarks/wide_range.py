"""Accuracy of every univariate derivation's emitted module far from ``derive compare``'s ordinary inputs.

``derive compare --code`` draws scales in [0.3, 3], probabilities in (0.001, 0.999) and locations in [-2, 2]. This
draws them wide: scales log-uniform in [1e-3, 1e3], probabilities log-uniform down to 1e-8 from 0 and from 1 (a
third each, a third uniform), locations signed log-uniform in [1e-3, 1e2], total counts 1 .. 40, and compares the
committed module of ``--target`` (numpy by default; JAX with x64) with the closed form at 50 digits. Prints the max
ulp per derivation, how many points were above 8 ulp, how many were NaN or infinite where the value is finite, and
the worst point. A value near a root of an entropy or a
cross-entropy is ill-conditioned (its ulp error grows like 1/|value| for any float64 algorithm), so a large figure
there is not necessarily a flaw; one of 1e6 ulp at an ordinary value is.

    python benchmarks/wide_range.py [--target numpy|torch|jax|tensorflow] [--points 200] [--code DIR] [NAME ...]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

import mpmath
from sympy import Rational, S

from derive import coverage
from derive.compare import Evaluator, target
from derive.compare_code import REFERENCE_DPS, _admissible, _sample, load_function
from derive.emit import params
from derive.emit.code import function_name

OUTPUT = Path(__file__).resolve().parent.parent / "output" / "code"
VECTOR = ("dirichlet", "categorical", "mvn")
GOAL = 8
TRIES = 200


def _fraction(rng: random.Random) -> float:
    """A point of (0, 1): log-uniform down to 1e-8 from 0 or from 1, or uniform."""
    kind = rng.randrange(3)
    near = 10 ** rng.uniform(-8, -0.3)
    return near if kind == 0 else 1 - near if kind == 1 else rng.uniform(0.001, 0.999)


def _draw(tgt, rng: random.Random) -> dict | None:
    """A wide admissible point (float64 values), or None after TRIES draws."""
    domains = tgt.domains or {}
    later = [s for s in tgt.params if s in domains and S(domains[s][0] + domains[s][1]).free_symbols]
    for _ in range(TRIES):
        point: dict = {}
        for s in [s for s in tgt.params if s not in later] + later:
            if s in domains:
                lo, hi = (float(S(b).xreplace({k: Rational(v) for k, v in point.items()})) for b in domains[s])
                point[s] = lo + (hi - lo) * _fraction(rng)
            elif s.is_integer:
                point[s] = float(rng.randint(1, 40))
            elif s.is_positive:
                point[s] = 10 ** rng.uniform(-3, 3)
            else:
                point[s] = rng.choice((-1, 1)) * 10 ** rng.uniform(-3, 2)
        if _admissible(point, tgt):
            return point
    return None


def measure(name: str, target_name: str, points: int, code: Path = OUTPUT) -> tuple[float, int, int, int, dict | None]:
    """(max ulp, points above GOAL, points not finite where the value is, points compared, the worst point) of the
    module under ``code``."""
    tgt = target(name)
    module = code / target_name / params.default(name) / f"{function_name(name)}.py"
    function, _ = load_function(f"{module}:{function_name(name)}")
    evaluate = Evaluator(tgt.params, REFERENCE_DPS)
    rng = random.Random(f"wide-range {name}")
    worst, above, lost, done, at = 0.0, 0, 0, 0, None
    for _ in range(points):
        point = _draw(tgt, rng)
        if point is None:
            break
        reference = evaluate(tgt.value, point)
        if not isinstance(reference, mpmath.mpf) or not mpmath.isfinite(reference):
            continue
        sample, _ = _sample(function, "wide", point, reference, tgt)
        done += 1
        above += sample.ulp > GOAL
        lost += sample.ulp == float("inf")
        if sample.ulp > worst:
            worst, at = sample.ulp, {str(s): v for s, v in point.items()}
    return worst, above, lost, done, at


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", default="numpy", choices=("numpy", "torch", "jax", "tensorflow"))
    parser.add_argument("--points", type=int, default=200)
    parser.add_argument("--code", type=Path, default=OUTPUT, help="the modules' directory (another build's "
                        "DIR/code; default output/code)")
    parser.add_argument("only", nargs="*", help="keep derivations whose name contains one of these")
    args = parser.parse_args()
    os.environ["JAX_ENABLE_X64"] = "1"
    names = [n for n in coverage.derivations() if not any(v in n for v in VECTOR)]
    if args.only:
        names = [n for n in names if any(o in n for o in args.only)]
    within = 0
    for name in names:
        start = time.perf_counter()
        try:
            worst, above, lost, done, at = measure(name, args.target, args.points, args.code)
        except Exception as err:  # noqa: BLE001  (reported in the table)
            print(f"{name:55} {type(err).__name__}: {str(err)[:80]}", flush=True)
            continue
        within += worst <= GOAL
        shown = "inf" if worst == float("inf") else f"{worst:.3g}"
        where = "" if worst <= GOAL else "  at " + ", ".join(f"{k}={v:.6g}" for k, v in at.items())
        took = time.perf_counter() - start
        print(f"{name:55} {shown:>9} ulp  {above:3d}/{done:<3d} > {GOAL} {lost:3d} not finite  {took:5.1f} s{where}",
              flush=True)
    print(f"{args.target}: {within} of {len(names)} within {GOAL} ulp at every wide point")
    return 0


if __name__ == "__main__":
    sys.exit(main())
