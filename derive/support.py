"""Where a cross-entropy or KL divergence is +∞: q puts mass where p has none (the supports do not nest), or an
expectation the walk needs diverges (a Pareto q without a mean). ``condition`` says when the supports nest,
``describe`` gives the reason in words, ``checker`` checks the step that states it, at random points on both
sides of the condition."""

from __future__ import annotations

from sympy import And, Not, limit, oo, sympify

from derive.prove import DerivationError

POINTS = 4  # random points checked on each side of a condition
DRAWS = 400  # random points drawn at most to find them


def _supports(q, p, point=None):
    """((q's ends), (p's ends)) as SymPy objects, at numeric parameters ``point`` if given."""
    return tuple(tuple(sympify(b).xreplace(point or {}) for b in d.support) for d in (q, p))


def condition(q, p):
    """When q's support lies inside p's: True, False, or a relation in the parameters (low1 >= 0)."""
    (qlo, qhi), (plo, phi) = _supports(q, p)
    return And(plo <= qlo, qhi <= phi)


def gap(q, p):
    """True when q's support never lies inside p's (the pair is +∞ at every parameter value)."""
    return condition(q, p) == False  # noqa: E712  (SymPy's false)


def _interval(lo, hi) -> str:
    return f"{'(' if lo == -oo else '['}{lo}, {hi}{')' if hi == oo else ']'}"


def describe(q, p) -> str:
    """Words for the gap: 'q puts mass on (-oo, 0], where p has none ...'."""
    (qlo, qhi), (plo, phi) = _supports(q, p)
    pieces = []
    if (qlo < plo) != False:  # noqa: E712
        pieces.append(_interval(qlo, plo))
    if (qhi > phi) != False:  # noqa: E712
        pieces.append(_interval(phi, qhi))
    return (f"q puts mass on {' and '.join(pieces)}, where p has none: there log p(z) = -oo on a set of positive "
            "q-probability, so the integral diverges to +oo")


def describe_condition(q, p, finite, moments) -> str:
    """The reason of the finiteness step of a pair that is finite only where ``finite`` holds."""
    nest = condition(q, p)
    parts = []
    if nest != True:  # noqa: E712
        parts.append(f"p(z) = 0 outside {_interval(*p.support)}: unless {nest}, q puts mass where p has none and "
                     "the integral is +oo; when it holds, q's support lies inside p's")
    if moments != True:  # noqa: E712
        parts.append(f"the integrand decays no faster than 1/z unless {moments} (q's moment diverges), so the "
                     "integral is +oo there")
    return "; ".join(parts) + f" (finite exactly when {finite})"


def _gap_point(q, p, point):
    """A point of q's support outside p's at numeric parameters, or None when they nest."""
    (qlo, qhi), (plo, phi) = _supports(q, p, point)
    discrete = getattr(q, "discrete", False)
    if qlo < plo:
        hi = min(qhi, plo)
        return hi - 1 if qlo == -oo or discrete else (qlo + hi) / 2
    if qhi > phi:
        lo = max(qlo, phi)
        return lo + 1 if qhi == oo or discrete else (lo + qhi) / 2
    return None


def _diverges(integrand, z, point) -> bool:
    """∫^∞ f dz = +∞ when f > 0 far out and z f(z) does not tend to 0."""
    f = integrand.xreplace(point)
    tail = limit(z * f, z, oo)
    return bool(tail == oo or (tail.is_positive and tail.is_finite is not False))


def checker(q, p, params, finite=False, integrand=None, z=None):
    """A step check of '+∞ (where ``finite`` fails)': at random points where the supports do not nest, q's density
    is positive at a point outside p's support; where they nest but ``finite`` fails, the integrand's tail does not
    decay faster than 1/z; where ``finite`` holds, the supports nest."""
    from derive.numeric import merge_domains, random_point, rng_for

    def check(label: str) -> str:
        rng = rng_for(label)
        domains = merge_domains(*(getattr(d, "domains", dict)() for d in (q, p)))
        seen = {"gap": 0, "tail": 0, "finite": 0}
        possible = {case: _possible(case, finite, q, p) for case in seen}
        for _ in range(DRAWS):
            point = random_point(params, rng, domains)
            w = _gap_point(q, p, point)
            holds = sympify(finite).xreplace(point) == True  # noqa: E712
            if holds:
                if w is not None:
                    raise DerivationError(f"{label}: finite where q's support leaves p's at {point}")
                seen["finite"] += 1
            elif w is not None:
                value = q.density(w).xreplace(point)
                if not value.is_positive:
                    raise DerivationError(f"{label}: q's density at z = {w} is {value}, not positive ({point})")
                seen["gap"] += 1
            elif seen["tail"] < POINTS:  # (a limit each: the cost of this check; more tails add nothing)
                if integrand is None or not _diverges(integrand, z, point):
                    raise DerivationError(f"{label}: +oo claimed at {point}, where the supports nest and the "
                                          "integral converges")
                seen["tail"] += 1
            if all(n >= POINTS for k, n in seen.items() if possible[k]):
                break
        missing = [k for k, n in seen.items() if possible[k] and n == 0]
        if missing:
            raise DerivationError(f"{label}: no random point reached the case(s) {', '.join(missing)}")
        done = ", ".join(f"{n} {k}" for k, n in seen.items() if n)
        return f"support and tails at random points ({done})"

    return check


def _possible(case: str, finite, q, p) -> bool:
    nest = condition(q, p)
    if case == "finite":
        return finite != False  # noqa: E712
    if case == "gap":
        return nest != True  # noqa: E712
    return And(nest, Not(finite)).simplify() != False  # noqa: E712

