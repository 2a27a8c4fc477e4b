"""`derive build` beside one brute-force sympy.integrate of the general-pair KL definition, in one run.

Goal: build / brute force <= 0.3; `derive --help` <= 0.25 s and without importing SymPy.
Run: python benchmarks/build_speed.py [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time


def timed(cmd) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - t0


BRUTE = """
from sympy import Integral, Symbol, exp, log, oo, pi, sqrt
z = Symbol("z", real=True)
m1, m2 = Symbol("mu1", real=True), Symbol("mu2", real=True)
s1, s2 = Symbol("sigma1", positive=True), Symbol("sigma2", positive=True)
q = exp(-(z - m1) ** 2 / (2 * s1**2)) / sqrt(2 * pi * s1**2)
p = exp(-(z - m2) ** 2 / (2 * s2**2)) / sqrt(2 * pi * s2**2)
Integral(q * log(q / p), (z, -oo, oo)).doit()
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeat):  # interleaved, so both see the same machine load
            build = timed([sys.executable, "-m", "derive", "build", "--out", f"{tmp}/out"])
            build_nopdf = timed([sys.executable, "-m", "derive", "build", "--no-pdf", "--out", f"{tmp}/out2"])
            brute = timed([sys.executable, "-c", BRUTE])
            helptime = timed([sys.executable, "-m", "derive", "--help"])
            rows.append((build, build_nopdf, brute, helptime))
    build, nopdf, brute, helptime = (statistics.median(c) for c in zip(*rows))
    print(f"{'measure':<44} {'seconds':>8}")
    print(f"{'derive build (with PDF when pdflatex exists)':<44} {build:>8.2f}")
    print(f"{'derive build --no-pdf':<44} {nopdf:>8.2f}")
    print(f"{'brute-force sympy.integrate, KL general pair':<44} {brute:>8.2f}")
    print(f"{'derive --help':<44} {helptime:>8.2f}")
    print(f"ratio build / brute force: {build / brute:.2f} (goal <= 0.3); --no-pdf: {nopdf / brute:.2f}")
    print(f"derive --help: {helptime:.2f} s (goal <= 0.25)")
    out = subprocess.run([sys.executable, "-X", "importtime", "-m", "derive", "--help"], capture_output=True,
                         text=True).stderr
    print("derive --help imports sympy:", any(line.split("|")[-1].strip().startswith("sympy")
                                             for line in out.splitlines()))


if __name__ == "__main__":
    main()
