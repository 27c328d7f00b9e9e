"""Shared pytest fixtures."""

import importlib
import os
from types import ModuleType

import pytest


@pytest.fixture(scope="session")
def torch_or_skip() -> ModuleType:
    """Return the ``torch`` module; skip when it is missing, or fail if CNNVIZ_REQUIRE_TORCH=1."""
    try:
        return importlib.import_module("torch")
    except ImportError as exc:
        message = f"PyTorch is not installed ({exc}); the oracle tests need it (pip install torch)"
        if os.environ.get("CNNVIZ_REQUIRE_TORCH") == "1":
            pytest.fail(f"CNNVIZ_REQUIRE_TORCH=1 but {message}")
        pytest.skip(message)
