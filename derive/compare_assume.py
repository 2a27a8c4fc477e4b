"""The extra assumptions under which a formula equals a closed form it does not equal in general.

Candidates are *restrictions* of the parameters, each a substitution:

* a standard value: a real parameter = 0, a positive one = 1, one in (0, 1) = 1/2;
* equality of q's and p's parameter of the same name (sigma1 = sigma2: sigma2 -> sigma1);
* a sign or region, through a fresh positive symbol t: x > 0 (x -> t), x < 0 (x -> -t), for a positive x
  x > 1 (x -> 1 + t) and x < 1 (x -> 1/(1 + t)), and a > b (a -> b + t) between q's and p's parameter.

Sets of up to :data:`MOST` restrictions on disjoint parameters are tried, smallest first, and leave at least one free
symbol (agreeing at a single point is a coincidence, not an assumption). Each set is screened at
:data:`SCREEN` random points, and a survivor is confirmed symbolically (the substituted difference simplifies to 0)
or else numerically at :data:`CONFIRM` more points. The sets of the smallest size that survive are the answer.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from sympy import Dummy, Eq, Gt, Lt, Rational, S, false, pretty

from derive import numeric
from derive.compare import DIGITS, Evaluator, Target, same, symbolically_zero

MOST = 3  # restrictions at once
SCREEN = 3  # random points a candidate must pass before it is confirmed
CONFIRM = 12  # random points that confirm a candidate SymPy cannot settle
REPORT = 4  # alternatives reported at most


@dataclass(frozen=True)
class Restriction:
    relation: object  # a SymPy relation (Eq, Gt, Lt) for the report
    substitution: tuple  # (parameter, expression) pairs
    touched: frozenset  # the parameters it constrains

    @property
    def text(self) -> str:
        return pretty(self.relation, use_unicode=False)


@dataclass(frozen=True)
class Found:
    restrictions: tuple
    how: str

    @property
    def text(self) -> str:
        return " and ".join(r.text for r in self.restrictions)


def _stem(symbol) -> tuple[str, str]:
    """('sigma', '1') for sigma1; ('mu', '') for mu."""
    m = re.fullmatch(r"(.*?)(\d*)", str(symbol))
    return m.group(1), m.group(2)


def _kind(symbol, domains) -> object:
    interval = (domains or {}).get(symbol)
    return (symbol.is_positive, symbol.is_integer, symbol.is_real, tuple(interval) if interval else None)


def restrictions(tgt: Target) -> list[Restriction]:
    """Every single restriction of ``tgt``'s parameters, in a fixed order (values, equalities, regions)."""
    out, regions = [], []
    for x in tgt.params:
        interval = (tgt.domains or {}).get(x)
        if x.is_integer:
            continue
        if interval is not None:
            if tuple(interval) == (0, 1):
                out.append(Restriction(Eq(x, Rational(1, 2)), ((x, Rational(1, 2)),), frozenset({x})))
            continue
        t = Dummy(f"t_{x}", positive=True)
        if x.is_positive:
            out.append(Restriction(Eq(x, 1), ((x, S.One),), frozenset({x})))
            regions += [Restriction(Gt(x, 1), ((x, 1 + t),), frozenset({x})),
                        Restriction(Lt(x, 1), ((x, 1 / (1 + t)),), frozenset({x}))]
        elif x.is_real:
            out.append(Restriction(Eq(x, 0), ((x, S.Zero),), frozenset({x})))
            regions += [Restriction(Gt(x, 0), ((x, t),), frozenset({x})),
                        Restriction(Lt(x, 0), ((x, -t),), frozenset({x}))]
    for a, b in itertools.combinations(tgt.params, 2):
        (sa, ia), (sb, ib) = _stem(a), _stem(b)
        if sa != sb or ia == ib or _kind(a, tgt.domains) != _kind(b, tgt.domains) or a.is_integer:
            continue
        out.append(Restriction(Eq(a, b), ((b, a),), frozenset({a, b})))
        if (tgt.domains or {}).get(a) is None:
            t = Dummy(f"t_{a}_{b}", positive=True)
            regions += [Restriction(Gt(a, b), ((a, b + t),), frozenset({a, b})),
                        Restriction(Lt(a, b), ((b, a + t),), frozenset({a, b}))]
    return out + regions


