"""LaTeX and Markdown documents from templates: one derivation, or the whole corrected article."""

from __future__ import annotations

from derive import registry
from derive.render.environment import render
from derive.render.maths import context

ARTICLE_SECTIONS = (
    "entropy-normal",
    "cross-entropy-normal-std-normal",
    "kl-normal-std-normal",
    "kl-normal-std-normal-diag",
    "cross-entropy-normal-normal",
    "kl-normal-normal",
    "entropy-mvn",
    "cross-entropy-mvn-mvn",
    "kl-mvn-mvn",
    "kl-mvn-std-normal",
)


def latex(name: str, standalone: bool = False) -> str:
    ctx = context(registry.get(name))
    body = render("latex/derivation.tex.j2", d=ctx)
    return render("latex/standalone.tex.j2", title=ctx["title"], body=body) if standalone else body


def markdown(name: str) -> str:
    return render("markdown/derivation.md.j2", d=context(registry.get(name)))


def _chapters() -> list[tuple[str, list[str]]]:
    from derive.catalog_families import CHAPTERS, chapter, chapter_title

    registry.names()  # loads the catalog
    return [(chapter_title(f), chapter(f)) for f in CHAPTERS]


def lemma_names(names=None) -> list[str]:
    """The lemmas the derivations ``names`` rest on (through their steps, cited derivations and other lemmas), in
    registry order."""
    if names is None:
        names = [*ARTICLE_SECTIONS, *(n for _, chapter in _chapters() for n in chapter)]
    seen, todo = set(), list(names)
    while todo:
        d = registry.get(todo.pop())
        for cited in [*d.cites, *(lemma for step in d.steps for lemma in step.lemmas)]:
            if cited not in seen:
                seen.add(cited)
                todo.append(cited)
    return [n for n in registry.names("lemma") if n in seen]


def article() -> str:
    """The seed's article, corrected and extended: output/latex/kl-gaussians.tex."""
    sections = {n: render("latex/derivation.tex.j2", d=context(registry.get(n))) for n in ARTICLE_SECTIONS}
    families = [(title, [render("latex/derivation.tex.j2", d=context(registry.get(n))) for n in names])
                for title, names in _chapters()]
    lemmas = [render("latex/derivation.tex.j2", d=context(registry.get(n))) for n in lemma_names()]
    return render("latex/article.tex.j2", sections=sections, families=families, lemmas=lemmas)
