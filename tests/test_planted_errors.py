"""Wrong steps must be caught, with a message naming the derivation and the step."""

import dataclasses

import pytest
from sympy import Add, Integral, Mul, S, log, oo, pi

from derive import registry
from derive.checking import StepCheckError, check_steps
from derive.engine import P, Q
from derive.symbols import mu, sigma, z

HALF = S.Half


def plant(name, index, expr):
    """The derivation with step ``index`` (1-based) replaced by ``expr``."""
    d = registry.get(name)
    steps = list(d.steps)
    steps[index - 1] = dataclasses.replace(steps[index - 1], expr=expr)
    return dataclasses.replace(d, steps=tuple(steps))


ENTROPY_EXPANSION = Integral(
    Q(z) * (log(2 * pi * sigma**2) / 2 + (z - mu) ** 2 / (2 * sigma**2)), (z, -oo, oo)
)

CASES = [
    pytest.param(
        "cross-entropy-normal-std-normal", 1, -Integral(Q(z) * log(Q(z)), (z, -oo, oo)), 2,
        id="seed-cross-entropy-starts-from-entropy-integrand",
    ),
    pytest.param(
        "cross-entropy-normal-std-normal", 2, ENTROPY_EXPANSION, 2,
        id="seed-cross-entropy-line-expands-log-q",
    ),
    pytest.param(
        "kl-normal-std-normal", 4, -(1 + log(sigma**2) - mu**2 - sigma**2), 4,
        id="dropped-half",
    ),
    pytest.param(
        "kl-normal-std-normal", 4, Mul(HALF, Add(1, log(sigma**2), -(mu**2), -(sigma**2))), 4,
        id="flipped-sign",
    ),
    pytest.param(
        "cross-entropy-normal-std-normal", 4, log(2 * pi) / 2 + (mu**2 + mu**2) / 2, 4,
        id="mu-squared-for-sigma-squared",
    ),
    pytest.param(
        "entropy-normal", 4, log(2 * pi * sigma**2) / 2 + 1, 4,
        id="entropy-missing-half-of-variance-term",
    ),
    pytest.param(
        "kl-normal-normal", 2, -Integral(Q(z) * log(P(z)), (z, -oo, oo)), 2,
        id="kl-forgets-the-entropy-term",
    ),
]


@pytest.mark.parametrize("name, index, expr, failing_step", CASES)
def test_planted_wrong_step_is_caught(name, index, expr, failing_step):
    with pytest.raises(StepCheckError) as err:
        check_steps(plant(name, index, expr))
    message = str(err.value)
    assert message.startswith(f"{name}: step {failing_step} ")
    assert "gives" in message  # a counterexample point with both values


def test_wrong_diag_step_is_caught_at_instantiated_dimension():
    from sympy import Sum

    from derive.symbols import D, d, mu_ix, sigma_ix

    # the seed's D-dimensional formula: the index d dropped from mu and sigma
    seed = Mul(-HALF, Sum(1 + log(sigma**2) - mu**2 - sigma**2, (d, 1, D)), evaluate=False)
    bad = plant("kl-normal-std-normal-diag", 6, seed)
    with pytest.raises(StepCheckError, match=r"kl-normal-std-normal-diag: step 6 \(simplify\) at D = 1"):
        check_steps(bad)
    assert mu_ix and sigma_ix  # the correct form uses the indexed symbols


def test_unplanted_derivations_pass():
    # The fast ones; every derivation's full chain is checked in test_verify.py.
    for name in ("kl-normal-std-normal", "lemma-normal-log-density"):
        assert check_steps(registry.get(name))
