"""Registries: a plug-in module that fails to import is reported as itself, at every lookup; discovery
skips what it is told to; every registry lives in memgan_bench.registry; every module of methods/ outside
common/ registers a method; executors register without their optional packages."""

import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

from memgan_bench.errors import UserError
from memgan_bench.registry import Registry


def test_a_broken_module_is_named_with_its_cause_at_every_lookup(tmp_path, monkeypatch):
    package = tmp_path / "toy_plugins"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "good.py").write_text("from tests.test_registry import TOY\nTOY.register('good')(object)\n")
    (package / "zbroken.py").write_text("import numpy\nraise RuntimeError('bad constant in line 2')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(sys.modules, "tests.test_registry", sys.modules[__name__])
    for name in ("toy_plugins", "toy_plugins.good", "toy_plugins.zbroken"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    expected = "toy module toy_plugins.zbroken failed to import: RuntimeError: bad constant in line 2"
    for _ in range(2):  # not "unknown toy 'good'" the second time
        with pytest.raises(UserError) as err:
            TOY.get("good")
        assert str(err.value) == expected


TOY = Registry("toy", ("toy_plugins",))
ROOT = Path(__file__).resolve().parents[1]


def test_discovery_skips_the_modules_named_in_skip(tmp_path, monkeypatch):
    package = tmp_path / "toy_skipping"
    (package / "common").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "common" / "__init__.py").write_text("raise RuntimeError('discovery imported a skipped module')\n")
    (package / "good.py").write_text("from tests.test_registry import SKIPPING\nSKIPPING.register('good')(object)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(sys.modules, "tests.test_registry", sys.modules[__name__])
    assert SKIPPING.names() == ["good"]
    assert "toy_skipping.common" not in sys.modules


SKIPPING = Registry("toy", ("toy_skipping",), skip=("toy_skipping.common",))


def test_every_registry_is_declared_in_the_registry_module():
    sources = [path for package in ("memgan_bench", "methods", "scenarios", "reports")
               for path in (ROOT / package).rglob("*.py") if path != ROOT / "memgan_bench" / "registry.py"]
    assert [str(path.relative_to(ROOT)) for path in sources if "Registry(" in path.read_text()] == []


def test_every_module_of_methods_outside_common_registers_a_method():
    from memgan_bench.registry import METHODS

    registered = {METHODS.get(name).__module__.split(".")[1] for name in METHODS.names()}
    modules = {info.name for info in pkgutil.iter_modules([str(ROOT / "methods")])} - {"common"}
    assert modules <= registered, modules - registered


def test_executors_register_without_importing_their_optional_packages():
    code = ("import sys; sys.modules['ray'] = sys.modules['submitit'] = None\n"
            "from memgan_bench.registry import EXECUTORS; print(EXECUTORS.names())")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.stdout.strip() == "['local', 'ray', 'slurm']", result.stderr
