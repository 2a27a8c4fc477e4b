"""Three independent checks of each derivation's closed form.

1. ``steps`` — the step chain (each step equals the previous one; see ``derive.checking``).
2. ``sympy.integrate`` — SymPy integrates the defining integral directly; the result must equal the closed form
   (symbolically, or to 30 digits at random points when SymPy's form resists simplification).
3. ``mpmath`` — tanh-sinh / Gauss-Hermite quadrature of the definition against the closed form at random points,
   plus scipy.stats' value where it has one.
Derivations over a symbolic dimension (D, or k for the multivariate normals) are instantiated at 1, 2 (and 3
for the numeric check).
"""

from __future__ import annotations

import signal
import threading
import time
from dataclasses import dataclass

from sympy import Integral

from derive.checking import DIMENSIONS, bind, check_steps, compare
from derive.prove import DerivationError
from derive.step import Derivation


@dataclass(frozen=True)
class CheckResult:
    derivation: str
    check: str
    ok: bool
    detail: str
    seconds: float
    settled: bool = True  # False: the check could not decide (SymPy timed out or left an integral); not a failure

    @property
    def status(self) -> str:
        return "FAIL" if not self.ok else ("pass" if self.settled else "n/a")


def _instances(derivation: Derivation, dims):
    """(label, dimension, definition, closed form, hints) for each concrete instance of the derivation."""
    if derivation.dimension is None:
        hints = derivation.hints(None) if derivation.hints else {}
        return [("", None, bind(derivation.definition, derivation), bind(derivation.closed_form, derivation), hints)]
    return [
        (f" at {derivation.dimension} = {n}", n, derivation.instantiate(derivation.definition, n),
         derivation.instantiate(derivation.closed_form, n), derivation.hints(n))
        for n in dims
    ]


def check_chain(derivation: Derivation) -> str:
    checks = check_steps(derivation)
    kinds = sorted({c.method.split(" at ")[0].split(";")[-1].strip() for c in checks})
    return f"{len(checks)} steps ({'; '.join(kinds)})"


class NotSettled(Exception):
    """SymPy could not settle the check (no answer within the time limit); neither a pass nor a failure."""


#: seconds ``sympy.integrate`` gets per definition before the check is reported as not settled (and between the
#: alarms after the first)
SYMPY_SECONDS = 30
REPEAT = 5


def _within(seconds: float, fn):
    """``fn()``, or NotSettled when it runs longer than ``seconds`` (SIGALRM; no limit where it is unavailable)."""
    if not hasattr(signal, "SIGALRM") or threading.current_thread() is not threading.main_thread():
        return fn()

    running = [True]

    def expired(signum, frame):
        if running[0]:
            raise NotSettled(f"sympy.integrate gave no answer within {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expired)
    # delivered even where a library left SIGALRM blocked in this thread, and again every REPEAT seconds should
    # SymPy swallow the first NotSettled (sympy.integrate of the Weibull's entropy once ran past 10 minutes in CI)
    blocked = signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGALRM}) if hasattr(signal, "pthread_sigmask") \
        else None
    signal.setitimer(signal.ITIMER_REAL, seconds, REPEAT)
    try:
        return fn()
    finally:
        running[0] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if blocked is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def check_sympy(derivation: Derivation) -> str:
    if derivation.closed_form.is_infinite:
        raise NotSettled("the closed form is +oo (the supports do not nest); the step chain checks why")
    methods = []
    for label, n, definition, closed, hints in _instances(derivation, DIMENSIONS[:2]):
        try:
            direct = _within(SYMPY_SECONDS, lambda: derivation.integrate(definition, n) if derivation.integrate
                             else definition.doit())
        except DerivationError:
            raise
        except (TypeError, ValueError, ArithmeticError, NotImplementedError) as exc:  # SymPy fails inside integrate
            raise NotSettled(f"{derivation.name}{label}: sympy.integrate failed ({type(exc).__name__}: "
                             f"{' '.join(str(exc).split())[:80]}); the step chain and quadrature stand") from exc
        if direct.has(Integral):
            raise NotSettled(f"{derivation.name}{label}: sympy.integrate left an integral (SymPy cannot do it "
                             "directly; the step chain and quadrature stand)")
        try:
            methods.append(compare(direct, closed, hints, label=f"{derivation.name}{label}: sympy.integrate",
                                   names=("sympy.integrate", "the closed form"), domains=derivation.domains))
        except DerivationError:
            raise
        except (ValueError, TypeError) as exc:  # SymPy's answer is not a real number (γ + iπ for a Gumbel mean, nan)
            raise NotSettled(f"{derivation.name}{label}: sympy.integrate returned a value that is not a real number "
                             f"({exc}); quadrature decides") from exc
    substituted = derivation.integrate and derivation.definition.has(Integral)
    how = getattr(derivation.integrate, "label", "sympy.integrate after z = mu + L u") if substituted else \
        "sympy.integrate"
    return f"{how} = closed form (" + "; ".join(sorted(set(methods))) + ")"


