"""derive audit from the command line: the seed blog post, exit codes, the JSON shape, one-line usage errors."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from derive.cli import main

SEED = Path(__file__).parents[2] / "shared" / "seeds" / "000_c265a739b58d0426.txt"
LETS = ["--let", "q = N(mu, sigma^2)", "--let", "p = N(0, 1)"]


def run(capsys, *argv):
    code = main(["audit", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def _line_after(text: str, heading: str) -> int:
    """The line of the first $$ block after ``heading`` (1-based)."""
    lines = text.splitlines()
    start = lines.index(heading)
    return next(i + 1 for i in range(start, len(lines)) if lines[i].startswith("$$"))


def test_seed(capsys):
    if not SEED.exists():
        pytest.skip(f"the seed is not at {SEED}")
    code, out, _ = run(capsys, SEED, *LETS, "--json")
    rows = json.loads(out)
    text = SEED.read_text(encoding="utf-8")
    assert code == 1
    assert [r["index"] for r in rows] == list(range(1, len(rows) + 1))
    entropy, cross = _line_after(text, "## Entropy"), _line_after(text, "## Cross Entropy")
    ce = [r for r in rows if r["line"] == cross]
    # the cross-entropy section: its first line (the entropy expansion, true) holds, its second is false
    assert [r["status"] for r in ce[:2]] == ["holds", "false"]
    assert [r["index"] for r in rows if r["status"] == "false"] == [ce[1]["index"]]
    # the counterexample's two values, recomputed here: the entropy of N(mu, sigma^2) and the seed's right side
    point = dict(re.findall(r"(mu|sigma) = (-?[\d.]+)", ce[1]["detail"]))
    mu, sigma = float(point["mu"]), float(point["sigma"])
    left, right = map(float, re.findall(r"side = (-?[\d.]+)", ce[1]["detail"]))
    assert left == pytest.approx(0.5 * math.log(2 * math.pi * sigma**2) + 0.5, rel=1e-9)
    assert right == pytest.approx(0.5 * math.log(2 * math.pi) + 0.5 * (mu**2 + sigma**2), rel=1e-9)
    # the entropy section holds throughout
    ent = [r for r in rows if r["line"] == entropy]
    assert len(ent) == 4 and all(r["status"] == "holds" for r in ent)
    # the KL lines: the definition block and the "Cross Entropy - Entropy" lines
    kl_lines = {i + 1 for i, line in enumerate(text.splitlines()) if line.startswith("$$") and "KL(q" in line}
    kl = [r for r in rows if r["line"] in kl_lines]
    assert len(kl) == 6 and all(r["status"] == "holds" for r in kl)
    # the D-dimensional sum: a warning that its summand does not depend on d
    (dsum,) = [r for r in rows if any("does not depend on d" in w for w in r.get("warnings", []))]
    assert "\\sum_{d=1}^D" in text.splitlines()[dsum["line"] - 1]


def test_seed_text_report(capsys):
    if not SEED.exists():
        pytest.skip(f"the seed is not at {SEED}")
    code, out, _ = run(capsys, SEED, *LETS)
    assert code == 1
    assert out.splitlines()[0].endswith("16 equalities: 15 holds, 1 false, 0 unparsed")
    assert re.search(r":\d+: #12 FALSE: \\int q\(z\)", out)


def test_exit_0_and_json_shape(tmp_path, capsys):
    f = tmp_path / "ok.tex"
    f.write_text("\\begin{equation}\n \\int q(z) dz = 1\n\\end{equation}\n"
                 "\\[ \\text{Entropy} = 2 \\]\n", encoding="utf-8")
    code, out, _ = run(capsys, f, *LETS, "--json")
    rows = json.loads(out)
    assert code == 0
    assert [set(r) for r in rows] == [{"line", "index", "status", "detail"}] * 2
    assert [(r["line"], r["index"], r["status"]) for r in rows] == [(2, 1, "holds"), (4, 2, "unparsed")]


def test_exit_1_on_false(tmp_path, capsys):
    f = tmp_path / "bad.md"
    f.write_text("$$\\int z^2 q(z) dz = \\mu^2$$\n", encoding="utf-8")
    code, out, _ = run(capsys, f, *LETS)
    assert code == 1 and "FALSE" in out and "left side" in out


@pytest.mark.parametrize(("argv", "message"), [
    (["missing.md"], "no such file"),
    (["{f}", "--let", "q = Foo(1)"], "unknown family 'Foo'"),
    (["{f}", "--let", "q = N(mu)"], "needs variance"),
    (["{f}", "--assume", "sigma >"], "bad --assume"),
])
def test_usage_errors(tmp_path, capsys, argv, message):
    f = tmp_path / "x.md"
    f.write_text("$$ a = a $$\n", encoding="utf-8")
    code, out, err = run(capsys, *(a.replace("{f}", str(f)) for a in argv))
    assert code == 2 and out == ""
    assert err.startswith("derive: error: ") and message in err and err.count("\n") == 1
