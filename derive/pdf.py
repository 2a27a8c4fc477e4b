"""Compile LaTeX to PDF (and a PNG preview) reproducibly, when pdflatex / pdftoppm exist."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path


class LatexError(RuntimeError):
    """pdflatex failed; the message carries the first error line of its log."""


def have_pdflatex() -> bool:
    return shutil.which("pdflatex") is not None


def have_pdftoppm() -> bool:
    return shutil.which("pdftoppm") is not None


def _env():
    env = dict(os.environ)
    env.update(SOURCE_DATE_EPOCH="0", FORCE_SOURCE_DATE="1", TZ="UTC", LC_ALL="C")
    return env


def compile_pdf(tex: str, name: str = "document") -> bytes:
    """pdflatex ``tex`` in a scratch directory; returns the PDF bytes (byte-identical across runs)."""
    with tempfile.TemporaryDirectory(prefix="derive-tex-") as tmp:
        src = Path(tmp) / f"{name}.tex"
        src.write_text(tex, encoding="utf-8")
        cmd = ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", src.name]
        proc = subprocess.run(cmd, cwd=tmp, env=_env(), capture_output=True, text=True, errors="replace")
        pdf = Path(tmp) / f"{name}.pdf"
        if proc.returncode != 0 or not pdf.exists():
            errors = [line for line in proc.stdout.splitlines() if line.startswith("!")]
            raise LatexError(f"pdflatex failed on {name}.tex: {errors[0] if errors else 'see its log'}")
        return pdf.read_bytes()


def png_preview(pdf: bytes, page: int = 1, dpi: int = 100) -> bytes:
    """The given page of a PDF as PNG (pdftoppm)."""
    with tempfile.TemporaryDirectory(prefix="derive-png-") as tmp:
        src = Path(tmp) / "in.pdf"
        src.write_bytes(pdf)
        cmd = ["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile", "in.pdf", "out"]
        subprocess.run(cmd, cwd=tmp, env=_env(), check=True, capture_output=True)
        return (Path(tmp) / "out.png").read_bytes()
