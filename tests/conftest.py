import os
import shutil

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="session")
def repo():
    return REPO


def require_tool(name: str) -> None:
    """Skip when a tool is missing locally; in CI (CI=true) a missing tool is a failure, not a skip."""
    if shutil.which(name) is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is required in CI (.ci/run installs it)")
        pytest.skip(f"{name} not installed")
