"""Optional packages a test needs: skipped where they are missing, except in CI (``CI=true``), where the
``[test]`` extra declares them and a missing one is an install failure."""

import importlib
import os

import pytest


def require(package: str):
    if os.environ.get("CI") == "true":
        return importlib.import_module(package)
    return pytest.importorskip(package)
