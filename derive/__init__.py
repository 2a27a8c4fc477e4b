"""derive: information measures derived step by step from their integral definitions, every step checked.

The public API is imported lazily so that ``derive --help`` does not import SymPy.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_EXPORTS = {
    "get": "derive.registry",
    "names": "derive.registry",
    "check_steps": "derive.checking",
    "StepCheckError": "derive.checking",
    "verify": "derive.verify",
    "Derivation": "derive.step",
    "Step": "derive.step",
    "latex": "derive.render.documents",
    "markdown": "derive.render.documents",
    "emit_module": "derive.emit.code",
    "build": "derive.build",
    "check": "derive.build",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'derive' has no attribute {name!r}")
