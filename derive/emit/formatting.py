"""Format emitted Python with Ruff's formatter (Black's style; the version is pinned in pyproject, so output is
byte-identical across machines).

Ruff is a compiled binary: a call costs a process start (about 0.05 s) and then formats megabytes in a fraction of
a second, where Black took 20 s of a build's CPU. One module is formatted by one call (``format_python``); the
build emits its modules unformatted (``deferred``) and formats all of them in one call (``format_many``).
"""

from __future__ import annotations

import contextvars
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

#: the style: Black's defaults, spelled out so that no configuration file near the caller changes them
OPTIONS = ("--isolated", "--line-length", "88", "--target-version", "py310", "--quiet")

_DEFERRED = contextvars.ContextVar("derive_deferred_formatting", default=False)


class FormatError(RuntimeError):
    """Ruff could not format generated source (a bug in the emitter: the source is not valid Python)."""


def _ruff() -> str:
    from ruff.__main__ import find_ruff_bin

    return str(find_ruff_bin())


@contextmanager
def deferred():
    """Within it, ``format_python`` returns its source unchanged (the caller formats it later by ``format_many``)."""
    token = _DEFERRED.set(True)
    try:
        yield
    finally:
        _DEFERRED.reset(token)


def format_python(source: str) -> str:
    """``source`` formatted (unchanged inside ``deferred``)."""
    if _DEFERRED.get():
        return source
    done = subprocess.run([_ruff(), "format", *OPTIONS, "-"], input=source, capture_output=True, text=True)
    if done.returncode != 0:
        raise FormatError(f"ruff could not format the generated module: {_first_line(done.stderr)}")
    return done.stdout


def format_many(sources: list[str]) -> list[str]:
    """Each of ``sources`` formatted, by one call of Ruff on a temporary folder."""
    if not sources:
        return []
    with tempfile.TemporaryDirectory(prefix="derive-format-") as folder:
        paths = [Path(folder) / f"m{i}.py" for i in range(len(sources))]
        for path, source in zip(paths, sources):
            path.write_text(source, encoding="utf-8")
        done = subprocess.run([_ruff(), "format", *OPTIONS, folder], capture_output=True, text=True)
        if done.returncode != 0:
            raise FormatError(f"ruff could not format the generated modules: {_first_line(done.stderr)}")
        return [path.read_text(encoding="utf-8") for path in paths]


def _first_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[0] if lines else "no message"
