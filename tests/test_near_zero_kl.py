"""The emitted KL of every self-pair of a declared family near p = q (KL -> 0) and at ordinary distances (relative
0.15 and 0.4), in ulp of the truth: the derived
closed form evaluated by SymPy at 50 digits from exactly the float64 inputs. The closed forms themselves cancel
there (torch.distributions' lose every digit at a relative difference of 1e-9: benchmarks/near_zero_kl.py); the
emitted code switches to the integral remainder of Taylor's theorem (derive.emit.near_diagonal)."""

from __future__ import annotations

import numpy as np
import pytest
from generated import function
from sympy import Float, Sum, exp, log

from derive import registry
from derive.catalog_families import MEMBERS, params_of
from derive.emit.near_diagonal import near_form

#: q's parameters (p is q with each parameter scaled by 1 + eps)
BASE = {
    "gamma": (2.5, 1.5), "beta": (2.0, 3.0), "gumbel": (0.3, 1.2), "lognormal": (-0.4, 0.8), "weibull": (1.3, 2.0),
    "inverse-gamma": (2.5, 1.5), "cauchy": (0.3, 1.2), "bernoulli": (0.3,), "geometric": (0.7,), "poisson": (3.0,),
    "continuous-bernoulli": (0.3,), "pareto": (1.5, 2.5), "uniform": (-0.2, 1.3),
    "laplace": (0.3, 1.2),
}
#: parameters that may only move one way for p's support to keep holding q's: -1 down, +1 up
SIDE = {"pareto": (-1, 0), "uniform": (-1, 1)}
#: every declared family within the issue's 8 ulp (the continuous Bernoulli through its variance at the natural
#: parameter, the beta along its straight path: they were 18 and 10 ulp); a family listed here may take more
ULP: dict[str, int] = {}


def _ulp(x, truth):
    return abs(x - truth) / np.spacing(abs(truth))


@pytest.mark.parametrize("family", sorted(BASE))
def test_near_zero_kl_is_within_8_ulp(family):
    name = f"kl-{family}-{family}"
    assert near_form(name) is not None
    closed = registry.get(name).closed_form
    params = params_of(MEMBERS[family]("1")) + params_of(MEMBERS[family]("2"))
    kl = function(name)
    rng = np.random.default_rng(11)
    for eps in (0.4, 0.15, 1e-2, 1e-4, 1e-7, 1e-10):  # ordinary distances too, where the closed form cancels less
        q = tuple(float(v) for v in BASE[family])
        sides = SIDE.get(family, (0,) * len(q))
        p = tuple(float(np.float64(v) + abs(v) * eps * (side or 1) * (rng.uniform(0, 1) if side else rng.uniform(-1, 1)))
                  for v, side in zip(q, sides))
        truth = float(closed.evalf(50, subs={s: Float(v, 60) for s, v in zip(params, q + p)}))
        got = float(kl(*q, *p))
        assert _ulp(got, truth) <= ULP.get(family, 8), f"{name} at eps {eps}: {got!r} vs {truth!r}"


def test_far_from_the_diagonal_the_closed_form_is_used():
    """Outside the window (p's parameter more than half of q's away) the value is the closed form's."""
    kl = function("kl-gamma-gamma")
    torch = pytest.importorskip("torch")
    from torch.distributions import Gamma, kl_divergence

    q, p = (2.5, 1.5), (0.5, 4.0)
    expected = float(kl_divergence(Gamma(*map(lambda v: torch.tensor(v, dtype=torch.float64), q)),
                                   Gamma(*map(lambda v: torch.tensor(v, dtype=torch.float64), p))))
    assert abs(float(kl(*q, *p)) - expected) <= 1e-12 * expected


