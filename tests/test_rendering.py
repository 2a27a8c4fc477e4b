"""LaTeX that really compiles, Markdown for GitHub, templates found from an installed wheel."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from derive.pdf import compile_pdf
from derive.render import documents
from derive.render.environment import TemplateError, render

from conftest import require_tool


@pytest.mark.latex
def test_article_compiles_with_pdflatex():
    require_tool("pdflatex")
    pdf = compile_pdf(documents.article(), "kl-gaussians")
    assert pdf.startswith(b"%PDF")
    require_tool("pdftotext")
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    for heading in ("Entropy", "Cross-entropy", "KL divergence", "dimensions", "Lemmas"):
        assert heading in text


@pytest.mark.latex
@pytest.mark.parametrize("name", ["kl-normal-std-normal-diag", "lemma-product-marginalisation"])
def test_standalone_documents_compile(name):
    require_tool("pdflatex")
    assert compile_pdf(documents.latex(name, standalone=True), name).startswith(b"%PDF")


def test_article_has_every_section_and_the_seed_corrections():
    tex = documents.article()
    chapters = [name for _, names in documents._chapters() for name in names]
    assert tex.count("\\begin{align*}") == len(documents.ARTICLE_SECTIONS) + len(chapters) + len(documents.lemma_names())
    for title, _ in documents._chapters():  # a section per family
        assert "\\section{%s}" % title in tex
    assert "silently switches" in tex and "drops the index" in tex
    # the D-dimensional closed form keeps the index d on mu and sigma
    assert "{\\mu}_{d}^{2}" in tex and "{\\sigma}_{d}^{2}" in tex


def test_latex_chain_has_justifications_and_lemmas():
    tex = documents.latex("entropy-normal")
    assert "\\intertext" in tex and "lemma-normal-variance" in tex
    assert "\\operatorname{H}\\left(q\\right) &=" in tex


def test_markdown_uses_display_maths():
    md = documents.markdown("kl-normal-std-normal")
    assert md.count("$$") == 2 and "\\begin{aligned}" in md and "`entropy-normal`" in md


def test_missing_template_variable_is_a_clear_error():
    with pytest.raises(TemplateError, match="'d' is undefined"):
        render("latex/derivation.tex.j2")


def test_templates_found_from_installed_wheel(tmp_path, repo):
    wheel_dir = tmp_path / "wheel"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(wheel_dir), repo], check=True, capture_output=True)
    (wheel,) = wheel_dir.glob("derive-*.whl")
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    assert (site / "derive" / "templates" / "latex" / "article.tex.j2").exists()
    work = tmp_path / "elsewhere"
    work.mkdir()
    code = ("import derive.render.environment as e, sys; print(e.template_dir()); "
            "from derive.render.documents import markdown; sys.stdout.write(markdown('entropy-normal'))")
    out = subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(site)!r}); {code}"],
                         cwd=work, capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[0] == str(site / "derive" / "templates")
    assert "$$" in out


def test_build_artefact_names(repo):
    """The names of the built files, read from the committed output/ (test_build checks that a fresh build
    equals it; building again here would take minutes)."""
    out = Path(repo) / "output"
    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert "latex/kl-gaussians.tex" in files
    assert "code/numpy/sigma/kl_normal_std_normal_diag.py" in files
    assert "code/torch/logvar/kl_normal_normal.py" in files
