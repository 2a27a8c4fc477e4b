"""LaTeX source -> a flat list of tokens, with the clean-up real documents need: spacing (``\\,``, ``\\quad``),
sizing (``\\left``, ``\\right``, ``\\big``), labels and tags dropped; ``\\text{}``/``\\mathrm{}``/``\\operatorname{}``
read as one word (``\\mathrm{d}`` as the differential marker, ``\\text{log}`` as ``\\log``); font commands
(``\\mathbf``, ``\\boldsymbol``, ``\\mathcal``) as their content; ``\\mathbb{E}`` as the expectation ``\\E``;
``\\|``, ``\\Vert``, ``||`` as ``\\parallel``."""

from __future__ import annotations

import re
from typing import NamedTuple

from derive.audit.errors import LatexError

_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|\d+\.\d+|\d+|[A-Za-z]|\S", re.DOTALL)

#: commands that only size or space things
DROPPED = frozenset(
    r"\left \right \middle \big \Big \bigg \Bigg \bigl \bigr \Bigl \Bigr \biggl \biggr \Biggl \Biggr \displaystyle "
    r"\textstyle \scriptstyle \limits \nolimits \quad \qquad \nonumber \notag \, \; \: \! \  \> \hfill".split()
    + ["\\ "]
)
#: commands whose argument is dropped with them
DROPPED_WITH_ARGUMENT = frozenset(r"\label \tag \hspace \vspace \phantom \color".split())
#: commands whose argument is one word
WORD = frozenset(r"\text \textrm \textit \textnormal \mathrm \mathit \mathsf \mathtt \operatorname \rm".split())
#: of those, the ones that hold prose: a word in them is a name only when the caller declared it
TEXT = frozenset(r"\text \textrm \textit \textnormal".split())
#: commands whose argument is read as if written without them
FONT = frozenset(r"\mathbf \boldsymbol \bm \vec \mathcal \mathscr \mathfrak \pmb \bar \hat \tilde".split())
#: words that name a command (``\mathrm{log}`` is ``\log``)
WORD_COMMANDS = {"log": r"\log", "ln": r"\ln", "exp": r"\exp", "E": r"\E"}
PARALLEL = frozenset({r"\|", r"\Vert", r"\parallel", r"\lVert", r"\rVert", r"\Arrowvert"})
SYNONYMS = {r"\lvert": "|", r"\rvert": "|", r"\vert": "|", r"\lbrace": r"\{", r"\rbrace": r"\}", r"\lbrack": "[",
            r"\rbrack": "]", r"\dfrac": r"\frac", r"\tfrac": r"\frac", r"\cfrac": r"\frac", r"\ast": "*",
            r"\varepsilon": r"\epsilon", r"\vartheta": r"\theta", r"\varphi": r"\phi", r"\varrho": r"\rho",
            r"\varsigma": r"\sigma", r"\operatorname*": r"\operatorname", r"\dots": r"\ldots", r"\cdots": r"\ldots"}


class Token(NamedTuple):
    """``kind`` is cmd (``\\log``), num, letter, char, word (``\\mathrm{KL}``), text (``\\text{KL}``), diff
    (``\\mathrm{d}``) or eof."""

    kind: str
    text: str
    column: int  # 1-based, in the source text


def _raw(text: str) -> list[Token]:
    out = []
    for m in _TOKEN.finditer(text):
        s = m.group()
        if s[0] == "\\" and len(s) > 1:
            kind = "cmd"
        elif s[0].isdigit():
            kind = "num"
        elif s.isalpha():
            kind = "letter"
        else:
            kind = "char"
        out.append(Token(kind, SYNONYMS.get(s, s), m.start() + 1))
    return out


def _group(raw: list[Token], i: int, text: str) -> tuple[list[Token], int]:
    """The tokens of the brace group starting at ``raw[i]`` (a single token when it is not ``{``), and the index
    after it."""
    if i >= len(raw):
        raise LatexError(f"'{text.strip()}': a command at the end expects an argument")
    if raw[i].text != "{":
        return [raw[i]], i + 1
    depth, j = 0, i
    while j < len(raw):
        depth += {"{": 1, "}": -1}.get(raw[j].text, 0)
        if depth == 0:
            return raw[i + 1:j], j + 1
        j += 1
    raise LatexError(f"unbalanced '{{' at column {raw[i].column} in '{text.strip()}'")


def _source(text: str, inner: list[Token]) -> str:
    """The source of ``inner`` (the tokens of one group), spaces collapsed: ``\\text{Cross Entropy}``'s words."""
    if not inner:
        return ""
    last = _TOKEN.match(text, inner[-1].column - 1)
    return " ".join(text[inner[0].column - 1:last.end()].split())


def tokenize(text: str) -> list[Token]:
    raw = _raw(text)
    out: list[Token] = []
    i = 0
    while i < len(raw):
        tok = raw[i]
        i += 1
        if tok.text in DROPPED:
            if tok.text in (r"\left", r"\right", r"\middle") or tok.text.startswith((r"\big", r"\Big")):
                if i < len(raw) and raw[i].text == ".":  # \right. is an empty delimiter
                    i += 1
            continue
        if tok.text == "~":
            continue
        if tok.text in DROPPED_WITH_ARGUMENT:
            _, i = _group(raw, i, text)
            continue
        if tok.text in WORD:
            inner, i = _group(raw, i, text)
            word = _source(text, inner)
            if word == "d":
                out.append(Token("diff", "d", tok.column))
            elif word in WORD_COMMANDS:
                out.append(Token("cmd", WORD_COMMANDS[word], tok.column))
            else:
                out.append(Token("text" if tok.text in TEXT else "word", word, tok.column))
            continue
        if tok.text == r"\mathbb":
            inner, i = _group(raw, i, text)
            word = "".join(t.text for t in inner)
            out.append(Token("cmd", r"\E", tok.column) if word == "E" else Token("word", word, tok.column))
            continue
        if tok.text in FONT:
            inner, i = _group(raw, i, text)
            out.extend(inner)
            continue
        if tok.text in PARALLEL:
            out.append(Token("cmd", r"\parallel", tok.column))
            continue
        if tok.text == "|" and i < len(raw) and raw[i].text == "|":
            out.append(Token("cmd", r"\parallel", tok.column))
            i += 1
            continue
        out.append(tok)
    return out