def test_beta_near_form_within_8_ulp_at_any_concentration(tmp_path):
    """The beta's near form (the path straight in the parameters, ``near_diagonal._beta``), emitted from the source
    (not output/): p within the window (|log(p/q)| <= 1, relative differences down to 1e-9) at concentrations from
    0.05 to 1000, against mpmath at 50 digits. The derived Hessian along the log path it replaced was off by 1e3 to
    6e4 ulp at concentrations near 1000 and by 30 to 150 at ordinary ones; measured now: <= 5 ulp near KL = 0, 9 at
    a few ordinary distances at large concentrations (hence 10)."""
    import mpmath

    from generated import load

    kl = load("kl-beta-beta", directory=tmp_path).kl_beta_beta
    rng = np.random.default_rng(7)
    n = 40
    for lo, hi in ((0.05, 1), (1, 20), (50, 1000), (0.05, 1000)):
        q = np.exp(rng.uniform(np.log(lo), np.log(hi), (6 * n, 2)))
        steps = np.concatenate([rng.uniform(-0.999, 0.999, (n, 2))] +
                               [eps * rng.uniform(-1, 1, (n, 2)) for eps in (1e-3, 1e-5, 1e-7, 1e-9)] +
                               [np.full((n, 2), 1e-8)])  # a scaling of q: D = 0
        p = q * np.exp(steps)
        got = kl(q[:, 0], q[:, 1], p[:, 0], p[:, 1])
        with mpmath.workdps(50):
            def truth(a, b):
                a, b = [mpmath.mpf(float(v)) for v in a], [mpmath.mpf(float(v)) for v in b]
                value = sum(mpmath.loggamma(y) - mpmath.loggamma(x) + (x - y) * (mpmath.psi(0, x) - mpmath.psi(0, sum(a)))
                            for x, y in zip(a, b)) + mpmath.loggamma(sum(a)) - mpmath.loggamma(sum(b))
                return float(value)

            reference = np.array([truth(a, b) for a, b in zip(q, p)])
        worst = int(np.argmax(_ulp(got, reference)))
        assert _ulp(got, reference).max() <= 10, f"q {q[worst]}, p {p[worst]}: {got[worst]!r} vs {reference[worst]!r}"
        assert _ulp(got[n:], reference[n:]).max() <= 8, "near KL = 0"


def test_the_beta_near_form_is_checked_against_the_derived_cross_entropy(monkeypatch):
    """Its integrand, written by hand through the helpers, must be (1 - s) g''(s) of the derived cross-entropy:
    a wrong helper definition (the check reads the helpers by their definitions) is caught."""
    from sympy import polygamma

    from derive.emit import identity, near_diagonal
    from derive.emit.bregman import trigamma_excess_difference

    wrong = lambda x, y: polygamma(1, x) - polygamma(1, x + y)  # noqa: E731  (forgets the 1/x terms)
    monkeypatch.setitem(identity.DEFINITIONS, trigamma_excess_difference, wrong)
    near_diagonal.near_form.cache_clear()
    try:
        with pytest.raises(AssertionError, match="differs from the derived one"):
            near_diagonal.near_form("kl-beta-beta")
    finally:
        near_diagonal.near_form.cache_clear()


def _dirichlet_kl_reference(a, b):
    """KL(Dir(a) || Dir(b)) at 50 digits from exactly the float64 inputs."""
    import mpmath

    with mpmath.workdps(50):
        a, b = [mpmath.mpf(float(v)) for v in a], [mpmath.mpf(float(v)) for v in b]
        a0 = sum(a)
        value = mpmath.loggamma(a0) - mpmath.loggamma(sum(b)) + sum(
            mpmath.loggamma(y) - mpmath.loggamma(x) + (x - y) * (mpmath.psi(0, x) - mpmath.psi(0, a0)) for x, y in zip(a, b))
        return float(value)


#: K -> the bound of the test below: K >= 3 keeps the general form, 13 ulp at 4.7 vs 756 (one concentration much the
#: smaller, as was K = 2's cause: E(α_k, h_k) ≈ E(α_0, h_0) cancel)
DIRICHLET_ULP = {2: 8, 3: 16, 4: 16}


