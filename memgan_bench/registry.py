"""Name → object registries with lazy discovery, and every registry of the project.

A module registers itself with ``@REGISTRY.register("name")``; on first lookup a registry imports every
module of its packages (by name: the core never imports the packages that plug into it at import time),
so adding a method, dataset, scenario, plugin, report section, analysis or executor is one new file. Modules
named in ``skip`` register nothing and discovery does not import them. A module that fails to import is
reported as itself (one line naming the module and the cause), at this and every later lookup.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any, Callable, Generic, TypeVar

from memgan_bench.errors import UserError

T = TypeVar("T")


class Registry(Generic[T]):
    def __init__(self, kind: str, packages: tuple[str, ...], skip: tuple[str, ...] = ()):
        self.kind = kind
        self.packages = packages
        self.skip = skip
        self._items: dict[str, T] = {}
        self._discovered = False
        self._import_error: str | None = None

    def register(self, name: str) -> Callable[[T], T]:
        def add(obj: T) -> T:
            if name in self._items and self._items[name] is not obj:
                raise ValueError(f"{self.kind} '{name}' registered twice")
            self._items[name] = obj
            return obj

        return add

    def _discover(self) -> None:
        if self._import_error:
            raise UserError(self._import_error)
        if self._discovered:
            return
        for package_name in self.packages:
            package = importlib.import_module(package_name)
            for info in pkgutil.iter_modules(package.__path__, package_name + "."):
                if info.name in self.skip:
                    continue
                try:
                    importlib.import_module(info.name)
                except Exception as err:  # any error in a plug-in module is that module's, not a lookup's
                    reason = str(err).strip().splitlines()[0] if str(err).strip() else ""
                    self._import_error = f"{self.kind} module {info.name} failed to import: " \
                                         f"{type(err).__name__}: {reason}"[:300]
                    raise UserError(self._import_error) from err
        self._discovered = True

    def get(self, name: str) -> T:
        self._discover()
        if name not in self._items:
            raise UserError(f"unknown {self.kind} '{name}' (known: {', '.join(self.names())})")
        return self._items[name]

    def names(self) -> list[str]:
        self._discover()
        return sorted(self._items)

    def snapshot(self) -> dict[str, Any]:
        """The registered items (for a test fixture to restore with :meth:`restore`)."""
        self._discover()
        return dict(self._items)

    def restore(self, items: dict[str, Any]) -> None:
        self._items = dict(items)


METHODS: Registry[Any] = Registry("method", ("methods",), skip=("methods.common",))
SCENARIOS: Registry[Any] = Registry("scenario", ("scenarios",))
DATASETS: Registry[Any] = Registry("dataset", ("memgan_bench.data",))
PLUGINS: Registry[Any] = Registry("plugin", ("memgan_bench.plugins", "memgan_bench.regularizers",
                                             "memgan_bench.loggers"))
REPORT_SECTIONS: Registry[Any] = Registry("report section", ("reports",))
REPORTS: Registry[Any] = Registry("report", ("reports",))  # what `report`, `sweep` and `analyze` write or print
EXECUTORS: Registry[Any] = Registry("executor", ("memgan_bench.executors",), skip=("memgan_bench.executors.worker",))
