"""Readable steps for a terminal: SymPy's pretty printer, one block per step."""

from __future__ import annotations

import textwrap

from sympy import sstr

from derive import registry
from derive.render.maths import text


def show(name: str) -> str:
    derivation = registry.get(name)
    lines = [f"{derivation.name}: {derivation.title}", f"  {derivation.summary}", ""]
    for b in derivation.bindings:
        relation = f"~ {sstr(b.law)}" if b.law is not None else f"= {sstr(b.body)}"
        lines.append(f"  where {sstr(b.func(b.var))} {relation}")
    lines.append("")
    if derivation.lhs is not None:
        lines.append(f"{sstr(derivation.lhs)} =")
    for i, step in enumerate(derivation.steps, start=1):
        head = f"({i}) {step.rule}"
        if step.justification:
            head += f": {step.justification}"
        if step.lemmas:
            head += f" [uses {', '.join(step.lemmas)}]"
        lines.append(head)
        lines.append(textwrap.indent(text(step.expr), "    "))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
