"""Import emitted modules in tests: render with emit_module into a directory and import by path."""

import importlib.util
import itertools
from pathlib import Path

from derive.emit.code import emit_module, function_name

_counter = itertools.count()


def load(name: str, target: str = "numpy", param: str | None = None, directory: Path | None = None, grad=False):
    """The emitted module for derivation ``name`` (imported from a fresh file)."""
    import tempfile

    directory = Path(directory or tempfile.mkdtemp(prefix="derive-gen-"))
    path = directory / f"{function_name(name)}_{target}_{param}_{next(_counter)}.py"
    path.write_text(emit_module(name, target, param, grad=grad), encoding="utf-8")
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def function(name: str, target: str = "numpy", param: str | None = None, grad=False):
    return getattr(load(name, target, param, grad=grad), function_name(name))
