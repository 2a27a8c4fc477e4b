"""SymPy printing of derivation steps, shared by the LaTeX, Markdown and terminal renderers."""

from __future__ import annotations

from sympy import pretty
from sympy.printing.latex import LatexPrinter

from derive.step import Derivation
from derive.symbols import LATEX_NAMES

_PRINTER = LatexPrinter({"order": "none", "symbol_names": LATEX_NAMES})


def tex(expr) -> str:
    return _PRINTER.doprint(expr)


def text(expr) -> str:
    return pretty(expr, order="none", use_unicode=True)


def rows(derivation: Derivation) -> list[dict]:
    """One dict per step: number, LaTeX, rule, justification, cited lemmas."""
    return [
        {
            "number": i,
            "tex": tex(step.expr),
            "rule": step.rule,
            "justification": step.justification,
            "lemmas": list(step.lemmas),
        }
        for i, step in enumerate(derivation.steps, start=1)
    ]


def where(derivation: Derivation) -> list[dict]:
    """The densities behind q, p (``q(z) = N(mu, sigma^2)``), for display next to the chain."""
    out = []
    for b in derivation.bindings:
        call = b.func(b.var)
        out.append({"lhs": tex(call), "law": tex(b.law) if b.law is not None else "", "density": tex(b.body)})
    return out


def context(derivation: Derivation) -> dict:
    return {
        "name": derivation.name,
        "title": derivation.title,
        "summary": derivation.summary,
        "lhs": tex(derivation.lhs) if derivation.lhs is not None else "",
        "rows": rows(derivation),
        "where": where(derivation),
        "closed_form": tex(derivation.closed_form),
        "cites": list(derivation.cites),
    }
