"""In CI a package the ``[test]`` extra declares is required, never skipped."""

import pytest

from tests.packages import require


def test_a_missing_package_fails_in_ci_and_is_skipped_elsewhere(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(ModuleNotFoundError):
        require("memgan_bench_no_such_package")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        require("memgan_bench_no_such_package")
    assert require("yaml").safe_load("a: 1") == {"a": 1}
