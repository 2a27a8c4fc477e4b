"""``derive compare NAME --code FILE.py:FUNC``: does a Python function compute the derived closed form?

FUNC is called with the derivation's parameters as keyword arguments (``numpy.float64`` values) at
:data:`RANDOM_POINTS` random admissible points and, for a KL, at points near KL = 0: p's parameters at relative
distances :data:`NEAR` from q's (kl-F-F), or the parameters near the standard point where the KL is 0
(kl-normal-std-normal: mu near 0, sigma near 1). Its result (a Python or NumPy float, a 0-d array, a torch or JAX
tensor) is compared with the closed form evaluated by mpmath at :data:`REFERENCE_DPS` digits at exactly those
float64 inputs: the relative error, and the distance in float64 ulps from the correctly rounded reference (0 when
FUNC returns the correctly rounded value). It agrees when no point is more than ``tol`` ulp (default :data:`TOL`) off.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import struct
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import mpmath
from sympy import Rational

from derive import numeric
from derive.compare import CompareError, Evaluator, Target, show_number, target

TOL = 16  # ulp; the emitted code stays within 8 (README), a formula that cancels is off by 1e5 .. 1e18
RANDOM_POINTS = 24
NEAR = (1e-3, 1e-5, 1e-7, 1e-9)
NEAR_PER_DISTANCE = 3
REFERENCE_DPS = 50
RANDOM = "random admissible"


def load_function(spec: str):
    """(the function, 'FILE.py:FUNC') for ``FILE.py:FUNC``: the file imported by path (its folder on sys.path while
    it imports, for its own imports)."""
    path, sep, func = spec.rpartition(":")
    if not sep or not path or not func:
        raise CompareError(f"--code takes FILE.py:FUNC, e.g. examples/torch_kl.py:torch_kl_normal_normal, not {spec!r}")
    file = Path(path)
    if not file.is_file():
        raise CompareError(f"--code: no file {path!r}")
    module_name = f"derive_compare_{hashlib.sha256(str(file.resolve()).encode()).hexdigest()[:16]}"
    loader = importlib.util.spec_from_file_location(module_name, file)
    if loader is None:
        raise CompareError(f"--code: cannot import {path!r} (not a Python file?)")
    module = importlib.util.module_from_spec(loader)
    sys.path.insert(0, str(file.resolve().parent))
    try:
        loader.loader.exec_module(module)
    except (Exception, SystemExit) as err:
        raise CompareError(f"--code: importing {path} failed: {type(err).__name__}: {err}") from None
    finally:
        sys.path.remove(str(file.resolve().parent))
    function = getattr(module, func, None)
    if not callable(function):
        found = sorted(n for n, v in vars(module).items()
                       if inspect.isfunction(v) and not n.startswith("_") and v.__module__ == module_name)
        raise CompareError(f"--code: {path} has no function {func!r} (functions: {', '.join(found) or 'none'})")
    return function, f"{path}:{func}"


def _check_signature(function, label: str, tgt: Target) -> None:
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):  # a builtin without a signature: the call will tell
        return
    try:
        signature.bind(**{str(s): 0.0 for s in tgt.params})
    except TypeError as err:
        raise CompareError(f"--code: {label}{signature} cannot take the parameters of {tgt.name} by name "
                           f"({tgt.describe_params()}; see 'derive show {tgt.name}'): {err}") from None


def ordered(x: float) -> int:
    """The float64 ``x`` as an integer that counts ulps: consecutive doubles differ by 1, -0.0 = 0.0."""
    i = struct.unpack("<q", struct.pack("<d", x))[0]
    return i if i >= 0 else -(i & 0x7FFFFFFFFFFFFFFF)


def ulps(got: float, reference: float) -> float:
    """Distance in float64 ulps between two doubles (inf when either is nan, or one is infinite and they differ)."""
    if got != got or reference != reference:
        return float("inf")
    if got == reference:
        return 0
    if abs(got) == float("inf") or abs(reference) == float("inf"):
        return float("inf")
    return abs(ordered(got) - ordered(reference))


def rounded(value: mpmath.mpf) -> float:
    """``value`` correctly rounded to float64 (round to nearest; mpmath's float() truncates)."""
    return mpmath.libmp.to_float(value._mpf_, rnd=mpmath.libmp.round_nearest)


def as_float(value) -> tuple[float, str]:
    """(a scalar result as float, its type): Python/NumPy floats, 0-d and one-element arrays, torch/JAX tensors."""
    kind = str(getattr(value, "dtype", type(value).__name__))
    try:
        return float(value), kind
    except (TypeError, ValueError):
        import numpy

        array = numpy.asarray(value)
        if array.size != 1:
            raise TypeError(f"returned an array of shape {array.shape}, not a scalar") from None
        return float(array.reshape(())), kind


# -- points -------------------------------------------------------------------------------------------------------


def _admissible(point: dict, tgt: Target) -> bool:
    exact = {s: Rational(v) for s, v in point.items()}
    if any(s.is_positive and v <= 0 for s, v in exact.items()):
        return False
    for s, interval in (tgt.domains or {}).items():
        if s != numeric.CONDITION and s in exact and not interval[0] < exact[s] < interval[1]:
            return False
    condition = (tgt.domains or {}).get(numeric.CONDITION)
    return condition is None or bool(condition.xreplace(exact))


def _nudge(s, value: float, distance: float, u: float, tgt: Target) -> float:
    """``value`` moved by ``distance`` relative to its size (to its distance from 0 and 1 in (0, 1))."""
    if s.is_integer:
        return value
    interval = (tgt.domains or {}).get(s)
    if interval is not None and tuple(interval) == (0, 1):
        return value + distance * u * min(value, 1 - value)
    if s.is_positive:
        return value * (1 + distance * u)
    return value + distance * u * max(abs(value), 1.0)


def _pairs(tgt: Target):
    """[(q's symbol, p's symbol)] when the derivation is kl-F-F (parameters x1 .. and x2 .. of the same names)."""
    q = [s for s in tgt.params if str(s).endswith("1")]
    p = [s for s in tgt.params if str(s).endswith("2")]
    if len(q) + len(p) != len(tgt.params) or [str(s)[:-1] for s in q] != [str(s)[:-1] for s in p]:
        return None
    return list(zip(q, p))


def _zero_point(tgt: Target) -> dict | None:
    """The standard point (reals 0, positives 1) when the closed form is 0 there (p = q for kl-F-std-normal)."""
    if (tgt.domains or {}) or any(s.is_integer for s in tgt.params):
        return None
    point = {s: 1.0 if s.is_positive else 0.0 for s in tgt.params}
    value = Evaluator(tgt.params, REFERENCE_DPS)(tgt.value, point)
    return point if value == 0 else None


def points(tgt: Target, random_points: int = RANDOM_POINTS) -> list[tuple[str, dict]]:
    """(kind, point) pairs, float64 values: random admissible points, then near KL = 0 for a KL with a zero."""
    rng = numeric.rng_for("compare-code", tgt.name)
    out = []
    for _ in range(random_points):
        draw = numeric.random_point(tgt.params, rng, tgt.domains)
        out.append((RANDOM, {s: float(draw[s]) for s in tgt.params}))
    if not tgt.name.startswith("kl-"):
        return out
    pairs, zero = _pairs(tgt), None
    if pairs is None:
        zero = _zero_point(tgt)
        if zero is None:
            return out
    for distance in NEAR:
        made = 0
        for _ in range(50 * NEAR_PER_DISTANCE):
            if made == NEAR_PER_DISTANCE:
                break
            if pairs is not None:
                draw = numeric.random_point(tgt.params, rng, tgt.domains)
                point = {s: float(draw[s]) for s in tgt.params}
                for q, p in pairs:
                    point[p] = _nudge(p, point[q], distance, rng.choice((-1, 1)) * rng.uniform(0.5, 1), tgt)
            else:
                point = {s: _nudge(s, v, distance, rng.choice((-1, 1)) * rng.uniform(0.5, 1), tgt)
                         for s, v in zero.items()}
            if _admissible(point, tgt):
                out.append((f"near KL = 0, {distance:.0e}", point))
                made += 1
    return out


# -- comparison ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    kind: str
    point: dict  # symbol -> float64 input
    got: float | None  # FUNC's result (None: it raised)
    error: str  # why there is no result, else ""
    reference: object  # mpmath value of the closed form
    ulp: float
    relative: object  # mpmath relative error (inf when got is None or not finite)


@dataclass(frozen=True)
class CodeVerdict:
    name: str
    label: str
    params: tuple
    samples: tuple
    returned: tuple  # types of the results
    tol: float

    @property
    def worst(self) -> Sample:
        return max(self.samples, key=lambda s: (s.ulp, s.relative))

    @property
    def agrees(self) -> bool:
        return self.worst.ulp <= self.tol

    @property
    def exit_code(self) -> int:
        return 0 if self.agrees else 1


def _sample(function, kind, point, reference, tgt) -> tuple[Sample, str]:
    import numpy

    kwargs = {str(s): numpy.float64(v) for s, v in point.items()}
    try:
        with warnings.catch_warnings(), numpy.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            got, kind_of = as_float(function(**kwargs))
    except Exception as err:  # the user's function failed at this point: a disagreement, reported
        return Sample(kind, point, None, f"{type(err).__name__}: {err}", reference, float("inf"), mpmath.inf), ""
    ulp = ulps(got, rounded(reference)) if mpmath.isfinite(reference) else (0 if got == reference else float("inf"))
    with mpmath.workdps(REFERENCE_DPS):
        if ulp == 0:
            relative = mpmath.mpf(0)
        elif not mpmath.isfinite(reference) or got != got or abs(got) == float("inf"):
            relative = mpmath.inf
        else:
            relative = abs(mpmath.mpf(got) - reference) / abs(reference) if reference != 0 else mpmath.inf
    return Sample(kind, point, got, "", reference, ulp, relative), kind_of


def compare_code(name: str, spec: str, tol: float = TOL) -> CodeVerdict:
    """Call the function named by ``spec`` (FILE.py:FUNC) at the points and compare it with the closed form."""
    if not tol >= 0:
        raise CompareError(f"--tol takes a number of ulp >= 0, not {tol}")
    tgt = target(name)
    function, label = load_function(spec)
    _check_signature(function, label, tgt)
    evaluate = Evaluator(tgt.params, REFERENCE_DPS)
    samples, returned = [], set()
    for kind, point in points(tgt):
        reference = evaluate(tgt.value, point)
        if not isinstance(reference, mpmath.mpf):  # admissible points only: a failure here is ours, not FUNC's
            raise ValueError(f"{name}: the closed form is {reference} at {point}")
        sample, kind_of = _sample(function, kind, point, reference, tgt)
        samples.append(sample)
        if kind_of:
            returned.add(kind_of)
    return CodeVerdict(name, label, tgt.params, tuple(samples), tuple(sorted(returned)), tol)


# -- report -------------------------------------------------------------------------------------------------------


def _ulp_text(ulp: float) -> str:
    if ulp == float("inf"):
        return "inf ulp"
    return f"{int(ulp)} ulp" if ulp < 1e6 else f"{ulp:.2g} ulp"


def _rel_text(relative) -> str:
    return "inf" if relative == mpmath.inf else f"{float(relative):.2g}"


def report_code(v: CodeVerdict) -> str:
    func = v.label.rpartition(":")[2]
    verdict = (f"agrees to <= {_ulp_text(v.worst.ulp)} (--tol {v.tol:g})" if v.agrees
               else f"disagrees: {_ulp_text(v.worst.ulp)} > --tol {v.tol:g}")
    kinds = list(dict.fromkeys(s.kind for s in v.samples))
    lines = [f"{v.name} vs {v.label}: {verdict}",
             f"  reference: the closed form by mpmath at {REFERENCE_DPS} digits at the float64 inputs, "
             "correctly rounded to float64",
             f"  returned: {', '.join(v.returned) or 'nothing (every call raised)'}",
             f"  {len(v.samples)} points; max relative error {_rel_text(max(s.relative for s in v.samples))}, "
             f"max {_ulp_text(v.worst.ulp)}"]
    width = max(map(len, kinds))
    for kind in kinds:
        group = [s for s in v.samples if s.kind == kind]
        lines.append(f"    {kind:<{width}}  {len(group):>3} points  max relative error "
                     f"{_rel_text(max(s.relative for s in group)):>8}  max {_ulp_text(max(s.ulp for s in group))}")
    w = v.worst
    got = w.error and f"raised {w.error}" or repr(w.got)
    with mpmath.workdps(REFERENCE_DPS):
        lines += [f"  worst point ({w.kind}): " + ", ".join(f"{s} = {w.point[s]!r}" for s in v.params),
                  f"    {func} = {got}",
                  f"    closed form = {show_number(w.reference, 20)} (float64: {rounded(w.reference)!r})"]
    return "\n".join(lines) + "\n"