@pytest.mark.parametrize("k", sorted(DIRICHLET_ULP))
def test_dirichlet_kl_within_8_ulp_near_zero_and_at_ordinary_distances(tmp_path, k):
    """kl-dirichlet-dirichlet emitted from the source (not output/), against mpmath at 50 digits: concentrations
    0.05 to 1000, p = q e^u with |u| < 1 (ordinary distances) and relative differences down to 1e-9, and p a
    scaling of q. At K = 2 the Dirichlet is the beta, and the module uses the beta's near form (the path straight
    in the concentrations) there: the split into the means' KL and the log-gamma excess cancelled by a factor ~5
    where one concentration is much the smaller (25 ulp at 0.07 vs 0.9 and eps = 1e-3, 39 at other seeds), and the
    means' log ratio lost ~25 ulp near a scaling of q at concentrations near 1000. Measured now at K = 2: <= 5 ulp
    near KL = 0, <= 4 at ordinary distances here (10 at other seeds near concentrations of 1000); K = 3, 4
    unchanged (<= 13 and 7 here, see ``DIRICHLET_ULP``)."""
    from generated import load

    kl = load("kl-dirichlet-dirichlet", directory=tmp_path).kl_dirichlet_dirichlet
    rng = np.random.default_rng(1)
    n = 40
    for lo, hi in ((0.05, 1), (1, 20), (50, 1000), (0.05, 1000)):
        q = np.exp(rng.uniform(np.log(lo), np.log(hi), (7 * n, k)))
        steps = np.concatenate([rng.uniform(-0.999, 0.999, (n, k))] +
                               [eps * rng.uniform(-1, 1, (n, k)) for eps in (1e-1, 1e-3, 1e-5, 1e-7, 1e-9)] +
                               [np.full((n, k), 1e-8)])  # a scaling of q
        p = q * np.exp(steps)
        got = kl(q, p)
        reference = np.array([_dirichlet_kl_reference(a, b) for a, b in zip(q, p)])
        ulp = _ulp(got, reference)
        worst = int(np.argmax(ulp))
        # ordinary distances (the first n) at K = 2: the beta's near form reaches 10 ulp near concentrations of 1000
        # at some seeds (as in the beta's test)
        assert ulp.max() <= max(DIRICHLET_ULP[k], 10), f"K = {k}: q {q[worst]}, p {p[worst]}: {got[worst]!r} vs {reference[worst]!r}"
        assert ulp[n:].max() <= DIRICHLET_ULP[k], f"K = {k}, near KL = 0"


@pytest.mark.parametrize("target", ["torch", "jax", "tensorflow"])
def test_dirichlet_kl_pair_form_agrees_with_numpy_on_every_target(tmp_path, target):
    """K = 2 takes its own branch (the beta's near form within |log(p/q)| <= 1, y from Dekker's products): every
    target emits it, takes it on batches that broadcast, and agrees with NumPy inside and outside the window; K = 1
    and K = 3 still take the general form."""
    fw = pytest.importorskip(target)
    if target == "jax":
        fw.config.update("jax_enable_x64", True)
    from generated import load

    rng = np.random.default_rng(5)
    ours = load("kl-dirichlet-dirichlet", target, directory=tmp_path).kl_dirichlet_dirichlet
    numpy_kl = load("kl-dirichlet-dirichlet", directory=tmp_path).kl_dirichlet_dirichlet
    convert = {"torch": lambda x: fw.tensor(x), "jax": lambda x: x, "tensorflow": lambda x: fw.constant(x)}[target]
    for k in (1, 2, 3):
        q = np.exp(rng.uniform(np.log(0.05), np.log(1000), (4, 1, k)))
        p = q * np.exp(rng.uniform(-2, 2, (4, 3, k)))  # both sides of the window
        expected = numpy_kl(q, p)
        got = np.asarray(ours(convert(q), convert(p)))
        assert got.shape == (4, 3)
        assert np.max(np.abs(got - expected) / np.maximum(np.abs(expected), 1e-300)) < 1e-13, k