def check_mpmath(derivation: Derivation) -> str:
    if derivation.closed_form.is_infinite:
        raise NotSettled("the closed form is +oo (the supports do not nest); the step chain checks why")
    methods = set()
    for label, _, definition, closed, hints in _instances(derivation, DIMENSIONS):
        methods.add(compare(definition, closed, hints, label=f"{derivation.name}{label}: numeric value of the definition",
                            names=("the definition", "the closed form"), domains=derivation.domains))
    return "definition = closed form (" + "; ".join(sorted(methods)) + ")" + _scipy_check(derivation)


def _scipy_check(derivation: Derivation) -> str:
    """Entropy of a normal / multivariate normal against scipy.stats (when scipy is installed)."""
    from derive import vector_scipy

    if derivation.name in vector_scipy.NAMES:
        return vector_scipy.check(derivation)
    if derivation.name not in ("entropy-normal", "entropy-mvn"):
        return ""
    try:
        from scipy import stats
    except ImportError:
        return ""
    if derivation.name == "entropy-mvn":
        return _scipy_check_mvn(derivation, stats)
    from derive.numeric import rng_for

    rng = rng_for(derivation.name, "scipy")
    mu, sigma = derivation.params
    for _ in range(4):
        m, s = rng.uniform(-2, 2), rng.uniform(0.3, 3)
        ours = float(derivation.closed_form.subs({mu: m, sigma: s}))
        theirs = float(stats.norm(m, s).entropy())
        if abs(ours - theirs) > 1e-12 * max(1.0, abs(theirs)):
            raise DerivationError(f"{derivation.name}: scipy.stats.norm({m}, {s}).entropy() = {theirs}, ours {ours}")
    return "; scipy.stats agrees to 1e-12"


CHECKS = (("steps", check_chain), ("sympy.integrate", check_sympy), ("mpmath", check_mpmath))


def verify(derivation: Derivation) -> list[CheckResult]:
    """Run the three checks; a failing check is reported, not raised."""
    out = []
    for label, fn in CHECKS:
        t0 = time.perf_counter()
        settled = True
        try:
            detail, ok = fn(derivation), True
        except DerivationError as exc:
            detail, ok = str(exc), False
        except NotSettled as exc:
            detail, ok, settled = str(exc), True, False
        out.append(CheckResult(derivation.name, label, ok, detail, time.perf_counter() - t0, settled))
    return out


def _scipy_check_mvn(derivation: Derivation, stats) -> str:
    """The closed form at k = 1, 2, 3 (Σ = L Lᵀ at a random L) against scipy.stats.multivariate_normal."""
    import numpy as np

    from derive.mvn import cholesky_factor
    from derive.numeric import parameters_of, random_point, rng_for

    rng = rng_for(derivation.name, "scipy")
    for n in DIMENSIONS:
        closed = derivation.instantiate(derivation.closed_form, n)
        factor = cholesky_factor(derivation.params[1].name, n)
        point = random_point(parameters_of(closed + sum(factor)), rng)  # off-diagonals cancel from det Σ
        chol = np.array(factor.xreplace(point).tolist(), dtype=float)
        ours = float(closed.xreplace(point))
        theirs = float(stats.multivariate_normal(np.zeros(n), chol @ chol.T).entropy())
        if abs(ours - theirs) > 1e-12 * max(1.0, abs(theirs)):
            raise DerivationError(f"{derivation.name}: scipy.stats.multivariate_normal entropy at k = {n} is {theirs}, "
                                  f"ours {ours}")
    return "; scipy.stats agrees to 1e-12"
