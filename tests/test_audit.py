"""derive audit on written derivations: a table of correct ones and ones with a planted error, each with the
index of its first false equality; extraction; warnings; --let/--assume."""

from __future__ import annotations

import pytest

from derive.audit import check as check_module
from derive.audit.check import check
from derive.audit.densities import context
from derive.audit.errors import AuditError
from derive.audit.extract import extract

NN = ["q = N(mu1, sigma1^2)", "p = N(mu2, sigma2^2)"]

# the cross-entropy of two normals, step by step (each row correct)
CE_ROWS = [
    r"-\int q(z) \log p(z) \, dz",
    r"\int q(z) \left[ \frac{1}{2} \log(2\pi\sigma_2^2) + \frac{(z - \mu_2)^2}{2\sigma_2^2} \right] dz",
    r"\frac{1}{2} \log(2\pi\sigma_2^2) \int q(z) dz + \frac{1}{2\sigma_2^2} \int (z - \mu_2)^2 q(z) dz",
    r"\frac{1}{2} \log(2\pi\sigma_2^2) + \frac{\sigma_1^2 + (\mu_1 - \mu_2)^2}{2\sigma_2^2}",
]
KL_ROWS = [
    r"KL(q \parallel p)",
    r"\int q(z) \left[ \log q(z) - \log p(z) \right] dz",
    r"\log \frac{\sigma_2}{\sigma_1} + \frac{\sigma_1^2 + (\mu_1 - \mu_2)^2}{2 \sigma_2^2} - \frac{1}{2}",
]
ENTROPY_ROWS = [
    r"-\int q(z) \log q(z) dz",
    r"\frac{1}{2} \log(2\pi\sigma_1^2) \int q(z) dz + \frac{1}{2\sigma_1^2} \int (z - \mu_1)^2 q(z) dz",
    r"\frac{1}{2} \log(2\pi\sigma_1^2) + \frac{1}{2}",
    r"\frac{1}{2} \log(2\pi) + \log\sigma_1 + \frac{1}{2}",
]
GAMMA_ROWS = [
    r"-\int q(z) \log q(z) \, dz",
    r"-\int q(z) \left[ \alpha\log\lambda - \log\Gamma(\alpha) + (\alpha - 1)\log z - \lambda z \right] dz",
    r"-\alpha\log\lambda + \log\Gamma(\alpha) - (\alpha-1)(\psi(\alpha) - \log\lambda) + \lambda \frac{\alpha}{\lambda}",
    r"\alpha - \log\lambda + \log\Gamma(\alpha) + (1-\alpha)\psi(\alpha)",
]


def aligned(rows: list[str]) -> str:
    body = " \\\\\n  &= ".join(rows[1:])
    return f"Some prose.\n\n$$\\begin{{aligned}}\n  {rows[0]} &= {body}\n\\end{{aligned}}$$\n"


def planted(rows: list[str], i: int, new: str) -> list[str]:
    return rows[:i] + [new] + rows[i + 1:]


TABLE = [
    # (name, rows, lets, index of the first false equality or None)
    ("cross-entropy", CE_ROWS, NN, None),
    ("kl", KL_ROWS, NN, None),
    ("entropy", ENTROPY_ROWS, NN[:1], None),
    ("gamma entropy", GAMMA_ROWS, ["q = gamma(alpha, lambda)"], None),
    ("kl: dropped 1/2", planted(KL_ROWS, 2, r"\log \frac{\sigma_2}{\sigma_1} + \frac{\sigma_1^2 + (\mu_1 - \mu_2)^2}"
                                            r"{2 \sigma_2^2} - 1"), NN, 2),
    ("kl: flipped sign", planted(KL_ROWS, 2, r"\log \frac{\sigma_2}{\sigma_1} - \frac{\sigma_1^2 + (\mu_1 - \mu_2)^2}"
                                             r"{2 \sigma_2^2} - \frac{1}{2}"), NN, 2),
    ("kl: sigma1/sigma2 swapped", planted(KL_ROWS, 2, r"\log \frac{\sigma_1}{\sigma_2} + \frac{\sigma_1^2 + "
                                                      r"(\mu_1 - \mu_2)^2}{2 \sigma_2^2} - \frac{1}{2}"), NN, 2),
    ("ce: wrong moment", planted(CE_ROWS, 3, r"\frac{1}{2} \log(2\pi\sigma_2^2) + \frac{(\mu_1 - \mu_2)^2}"
                                             r"{2\sigma_2^2}"), NN, 3),
    ("ce: wrong log expansion", planted(CE_ROWS, 1, r"\int q(z) \left[ \frac{1}{2} \log(2\pi) + \log(\sigma_2^2) + "
                                                    r"\frac{(z - \mu_2)^2}{2\sigma_2^2} \right] dz"), NN, 1),
    ("entropy: dropped 1/2", planted(ENTROPY_ROWS, 1, r"\log(2\pi\sigma_1^2) \int q(z) dz + \frac{1}{2\sigma_1^2} "
                                                      r"\int (z - \mu_1)^2 q(z) dz"), NN[:1], 1),
    ("entropy: wrong log expansion", planted(ENTROPY_ROWS, 3, r"\frac{1}{2} \log(2\pi) + \frac{1}{2}\log\sigma_1 + "
                                                              r"\frac{1}{2}"), NN[:1], 3),
    ("gamma: flipped sign", planted(GAMMA_ROWS, 3, r"\alpha + \log\lambda + \log\Gamma(\alpha) + "
                                                   r"(1-\alpha)\psi(\alpha)"), ["q = gamma(alpha, lambda)"], 3),
]


