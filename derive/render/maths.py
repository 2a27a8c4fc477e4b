"""SymPy printing of derivation steps, shared by the LaTeX, Markdown and terminal renderers."""

from __future__ import annotations

from sympy import pretty
from sympy.printing.conventions import split_super_sub
from sympy.printing.latex import LatexPrinter, translate

from derive.step import Derivation
from derive.symbols import LATEX_NAMES


class _Printer(LatexPrinter):
    """SymPy's LaTeX printer with bold vectors and matrices (``\\boldsymbol`` for Greek, ``\\mathbf`` for Latin
    letters) and ``\\det`` for determinants (SymPy prints |Σ|)."""

    def _print_MatrixSymbol(self, expr):
        base, sups, subs = split_super_sub(expr.name)
        name = translate(base)
        bold = (r"\boldsymbol{%s}" if name.startswith("\\") else r"\mathbf{%s}") % name
        return bold + "".join("_{%s}" % translate(s) for s in subs) + "".join("^{%s}" % translate(s) for s in sups)

    def _print_Determinant(self, expr):
        return r"\det\left(%s\right)" % self._print(expr.arg)


_PRINTER = _Printer({"order": "none", "symbol_names": LATEX_NAMES})


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


#: id(derivation) -> (derivation, its context): a derivation's LaTeX is printed once, and its standalone document,
#: its Markdown and its section of the article share it (the derivation is kept, so the id stays its own)
_CONTEXTS: dict[int, tuple[Derivation, dict]] = {}


def context(derivation: Derivation) -> dict:
    """The template variables of a derivation (printed once per derivation object; treat as read-only)."""
    kept = _CONTEXTS.get(id(derivation))
    if kept is None or kept[0] is not derivation:
        kept = _CONTEXTS[id(derivation)] = (derivation, _context(derivation))
    return kept[1]


def _context(derivation: Derivation) -> dict:
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