def test_binomials_of_one_total_count_are_within_8_ulp_near_kl_zero():
    """Binomial(n, p1) ‖ Binomial(n, p2) keeps two series that cancel where the total counts are equal: the module
    takes n × the Bernoulli KL's stable form there (it was off by 1e18 ulp, negative, near KL = 0)."""
    name = "kl-binomial-binomial"
    closed = registry.get(name).closed_form
    params = params_of(MEMBERS["binomial"]("1")) + params_of(MEMBERS["binomial"]("2"))
    kl = function(name)
    for n in (1.0, 7.0, 40.0):
        for eps in (0.3, 1e-3, 1e-7, 1e-11):
            q, p = (n, 0.37), (n, 0.37 * (1 + eps))
            truth = float(closed.evalf(50, subs={s: Float(v, 60) for s, v in zip(params, q + p)}))
            got = float(kl(*q, *p))
            assert _ulp(got, truth) <= 8, f"{name} at n = {n}, eps {eps}: {got!r} vs {truth!r}"


def test_binomials_of_other_total_counts_keep_their_series():
    """Where the total counts differ the series are summed (n1 < n2) or the KL is +inf (n1 > n2)."""
    name = "kl-binomial-binomial"
    closed = registry.get(name).closed_form
    params = params_of(MEMBERS["binomial"]("1")) + params_of(MEMBERS["binomial"]("2"))
    kl = function(name)
    q, p = (5.0, 0.3), (9.0, 0.45)
    truth = float(closed.subs(dict(zip(params, (5, Float(0.3, 60), 9, Float(0.45, 60))))).doit().evalf(50))
    assert float(kl(*q, *p)) == pytest.approx(truth, rel=1e-12)
    assert kl(9.0, 0.3, 5.0, 0.45) == np.inf


def test_a_wrong_positive_form_is_refused(monkeypatch):
    """The binomial KL as sums of positive terms (derive.emit.loader) is checked against the derived closed form
    before it is emitted: a wrong one (the tail P_p(z > n1) left out) is refused."""
    from derive.emit import code, loader

    right = loader.binomial_kl

    def without_tail(args):
        value, x, z = right(args)
        (near, *_) = sorted(value.atoms(Sum), key=lambda s: str(s.limits[0][2]) != "total_count1")
        return near, x, z

    monkeypatch.setattr(loader, "binomial_kl", without_tail)
    _, expr, args, _ = code.prepared("kl-binomial-binomial", "total_count_and_probs")
    with pytest.raises(AssertionError, match="differs from the derived one"):
        loader.positive_form.__wrapped__("kl-binomial-binomial", expr, args)  # not the memoised right one

def test_a_wrong_log_ratio_is_refused(monkeypatch):
    """x(z) = log p(z) - log q(z), computed in double-double by the binomial KL's module, is part of the positive form
    checked against the derived closed form: a body without the (n2 - n1) log(1 - p2) term is refused."""
    from derive.emit import code, loader

    def without_last_term(z, n1, p1, n2, p2):
        return right(z, n1, p1, n2, p2) - (n2 - n1) * log(1 - p2)

    right = loader.binomial_log_ratio.body
    monkeypatch.setattr(loader.binomial_log_ratio, "body", staticmethod(without_last_term))
    _, expr, args, _ = code.prepared("kl-binomial-binomial", "total_count_and_probs")
    with pytest.raises(AssertionError, match="differs from the derived one"):
        loader.positive_form.__wrapped__("kl-binomial-binomial", expr, args)


@pytest.mark.parametrize("name, family", [("entropy-poisson", "poisson_pmf"),
                                          ("cross-entropy-binomial-binomial", "binomial_pmf")])
def test_a_wrong_pmf_body_is_refused(monkeypatch, name, family):
    """The weights q(z) of the entropies and cross-entropies summed as positive terms are computed in double-double
    from a body (``loader.extended``), checked against e to the power of q's own log-pmf: a body whose log-factorial
    is of z + 1 is refused."""
    from derive.emit import code, loader

    cls = getattr(loader, family)
    right = cls.body

    def shifted(z, *params):
        return right(z, *params) * exp(loader.log_factorial(z) - loader.log_factorial(z + 1))

    monkeypatch.setattr(cls, "body", staticmethod(shifted))
    params = "rate" if family == "poisson_pmf" else "total_count_and_probs"
    _, expr, args, _ = code.prepared(name, params)
    with pytest.raises(AssertionError, match="double-double pmf .* differs"):
        loader.positive_form.__wrapped__(name, expr, args)
