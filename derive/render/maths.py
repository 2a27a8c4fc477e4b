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
