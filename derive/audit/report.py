"""The audit of a file, and its report: text for people, JSON (``--json``) for programs."""

from __future__ import annotations

import json
from pathlib import Path

from derive.audit.check import Result, check
from derive.audit.densities import context
from derive.audit.errors import AuditError
from derive.audit.extract import extract

STATUSES = ("holds", "false", "unparsed")


def audit(path: str | Path, lets: list[str] = (), assumptions: list[str] = ()) -> list[Result]:
    """Check every equality of every chain in the file at ``path``."""
    path = Path(path)
    ctx = context(list(lets), list(assumptions))  # a bad --let fails before the file is read
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AuditError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise AuditError(f"{path} is a directory; expected a .tex or .md file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise AuditError(f"cannot read {path}: {err}") from None
    return [check(eq, ctx) for eq in extract(text)]


def to_json(results: list[Result]) -> str:
    rows = []
    for r in results:
        row = {"line": r.equality.line, "index": r.equality.index, "status": r.status, "detail": r.detail}
        if r.warnings:
            row["warnings"] = r.warnings
        rows.append(row)
    return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"


def to_text(path: str | Path, results: list[Result]) -> str:
    counts = {s: sum(r.status == s for r in results) for s in STATUSES}
    head = f"{path}: {len(results)} equalities: " + ", ".join(f"{n} {s}" for s, n in counts.items())
    lines = [head]
    for r in results:
        eq = r.equality
        lines.append(f"{path}:{eq.line}: #{eq.index} {r.status.upper()}: {eq.text}")
        lines.append(f"    {r.detail}")
        lines.extend(f"    warning: {w}" for w in r.warnings)
    if not results:
        lines.append("no chains of equalities found ($$ ... $$, \\[ ... \\], align, aligned, equation)")
    return "\n".join(lines) + "\n"
