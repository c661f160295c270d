"""Dataset registry. ``load_dataset(name, split, root, seed)`` returns an :class:`ImageData`.

Each loader module registers a function ``(split, root, seed) -> ImageData`` under its public name;
``split`` is ``"train"`` or ``"test"``. A missing dataset raises :class:`UserError` saying how to get it;
nothing falls back to synthetic data.
"""

from __future__ import annotations

from typing import Callable, Optional

from memgan_bench.data.base import DataSpec, ImageData
from memgan_bench.errors import UserError
from memgan_bench.registry import Registry

Loader = Callable[[str, Optional[str], int], ImageData]
DATASETS: Registry[Loader] = Registry("dataset", ("memgan_bench.data",))

_CACHE: dict[tuple, ImageData] = {}


def load_dataset(name: str, split: str = "train", root: Optional[str] = None, seed: int = 0) -> ImageData:
    """Load (once per process) split ``split`` of dataset ``name``."""
    if split not in ("train", "test"):
        raise UserError(f"unknown split '{split}' (use train or test)")
    key = (name, split, root, seed)
    if key not in _CACHE:
        _CACHE[key] = DATASETS.get(name)(split, root, seed)
    return _CACHE[key]


__all__ = ["DATASETS", "DataSpec", "ImageData", "load_dataset"]
