"""Import emitted modules in tests: render with emit_module into a directory and import by path."""

import importlib.util
import itertools
from pathlib import Path

from derive.emit.code import emit_module, function_name

_counter = itertools.count()


#: the committed modules (test_build checks that they are what emit_module writes now)
OUTPUT = Path(__file__).resolve().parent.parent / "output" / "code"


def load(name: str, target: str = "numpy", param: str | None = None, directory: Path | None = None, grad=False):
    """The emitted module for derivation ``name``: the committed one under output/code when the build keeps it
    (emitting every module again would double the suite's time), else emitted into a fresh file."""
    import tempfile

    from derive.emit import params

    committed = OUTPUT / target / (param or params.default(name)) / f"{function_name(name)}.py"
    if committed.is_file() and directory is None and not grad:
        path = committed
    else:
        directory = Path(directory or tempfile.mkdtemp(prefix="derive-gen-"))
        path = directory / f"{function_name(name)}_{target}_{param}_{next(_counter)}.py"
        path.write_text(emit_module(name, target, param, grad=grad), encoding="utf-8")
    spec = importlib.util.spec_from_file_location(f"{path.stem}_{target}_{next(_counter)}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def float64_array(target_name: str):
    """A converter of floats to the target's float64 arrays (skips the test when the framework is not installed)."""
    import numpy as np
    import pytest

    if target_name == "numpy":
        return lambda v: np.asarray(v, dtype=np.float64)
    fw = pytest.importorskip(target_name)
    if target_name == "jax":
        fw.config.update("jax_enable_x64", True)  # else float64 inputs are silently cut to float32
        return lambda v: fw.numpy.asarray(v, dtype=fw.numpy.float64)
    if target_name == "torch":
        return lambda v: fw.tensor(v, dtype=fw.float64)
    return lambda v: fw.constant(v, dtype=fw.float64)


def function(name: str, target: str = "numpy", param: str | None = None, grad=False):
    return getattr(load(name, target, param, grad=grad), function_name(name))


def is_formatted(source: str) -> bool:
    """Whether Ruff's formatter (Black's style, run as its own command with its defaults) leaves ``source`` as is."""
    import subprocess

    from ruff.__main__ import find_ruff_bin

    done = subprocess.run([str(find_ruff_bin()), "format", "--check", "--isolated", "-"], input=source, text=True,
                          capture_output=True)
    return done.returncode == 0
