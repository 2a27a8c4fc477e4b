"""The Jinja2 environment: LaTeX-safe delimiters, StrictUndefined, templates found in a checkout or a wheel."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import jinja2

_HERE = Path(__file__).resolve().parent.parent


class TemplateError(RuntimeError):
    """A template is missing or uses a variable the renderer did not pass."""


def template_dir() -> Path:
    """``derive/templates`` inside an installed wheel, else ``templates/`` at the top of a checkout."""
    for candidate in (_HERE / "templates", _HERE.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise TemplateError(f"no templates directory next to {_HERE} (reinstall derive)")


_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
}


def tex_escape(text: str) -> str:
    """Escape prose for LaTeX (maths never goes through here: it comes from SymPy's LatexPrinter)."""
    return "".join(_LATEX_SPECIALS.get(ch, ch) for ch in str(text))


@lru_cache(maxsize=None)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_dir())),
        block_start_string="((*",
        block_end_string="*))",
        variable_start_string="(((",
        variable_end_string=")))",
        comment_start_string="((=",
        comment_end_string="=))",
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["tex"] = tex_escape
    env.tests["endingwith"] = str.endswith
    return env


def render(template: str, **context) -> str:
    """Render ``template`` (a path under templates/); a missing variable or template is a one-line error."""
    try:
        return environment().get_template(template).render(**context)
    except jinja2.UndefinedError as exc:
        raise TemplateError(f"template {template}: {exc.message} (the renderer must pass it)") from None
    except jinja2.TemplateNotFound:
        raise TemplateError(f"template {template} not found under {template_dir()}") from None