def _candidates(atoms):
    """Sets of restrictions on disjoint parameters, by size, in a fixed order."""
    for size in range(1, MOST + 1):
        batch = [combo for combo in itertools.combinations(atoms, size)
                 if sum(len(r.touched) for r in combo) == len(frozenset().union(*(r.touched for r in combo)))]
        yield size, batch


class _Restricted:
    """``tgt`` under a set of restrictions: the substitution, the free symbols left, where to draw them."""

    def __init__(self, tgt: Target, combo):
        self.tgt = tgt
        self.sub = dict(pair for r in combo for pair in r.substitution)
        values = [S(v) for v in self.sub.values()]
        fresh = {s for v in values for s in v.free_symbols if s not in tgt.params}
        self.free = sorted((set(tgt.params) - set(self.sub)) | fresh, key=str)
        domains = {k: v for k, v in (tgt.domains or {}).items() if k != numeric.CONDITION and k not in self.sub}
        condition = (tgt.domains or {}).get(numeric.CONDITION)
        self.possible = True
        if condition is not None:
            condition = condition.xreplace(self.sub)
            self.possible = condition is not false
            domains[numeric.CONDITION] = condition
        self.domains = domains or None

    def points(self, rng, n):
        for _ in range(n):
            draw = numeric.random_point(self.free, rng, self.domains)
            yield {x: S(self.sub[x]).xreplace(draw) if x in self.sub else draw[x] for x in self.tgt.params}


def _agrees(formula, tgt, restricted, evaluate, rng, n) -> bool:
    try:
        return all(same(evaluate(tgt.value, p), evaluate(formula, p)) for p in restricted.points(rng, n))
    except ValueError:  # no point satisfies the (substituted) condition
        return False


def search(formula, tgt: Target) -> list[Found]:
    """The smallest sets of restrictions under which ``formula`` equals ``tgt``'s closed form (confirmed), at most
    REPORT of them; [] when none of up to MOST restrictions does."""
    evaluate = Evaluator(tgt.params)
    for size, batch in _candidates(restrictions(tgt)):
        found = []
        for combo in batch:
            restricted = _Restricted(tgt, combo)
            if not restricted.free or not restricted.possible:
                continue
            label = " and ".join(r.text for r in combo)
            rng = numeric.rng_for("compare-assume", tgt.name, label)
            if not _agrees(formula, tgt, restricted, evaluate, rng, SCREEN):
                continue
            how = _confirm(formula, tgt, restricted, evaluate, rng)
            if how:
                found.append(Found(combo, how))
            if len(found) == 2 * REPORT:
                break
        if found:
            return _widest(found)[:REPORT]
    return []


def _sides(combo) -> tuple:
    return tuple((r.relation.lhs, r.relation.rhs) for r in combo)


def _widest(found: list[Found]) -> list[Found]:
    """Drop a set that is another's with a region's boundary in place of the region (loc1 = loc2 beside
    loc1 > loc2): the region, whose closure holds the boundary, says more."""
    regions = {_sides(f.restrictions) for f in found if any(not isinstance(r.relation, Eq) for r in f.restrictions)}
    return [f for f in found if _sides(f.restrictions) not in regions
            or any(not isinstance(r.relation, Eq) for r in f.restrictions)]


def _confirm(formula, tgt, restricted, evaluate, rng) -> str | None:
    if symbolically_zero(formula.xreplace(restricted.sub), tgt.value.xreplace(restricted.sub)):
        return "shown symbolically after substituting"
    if _agrees(formula, tgt, restricted, evaluate, rng, CONFIRM):
        return f"shown numerically: agrees to {DIGITS} digits at {CONFIRM} random points there"
    return None
