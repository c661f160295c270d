"""Datasets (registered in :data:`memgan_bench.registry.DATASETS`). ``load_dataset(name, split, root, seed)``
returns an :class:`ImageData`.

Each loader module registers a function ``(split, root, seed) -> ImageData`` under its public name;
``split`` is ``"train"`` or ``"test"``. A missing dataset raises :class:`UserError` saying how to get it;
nothing falls back to synthetic data. :func:`read_split` checks every split against the facts its loader
declares (:mod:`memgan_bench.data.facts`).

Loaded splits are kept in a least-recently-used cache of :data:`SPLITS_KEPT` entries keyed by
(name, split, root, seed): a run's train and test splits, plus those of the dataset an affine variant is
drawn from (or of the evaluation classifier's seed-0 pair). A process that goes through more datasets or
seeds (a sweep, the test suite) reads the least recently used ones from disk again instead of holding
every split it ever loaded.
"""

from __future__ import annotations

import functools
from typing import Optional

from memgan_bench.data.base import DataSpec, ImageData
from memgan_bench.data.facts import facts_of
from memgan_bench.errors import UserError
from memgan_bench.registry import DATASETS


SPLITS_KEPT = 4


def read_split(name: str, split: str, root: Optional[str], seed: int) -> ImageData:
    """Split ``split`` of dataset ``name`` read by its loader (no cache), refused with one line when it
    contradicts the facts the loader declares."""
    loader = DATASETS.get(name)
    data = loader(split, root, seed)
    facts = facts_of(loader)
    problem = facts.problem(name, split, data) if facts is not None else None
    if problem:
        raise UserError(problem)
    return data


@functools.lru_cache(maxsize=SPLITS_KEPT)
def _load_split(name: str, split: str, root: Optional[str], seed: int) -> ImageData:
    return read_split(name, split, root, seed)


def load_dataset(name: str, split: str = "train", root: Optional[str] = None, seed: int = 0) -> ImageData:
    """Split ``split`` of dataset ``name``, from the cache of recently loaded splits when it is there."""
    if split not in ("train", "test"):
        raise UserError(f"unknown split '{split}' (use train or test)")
    return _load_split(name, split, root, seed)


__all__ = ["DataSpec", "ImageData", "load_dataset", "read_split"]
