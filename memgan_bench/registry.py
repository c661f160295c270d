"""Name → object registries with lazy discovery, shared by methods, datasets, scenarios and plugins.

A module registers itself with ``@REGISTRY.register("name")``; the registry imports every module of its
packages on first lookup, so adding a method (or dataset, scenario, plugin) is one new file.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Callable, Generic, TypeVar

from memgan_bench.errors import UserError

T = TypeVar("T")


class Registry(Generic[T]):
    def __init__(self, kind: str, packages: tuple[str, ...]):
        self.kind = kind
        self.packages = packages
        self._items: dict[str, T] = {}
        self._discovered = False

    def register(self, name: str) -> Callable[[T], T]:
        def add(obj: T) -> T:
            if name in self._items and self._items[name] is not obj:
                raise ValueError(f"{self.kind} '{name}' registered twice")
            self._items[name] = obj
            return obj

        return add

    def _discover(self) -> None:
        if self._discovered:
            return
        self._discovered = True
        for package_name in self.packages:
            package = importlib.import_module(package_name)
            for info in pkgutil.iter_modules(package.__path__, package_name + "."):
                importlib.import_module(info.name)

    def get(self, name: str) -> T:
        self._discover()
        if name not in self._items:
            raise UserError(f"unknown {self.kind} '{name}' (known: {', '.join(self.names())})")
        return self._items[name]

    def names(self) -> list[str]:
        self._discover()
        return sorted(self._items)
