"""Find the chains of equalities in a .tex or .md file, with the line each equality is written on.

Display maths only: ``$$ … $$``, ``\\[ … \\]`` and the environments align, align*, aligned, equation, equation*,
gather, gather*, split, multline, eqnarray (Markdown code fences are skipped). A block's rows are split on ``\\\\``,
a row's sides on ``=`` outside braces, brackets and parentheses (``\\sum_{d=1}`` keeps its ``=``); ``&`` is
dropped. A row that starts with ``=`` continues the chain from the previous row's last side; a row that starts
with ``+``/``-`` continues that side itself (a long right-hand side broken over rows). A side that contains
another relation (``\\approx``, ``\\leq``, ``<``) ends the chain there: only equalities are checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ENVIRONMENTS = ("align", "aligned", "equation", "gather", "gathered", "split", "multline", "eqnarray", "alignat",
                "alignedat")
_ENV = "|".join(ENVIRONMENTS)
_BLOCK = re.compile(
    r"\$\$(?P<dollar>.+?)\$\$|\\\[(?P<bracket>.+?)\\\]"
    rf"|\\begin\{{(?P<env>(?:{_ENV})\*?)\}}(?P<body>.+?)\\end\{{(?P=env)\}}",
    re.DOTALL,
)
_ENV_MARK = re.compile(rf"\\(?:begin|end)\{{(?:{_ENV})\*?\}}(?:\{{\d+\}})?")
_FENCE = re.compile(r"^(```|~~~).*?^\1", re.DOTALL | re.MULTILINE)
_ROW = re.compile(r"\\\\(?:\[[^\]]*\])?")
OTHER_RELATIONS = re.compile(r"\\(?:approx|leq?|geq?|neq|ne|lt|gt|sim|propto|equiv|leqslant|geqslant|to|mapsto)"
                             r"(?![A-Za-z])|(?<!\\)[<>]")


@dataclass(frozen=True)
class Equality:
    """``lhs = rhs`` as written, on ``line`` (1-based) of the file; ``index`` counts equalities in file order."""

    index: int
    line: int
    lhs: str
    rhs: str

    @property
    def text(self) -> str:
        return f"{self.lhs} = {self.rhs}"


def _blank(match: re.Match) -> str:
    return re.sub(r"[^\n]", " ", match.group())


def _split_sides(row: str) -> list[tuple[str, int]]:
    """(side, offset in row) of the parts between top-level ``=``."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(row):
        if ch in "{[(":
            depth += 1
        elif ch in "}])":
            depth -= 1
        elif ch == "=" and depth <= 0 and (i == 0 or row[i - 1] != "\\"):
            parts.append((row[start:i], start))
            start = i + 1
    parts.append((row[start:], start))
    return parts


def _rows(body: str, offset: int) -> list[tuple[str, int]]:
    """(row, offset in the file) of a block's rows, environment markers removed."""
    body = _ENV_MARK.sub(lambda m: " " * len(m.group()), body)
    out, start = [], 0
    for m in _ROW.finditer(body):
        out.append((body[start:m.start()], offset + start))
        start = m.end()
    out.append((body[start:], offset + start))
    return out


_SPACING = re.compile(r"\\(?:quad|qquad|[,;:! ])|\\(?:hspace|phantom)\{[^}]*\}")


def _clean(side: str) -> str:
    """A side without alignment marks, leading spacing and trailing punctuation."""
    side = side.replace("&", " ").strip()
    while (m := _SPACING.match(side)) is not None:
        side = side[m.end():].lstrip()
    return side.rstrip(".,;").strip()


def extract(text: str) -> list[Equality]:
    """Every equality of every chain in ``text``, in file order."""
    text = _FENCE.sub(_blank, text)
    line_of = _line_index(text)
    found: list[Equality] = []
    for block in _BLOCK.finditer(text):
        name = next(k for k in ("dollar", "bracket", "body") if block.group(k) is not None)
        for line, lhs, rhs in _block(block.group(name), block.start(name)):
            lhs, rhs = OTHER_RELATIONS.split(lhs)[-1].strip(), OTHER_RELATIONS.split(rhs)[0].strip()
            if lhs and rhs:
                found.append(Equality(len(found) + 1, line_of(line), lhs, rhs))
    return found


def _block(body: str, offset: int) -> list[tuple[int, str, str]]:
    """(offset of the ``=``, left side, right side) of the equalities of one block, continued rows joined."""
    sides: list[str] = []
    pending: list[tuple[int, int, int]] = []  # (offset, index of the left side, index of the right side)
    last = None  # index in ``sides`` of the current chain's last side
    for row, at in _rows(body, offset):
        parts = _split_sides(row)
        first = _clean(parts[0][0])
        if len(parts) == 1:
            if last is not None and first[:1] in ("+", "-"):  # a side continued on this row
                sides[last] = f"{sides[last]} {first}"
            elif first:
                last = None
            continue
        if first or last is None:  # a new chain starts with this row's left-hand side
            sides.append(first)
            last = len(sides) - 1
        for side, pos in parts[1:]:
            sides.append(_clean(side))
            if sides[last] and sides[-1]:
                pending.append((at + pos - 1, last, len(sides) - 1))
            last = len(sides) - 1
    return [(at, sides[i], sides[j]) for at, i, j in pending]


def _line_index(text: str):
    starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line_of(offset: int) -> int:
        lo, hi = 0, len(starts)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            lo, hi = (mid, hi) if starts[mid] <= offset else (lo, mid)
        return lo + 1

    return line_of
