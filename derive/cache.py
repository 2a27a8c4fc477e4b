"""A content-addressed cache of the build's expensive jobs (code modules, coverage step checks).

A job's result is a pure function of derive's source (the package and its templates), the libraries that compute
it (SymPy, mpmath, Ruff, Jinja2; Python's minor version) and the job itself: the cache key is the SHA-256 of all
of them, so any change to any of them misses, and a hit is the result the same code computed before. Entries are
JSON files under ``$DERIVE_CACHE_DIR`` (default ``$XDG_CACHE_HOME/derive``, else ``~/.cache/derive``), one folder
per source fingerprint; starting a new fingerprint removes the older folders. ``DERIVE_CACHE_DIR=off`` (or
``derive build --no-cache``) turns it off. A cache that cannot be read or written is skipped, never an error.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from functools import lru_cache
from importlib import metadata
from pathlib import Path

ENV = "DERIVE_CACHE_DIR"
OFF = "off"
LIBRARIES = ("sympy", "mpmath", "ruff", "jinja2")


def directory() -> Path | None:
    """The cache folder, or None when caching is off."""
    value = os.environ.get(ENV)
    if value == OFF:
        return None
    if value:
        return Path(value)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "derive"


def disable() -> None:
    """Turn the cache off for this process and the workers it starts."""
    os.environ[ENV] = OFF


@lru_cache(maxsize=None)
def fingerprint() -> str:
    """SHA-256 of derive's source files and templates (paths and bytes), the libraries' versions and Python's."""
    from derive.render.environment import template_dir

    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for root in (package, template_dir()):
        for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    for name in LIBRARIES:
        digest.update(f"{name}=={metadata.version(name)}\0".encode())
    digest.update(f"python{sys.version_info[0]}.{sys.version_info[1]}".encode())
    return digest.hexdigest()


def _json(value):
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _path(job, root: Path | None) -> Path | None:
    if root is None:
        return None
    key = hashlib.sha256(_json(job).encode()).hexdigest()[:40]
    return Path(root) / fingerprint()[:32] / f"{key}.json"


def load(job, root: Path | None):
    """The result of ``job`` (a JSON-able description) cached under ``root`` (``directory()``; None: off), or
    None."""
    path = _path(job, root)
    if path is None:
        return None
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return entry.get("result") if entry.get("job") == json.loads(_json(job)) else None  # a collision misses


def store(job, result, root: Path | None) -> None:
    """Remember ``result`` (JSON-able) for ``job`` under ``root``; written atomically, skipped when it cannot be
    written."""
    from derive.fileio import OutputError, write_atomic

    path = _path(job, root)
    if path is None:
        return
    try:
        if not path.parent.is_dir():
            _prune(path.parent.parent)
        write_atomic(path, _json({"job": job, "result": result}).encode("utf-8"))
    except (OSError, OutputError):
        pass


def _prune(root: Path) -> None:
    """Remove the folders of other source fingerprints (results no build of this source can use)."""
    current = fingerprint()[:32]
    if root.is_dir():
        for folder in root.iterdir():
            if folder.is_dir() and folder.name != current and len(folder.name) == 32:
                shutil.rmtree(folder, ignore_errors=True)
