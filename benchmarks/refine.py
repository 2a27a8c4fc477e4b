"""What the double-double refinement (derive.emit.refine) buys and costs, per refined derivation, in one run.

For each derivation in ``refine.REFINED``, the committed NumPy module is called as it is and with its refinement
switched off (``_refine`` returning the float value), on the same inputs:

- accuracy: the max ulp against the closed form at 50 digits (mpmath) over ``--points`` random admissible points
  (``derive.numeric.random_point``: positives in [0.3, 3], reals in [-2, 2]);
- speed: the time of one call on those points tiled to ``--n`` elements, refined / unrefined (median of
  ``--repeat`` interleaved runs), and the share of elements refined.

    python benchmarks/refine.py [--points 200] [--n 100000] [--repeat 5] [NAME_SUBSTRING ...]
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import statistics
import sys
import time
from pathlib import Path

import numpy

from derive import numeric
from derive.compare import Evaluator, target
from derive.compare_code import rounded, ulps
from derive.emit import params, refine
from derive.emit.code import function_name

OUTPUT = Path(__file__).resolve().parent.parent / "output" / "code" / "numpy"


def _load(name):
    path = OUTPUT / params.default(name) / f"{function_name(name)}.py"
    spec = importlib.util.spec_from_file_location(f"bench_{function_name(name)}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _points(name, count):
    tgt = target(name)
    rng = random.Random(f"refine-bench {name}")
    points = [numeric.random_point(tgt.params, rng, tgt.domains) for _ in range(count)]
    return tgt, [{s: float(p[s]) for s in tgt.params} for p in points]


def _measure(name, count, n, repeat):
    module = _load(name)
    function = getattr(module, function_name(name))
    refined = module._refine
    tgt, points = _points(name, count)
    evaluate = Evaluator(tgt.params, 50)
    references = [rounded(evaluate(tgt.value, p)) for p in points]
    columns = {str(s): numpy.array([p[s] for p in points]) for s in tgt.params}
    worst = {}
    for label, hook in (("refined", refined), ("float", lambda value, *args: value)):
        module._refine = hook
        with numpy.errstate(all="ignore"):
            got = function(**columns)
        worst[label] = max(ulps(float(g), r) for g, r in zip(numpy.ravel(got), references))
    share = []

    def counting(value, bound, exact, args):
        size = numpy.abs(value)
        share.append(float(numpy.mean(bound > refine.LOST * size)))
        return refined(value, bound, exact, args)

    module._refine = counting
    with numpy.errstate(all="ignore"):
        function(**columns)
    tiled = {k: numpy.resize(v, n) for k, v in columns.items()}
    times = {"refined": [], "float": []}
    for _ in range(repeat):
        for label, hook in (("refined", refined), ("float", lambda value, *args: value)):
            module._refine = hook
            start = time.perf_counter()
            with numpy.errstate(all="ignore"):
                function(**tiled)
            times[label].append(time.perf_counter() - start)
    ratio = statistics.median(times["refined"]) / statistics.median(times["float"])
    return worst, share[0] if share else 0.0, ratio


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=200)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("only", nargs="*")
    args = parser.parse_args()
    names = [n for n in refine.REFINED if not args.only or any(o in n for o in args.only)]
    print(f"{'derivation':55s} {'max ulp float':>13s} {'refined':>8s} {'share':>6s} {'time x':>7s}")
    ratios = []
    for name in names:
        worst, share, ratio = _measure(name, args.points, args.n, args.repeat)
        ratios.append(ratio)
        print(f"{name:55s} {worst['float']:13.3g} {worst['refined']:8.3g} {share:6.0%} {ratio:7.1f}", flush=True)
    print(f"time refined / float: median {statistics.median(ratios):.1f}x, max {max(ratios):.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
