"""Emitted kl_mvn_mvn (scale_tril) beside torch.distributions' MultivariateNormal KL: speed and accuracy at p ≈ q.

Speed: a batch of ``--n`` (10**4) pairs with k = ``--k`` (16), float32 and float64. The repetitions interleave
ours (torch), torch.distributions.kl_divergence on MultivariateNormal objects built beforehand from the same
scale_tril (construction not timed) and ours (NumPy), so all see the same machine load; each time is the median of
``--repeat`` runs after one warm-up call. Goal: torch ours / torch.distributions <= 1.0.

Accuracy: ``--points`` pairs with Σ2 = Σ1 (1 + 1e-4), μ2 = μ1 + 1e-6 (KL ~ 1e-8), relative error against the
textbook formula at 50 digits with mpmath matrices on the very inputs each side gets (max and median).

Run: python benchmarks/mvn.py [--n N] [--k K] [--repeat R] [--points P] [--threads T]
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import tempfile
import time
from pathlib import Path

import mpmath
import numpy

from derive.emit.code import emit_module


def load(target: str, tmp: Path):
    path = tmp / f"kl_mvn_mvn_{target}.py"
    path.write_text(emit_module("kl-mvn-mvn", target, "scale_tril"), encoding="utf-8")
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.kl_mvn_mvn


def random_tril(rng, n, k):
    off = numpy.tril(rng.normal(size=(n, k, k)), -1) / numpy.sqrt(k)
    return off + numpy.eye(k) * rng.uniform(0.5, 2.0, size=(n, k))[..., None]


def exact_kl(mu1, L1, mu2, L2):
    """Textbook KL at 50 digits from the given float factors (Σ = L Lᵀ formed exactly in mpmath)."""
    with mpmath.workdps(50):
        k = len(mu1)
        l1, l2 = (mpmath.matrix([[mpmath.mpf(float(x)) for x in row] for row in L]) for L in (L1, L2))
        s1, s2 = l1 * l1.T, l2 * l2.T
        d = mpmath.matrix([mpmath.mpf(float(b)) - mpmath.mpf(float(a)) for a, b in zip(mu1, mu2)])
        inv2 = s2**-1
        tr = sum((inv2 * s1)[i, i] for i in range(k))
        return (tr - k + (d.T * inv2 * d)[0] + mpmath.log(mpmath.det(s2) / mpmath.det(s1))) / 2


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10**4)
    ap.add_argument("--k", type=int, default=16)
    ap.add_argument("--repeat", type=int, default=21)
    ap.add_argument("--points", type=int, default=20)
    ap.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (default: torch's choice)")
    args = ap.parse_args()

    import torch
    from torch.distributions import MultivariateNormal, kl_divergence

    if args.threads:
        torch.set_num_threads(args.threads)
    tmp = Path(tempfile.mkdtemp(prefix="derive-bench-mvn-"))
    ours_torch, ours_numpy = load("torch", tmp), load("numpy", tmp)
    rng = numpy.random.default_rng(2026)
    n, k = args.n, args.k
    print(f"kl_mvn_mvn, scale_tril, batch {n}, k = {k}, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads, median of {args.repeat}")
    print(f"{'dtype':<8} {'ours torch':>11} {'torch.dist':>11} {'ours numpy':>11} {'torch ratio':>12} "
          f"{'numpy ratio':>12} {'rel diff':>9}")
    for dtype in ("float32", "float64"):
        L1, L2 = (random_tril(rng, n, k).astype(dtype) for _ in range(2))
        mu1, mu2 = (rng.normal(size=(n, k)).astype(dtype) for _ in range(2))
        t = [torch.from_numpy(a) for a in (mu1, L1, mu2, L2)]
        q = MultivariateNormal(t[0], scale_tril=t[1])
        p = MultivariateNormal(t[2], scale_tril=t[3])
        cases = {
            "ours torch": lambda: ours_torch(*t),
            "torch.dist": lambda: kl_divergence(q, p),
            "ours numpy": lambda: ours_numpy(mu1, L1, mu2, L2),
        }
        warm = {name: numpy.asarray(fn(), dtype=numpy.float64) for name, fn in cases.items()}
        times: dict[str, list[float]] = {name: [] for name in cases}
        with torch.no_grad():
            for _ in range(args.repeat):
                for name, fn in cases.items():
                    times[name].append(timed(fn))
        med = {name: statistics.median(v) for name, v in times.items()}
        diff = numpy.max(numpy.abs(warm["ours torch"] - warm["torch.dist"])) / numpy.max(numpy.abs(warm["torch.dist"]))
        print(f"{dtype:<8} {med['ours torch'] * 1e3:>9.2f}ms {med['torch.dist'] * 1e3:>9.2f}ms "
              f"{med['ours numpy'] * 1e3:>9.2f}ms {med['ours torch'] / med['torch.dist']:>11.2f}x "
              f"{med['ours numpy'] / med['torch.dist']:>11.2f}x {diff:>9.1e}")

    print()
    print(f"accuracy at p ~ q (Sigma2 = Sigma1 (1 + 1e-4), mu2 = mu1 + 1e-6, k = {k}, {args.points} points): "
          "relative error vs 50-digit mpmath")
    print(f"{'dtype':<8} {'ours torch max':>15} {'median':>9} {'torch.dist max':>15} {'median':>9}")
    for dtype in ("float32", "float64"):
        ours_err, theirs_err = [], []
        for _ in range(args.points):
            L = random_tril(rng, 1, k)[0]
            mu = rng.normal(size=k)
            mu1, L1, mu2, L2 = (a.astype(dtype) for a in (mu, L, mu + 1e-6, L * numpy.sqrt(1 + 1e-4)))
            ref = exact_kl(mu1, L1, mu2, L2)
            t = [torch.from_numpy(a) for a in (mu1, L1, mu2, L2)]
            ours = float(ours_torch(*t))
            theirs = float(kl_divergence(MultivariateNormal(t[0], scale_tril=t[1]),
                                          MultivariateNormal(t[2], scale_tril=t[3])))
            ours_err.append(float(abs(ours - ref) / ref))
            theirs_err.append(float(abs(theirs - ref) / ref))
        print(f"{dtype:<8} {max(ours_err):>15.1e} {statistics.median(ours_err):>9.1e} "
              f"{max(theirs_err):>15.1e} {statistics.median(theirs_err):>9.1e}")


if __name__ == "__main__":
    main()
