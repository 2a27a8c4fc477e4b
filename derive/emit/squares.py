"""A positive semi-definite quadratic form, spelt out as monomials, written as a sum of squares (``SquaresOpt``,
a step of the stable pass in ``derive.emit.stable``): the monomials of a wide form cancel each other, the squares
add."""

from __future__ import annotations

import itertools

from sympy import Add, Mul, Pow, S, Symbol
from sympy.codegen.rewriting import Optimization


class SquaresOpt(Optimization):
    """``R·Σ a_ij x_i x_j`` written out (``(h² + h·l + l²)/(6σ²) − (h + l)·μ/(2σ²) + μ²/(2σ²)``), a positive
    semi-definite form with constant a_ij and at least one cross term -> ``R·Σ d_k (ℓ_k·x)²`` with d_k > 0, by the
    LDLᵀ decomposition with the largest remaining diagonal as pivot (``((μ − (h + l)/2)²/2 + (h − l)²/24)/σ²``).
    The monomials of a wide form cancel each other (the uniform's against the normal lost 30 ulp); the squares
    add. A form that is not semi-definite is left as it is."""

    def __call__(self, expr):
        return expr.replace(lambda e: isinstance(e, Add), self._rewrite)

    @staticmethod
    def _split(term):
        """(c, R, monomial powers {x: k}) of a term: c its real constant, R what is neither that nor a positive
        integer power of a symbol."""
        powers, rest, coeff = {}, [], []
        for f in Mul.make_args(term):
            base, k = f.as_base_exp()
            if f.is_number:
                coeff.append(f)
            elif isinstance(base, Symbol) and k.is_Integer and k > 0:
                powers[base] = powers.get(base, 0) + int(k)
            else:
                rest.append(f)
        return Mul(*coeff), Mul(*rest), powers

    @classmethod
    def _rewrite(cls, add):
        groups: dict = {}
        for t in Add.make_args(add):
            coeff, rest, powers = cls._split(t)
            if sum(powers.values()) == 2 and coeff.is_real:
                groups.setdefault(rest, []).append((coeff, powers))
        out = add
        for rest, monomials in groups.items():
            if not any(len(p) == 2 for _, p in monomials):
                continue
            squares = _sum_of_squares(monomials)
            if squares is not None:
                written = Add(*(c * Mul(*(x**k for x, k in p.items())) * rest for c, p in monomials))
                out = out - written + rest * squares
        return out


def _sum_of_squares(monomials):
    """Σ d_k (ℓ_k·x)² (d_k > 0) equal to Σ c·x^p over ``monomials`` (coefficient, powers), or None when the form is
    not positive semi-definite. Of the pivot orders, the one whose linear forms are sparsest, then have the
    smallest coefficients, ``(μ − (h + l)/2)² / 2 + (h − l)²/24`` rather than ``(h + l/2 − 3μ/2)²/6 + (l − μ)²/8``."""
    xs = sorted({x for _, p in monomials for x in p}, key=lambda x: x.name)
    n = len(xs)
    a = [[S.Zero] * n for _ in range(n)]
    for c, p in monomials:
        (i, j) = [xs.index(x) for x in p for _ in range(p[x])]
        if i == j:
            a[i][i] += c
        else:
            a[i][j] += c / 2
            a[j][i] += c / 2
    found = [f for f in (_ldl(a, xs, order) for order in itertools.permutations(range(n))) if f is not None]
    if not found:
        return None
    def score(terms):
        coeffs = [c for _, form in terms for c in form.values()]
        return len(coeffs), float(sum(abs(c) for c in coeffs))
    best = min(found, key=score)
    return Add(*(d * Pow(Add(*(c * xs[j] for j, c in form.items())), 2, evaluate=False) for d, form in best))


def _ldl(a, xs, order):
    """The LDLᵀ decomposition of the form ``a`` pivoting in ``order``: [(d_k, {j: coefficient of x_j in ℓ_k})],
    or None where a pivot is negative, or 0 with its row not 0."""
    a = [row[:] for row in a]
    left, terms = list(order), []
    for k in order:
        d = a[k][k]
        if d.is_negative:
            return None
        if d == 0 or d.equals(0):
            if any(not a[k][j].equals(0) for j in left):
                return None
            left.remove(k)
            continue
        terms.append((d, {j: a[k][j] / d for j in sorted(left) if not a[k][j].equals(0)}))
        for i in left:
            for j in left:
                if i != k and j != k:
                    a[i][j] -= a[i][k] * a[k][j] / d
        left.remove(k)
    return terms