def statuses(text: str, lets: list[str], assumptions=()) -> list:
    ctx = context(lets, list(assumptions))
    return [check(eq, ctx) for eq in extract(text)]


@pytest.mark.parametrize(("name", "rows", "lets", "first_false"), TABLE, ids=[t[0] for t in TABLE])
def test_first_false_equality(name, rows, lets, first_false):
    results = statuses(aligned(rows), lets)
    assert len(results) == len(rows) - 1
    got = [r.status for r in results]
    assert "unparsed" not in got, [r.detail for r in results]
    first = next((r.equality.index for r in results if r.status == "false"), None)
    assert first == first_false, got
    if first is not None:
        detail = results[first - 1].detail
        assert "left side = " in detail and "right side = " in detail


def test_numeric_path_agrees_with_lemmas(monkeypatch):
    """With the moment lemmas switched off every integral goes to quadrature: same verdicts."""
    monkeypatch.setattr(check_module, "_by_lemmas", lambda integral, members: None)
    results = statuses(aligned(planted(CE_ROWS, 3, r"\frac{1}{2} \log(2\pi\sigma_2^2) + \frac{(\mu_1 - \mu_2)^2}"
                                                   r"{2\sigma_2^2}")), NN)
    assert [r.status for r in results] == ["holds", "holds", "false"]
    assert results[1].detail.startswith("symbolically (linearity")
    assert results[2].detail.startswith("at ")


def test_numeric_holds_says_how():
    (r,) = statuses("$$\\frac{1}{2}\\log(e^{2}) = \\sqrt{1}$$", [])
    assert r.status == "holds" and r.detail.startswith("symbolically")
    (r,) = statuses("$$\\int_0^\\infty e^{-x} x^2 dx = \\Gamma(3)$$", [])
    assert r.status == "holds"


def test_unparsed_is_never_holds():
    results = statuses("$$\\text{Cross Entropy}(q, p) = \\frac12$$", NN)
    assert [r.status for r in results] == ["unparsed"]
    assert "prose" in results[0].detail


def test_undeclared_density_is_unparsed():
    (r,) = statuses("$$\\int r(z) dz = 1$$", NN)
    assert r.status == "unparsed"


def test_summand_warning_only_when_index_unused():
    text = ("$$ S = \\sum_{d=1}^D (1 + \\mu^2) $$\n"
            "$$ T = \\sum_{d=1}^D \\mu_d^2 $$\n")
    first, second = statuses(text, [])
    assert any("does not depend on d" in w for w in first.warnings)
    assert second.warnings == []


def test_assume_restricts_points():
    # |mu| = mu only for mu > 0: false without the assumption, holds with it
    text = "$$ |\\mu| = \\mu $$"
    assert statuses(text, [])[0].status == "false"
    assert statuses(text, [], ["mu > 0"])[0].status == "holds"
    assert statuses("$$ |a - b| = a - b $$", [], ["a > b"])[0].status == "holds"


def test_extract_lines_and_chains():
    text = "intro\n\n\\begin{align*}\n a &= b \\\\\n   &= c \\\\\n x &= \\sum_{d=1}^D y\n\\end{align*}\n"
    eqs = extract(text)
    assert [(e.index, e.line, e.lhs, e.rhs) for e in eqs] == [
        (1, 4, "a", "b"), (2, 5, "b", "c"), (3, 6, "x", "\\sum_{d=1}^D y")]


@pytest.mark.parametrize(("lets", "assumptions", "message"), [
    (["q = Foo(1)"], [], "unknown family 'Foo'"),
    (["q N(0, 1)"], [], "expected NAME = FAMILY(ARGS)"),
    (["q = N(0)"], [], "needs variance"),
    (["q = gamma(shape=1, rate=2)"], [], "no parameter 'shape'"),
    (["q = N(0, 1)", "q = N(1, 1)"], [], "already declared"),
    (["q = N(0, -1)"], [], "positive parameter"),
    ([], ["sigma >"], "bad --assume"),
    ([], ["sigma + 1"], "bad --assume"),
])
def test_bad_let_and_assume(lets, assumptions, message):
    with pytest.raises(AuditError) as info:
        context(lets, assumptions)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_let_keywords_and_domains():
    ctx = context(["q = gamma(concentration=a, rate=b)", "p = N(m, s^2)", "r = bernoulli(t)"], [])
    assert ctx.names["a"].is_positive and ctx.names["s"].is_positive and ctx.names["m"].is_real
    assert not ctx.names["m"].is_positive
    assert ctx.intervals[ctx.names["t"]] == (0, 1)
