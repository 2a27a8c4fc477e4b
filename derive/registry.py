"""Name -> derivation. Builders are registered once (a duplicate name is an error) and run lazily, cached."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Callable


class UnknownDerivation(LookupError):
    """No derivation of that name; the message lists the closest names."""


@dataclass(frozen=True)
class Entry:
    name: str
    summary: str
    builder: Callable
    kind: str  # "derivation" or "lemma"


_ENTRIES: dict[str, Entry] = {}
_BUILT: dict[str, object] = {}


def register(name: str, summary: str, kind: str = "derivation"):
    """Decorator: register ``builder`` under ``name``; registering a name twice raises."""

    def wrap(builder):
        if name in _ENTRIES:
            raise ValueError(f"derivation {name!r} is registered twice")
        _ENTRIES[name] = Entry(name, summary, builder, kind)
        return builder

    return wrap


def _load():
    import derive.catalog  # noqa: F401  (registers the built-in derivations)


def names(kind: str | None = None) -> list[str]:
    _load()
    return [n for n, e in _ENTRIES.items() if kind is None or e.kind == kind]


def entry(name: str) -> Entry:
    _load()
    if name not in _ENTRIES:
        close = difflib.get_close_matches(name, list(_ENTRIES), n=3, cutoff=0.4)
        hint = f"; did you mean {', '.join(close)}?" if close else f"; known: {', '.join(_ENTRIES)}"
        raise UnknownDerivation(f"unknown derivation {name!r}{hint} (see 'derive list')")
    return _ENTRIES[name]


def get(name: str):
    """The derivation called ``name`` (built on first use)."""
    e = entry(name)
    if name not in _BUILT:
        _BUILT[name] = e.builder()
    return _BUILT[name]
