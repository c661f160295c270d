"""Registries: a plug-in module that fails to import is reported as itself, at every lookup."""

import sys

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
