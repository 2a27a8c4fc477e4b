"""`derive verify` passes for every derivation and lemma, by all three independent checks."""

import pytest

from derive import registry
from derive.verify import verify


@pytest.mark.slow
@pytest.mark.parametrize("name", registry.names())
def test_verify_passes(name):
    results = verify(registry.get(name))
    assert [r.check for r in results] == ["steps", "sympy.integrate", "mpmath"]
    failures = [f"{r.check}: {r.detail}" for r in results if not r.ok]
    assert not failures, failures


def test_verify_reports_a_wrong_closed_form():
    import dataclasses

    from sympy import S

    d = registry.get("lemma-normal-mean")
    wrong = dataclasses.replace(d.steps[-1], expr=d.steps[-1].expr + S.Half)
    bad = dataclasses.replace(d, steps=d.steps[:-1] + (wrong,))
    results = {r.check: r for r in verify(bad)}
    assert not results["steps"].ok
    assert not results["sympy.integrate"].ok
    assert not results["mpmath"].ok
    assert "lemma-normal-mean" in results["mpmath"].detail
