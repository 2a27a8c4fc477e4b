"""The audit's one error class: bad input from the user (a file, --let, --assume, a LaTeX expression); exit 2."""

from __future__ import annotations


class AuditError(ValueError):
    """A refused input. The message is always a single line."""

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))


class LatexError(AuditError):
    """A LaTeX expression that the parser does not understand (the message names the token and its column)."""
