"""Accuracy of every univariate derivation's emitted module at ordinary inputs, by ``derive compare --code``.

For each entropy, cross-entropy and KL of the coverage table (the vector families and multivariate normals have
their own tests), the committed module under output/code/TARGET (numpy unless --target says otherwise; JAX with
JAX_ENABLE_X64=1) is compared with its closed form at 50 digits: 24
random admissible points, and for a self-pair's KL 12 near KL = 0. Prints the max ulp per derivation and, at the
end, how many are within the issue's 8 ulp. A value near a root of an entropy or cross-entropy is ill-conditioned
(its ulp error grows like 1/|value| for any float64 algorithm), so a large figure there is not necessarily a flaw.

    python benchmarks/compare_all.py [--jobs 2 | --in-process] [--target numpy|torch|jax|tensorflow] [NAME ...]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from derive import coverage
from derive.emit import params
from derive.emit.code import function_name

OUTPUT = Path(__file__).resolve().parent.parent / "output" / "code"
VECTOR = ("dirichlet", "categorical", "mvn")
GOAL = 8


def _module(name: str, target: str) -> Path:
    return OUTPUT / target / params.default(name) / f"{function_name(name)}.py"


def _compare(name: str, target: str) -> tuple[str, str]:
    module = _module(name, target)
    if not module.is_file():
        return name, "no module"
    done = subprocess.run([sys.executable, "-m", "derive", "compare", name, "--code",
                           f"{module}:{function_name(name)}"], capture_output=True, text=True,
                          env={**os.environ, "JAX_ENABLE_X64": "1"})  # float64 data stays float64 in JAX
    first = (done.stdout or done.stderr or "?").splitlines()[0]
    found = re.search(r"(?<![\w.+-])(\d[\d.e+]*|inf) ulp", first)  # "<= 7 ulp", "disagrees: 8.7e+18 ulp"
    return name, found.group(1) if found else first[-100:]


def _compare_here(name: str, target: str) -> tuple[str, str]:
    """As _compare, in this process (the frameworks are imported once: TensorFlow takes seconds per start)."""
    from derive.compare_code import compare_code

    module = _module(name, target)
    if not module.is_file():
        return name, "no module"
    try:
        worst = compare_code(name, f"{module}:{function_name(name)}", tol=GOAL).worst.ulp
    except Exception as err:  # noqa: BLE001  (reported in the table, as the CLI's message would be)
        return name, f"{type(err).__name__}: {err}"[:100]
    return name, "inf" if worst == float("inf") else str(int(worst)) if worst == int(worst) else f"{worst:.2g}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--target", default="numpy", choices=("numpy", "torch", "jax", "tensorflow"))
    parser.add_argument("--in-process", action="store_true", help="compare in this process (one job), not in "
                        "a `derive compare` process per derivation")
    parser.add_argument("only", nargs="*", help="keep derivations whose name contains one of these")
    args = parser.parse_args()
    names = [n for n in coverage.derivations() if not any(v in n for v in VECTOR)]
    if args.only:
        names = [n for n in names if any(o in n for o in args.only)]
    within = 0
    if args.in_process:
        os.environ["JAX_ENABLE_X64"] = "1"
    compare = _compare_here if args.in_process else _compare
    with ThreadPoolExecutor(1 if args.in_process else args.jobs) as pool:
        for name, ulp in pool.map(lambda n: compare(n, args.target), names):
            ok = ulp.isdigit() and int(ulp) <= GOAL  # (8.7e+18 is not)
            within += ok
            print(f"{name:55s} {ulp:>8s}{'' if ok else '   > ' + str(GOAL)}", flush=True)
    print(f"{args.target}: {within} of {len(names)} within {GOAL} ulp")
    return 0


if __name__ == "__main__":
    sys.exit(main())
