"""What a dataset's definition fixes about its splits, checked on every split before anything trains.

A loader declares its dataset's facts with :func:`declares` (split sizes, sample shape, number of classes,
whether every class has the same number of samples); :func:`memgan_bench.data.read_split` checks each split
it loads against them, so well-formed files that hold the wrong data (train and test swapped, a partial
copy, other images or labels) are refused with one line naming the data and where it was read from.
Loaders record where with :data:`READ_FROM` in ``ImageData.meta``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import torch

from memgan_bench.data.base import ImageData

READ_FROM = "read_from"


@dataclass(frozen=True)
class Facts:
    sizes: dict[str, int]  # samples in each split
    sample_shape: tuple[int, ...]
    num_classes: int
    balanced: bool = False  # every class has sizes[split] / num_classes samples in each split

    def problem(self, name: str, split: str, data: ImageData) -> Optional[str]:
        """What in ``data`` (split ``split`` of dataset ``name``) contradicts these facts, or None."""
        where = f"{name} {split} split (read from {data.meta.get(READ_FROM, 'its loader')})"
        count, expected = len(data), self.sizes[split]
        if count != expected:
            other = next((s for s, size in self.sizes.items() if s != split and size == count), None)
            hint = f" (are the {split} and {other} files swapped?)" if other else ""
            return f"{where} has {count:,} samples; {name}'s {split} split has {expected:,}{hint}"
        if data.sample_shape != self.sample_shape:
            return f"{where} holds samples of shape {shape_text(data.sample_shape)}; {name}'s are " \
                   f"{shape_text(self.sample_shape)}"
        if count and (int(data.labels.min()) < 0 or int(data.labels.max()) >= self.num_classes):
            bad = int(data.labels.min()) if int(data.labels.min()) < 0 else int(data.labels.max())
            return f"{where} holds label {bad}; {name} has classes 0..{self.num_classes - 1}"
        if self.balanced:
            per_class = torch.bincount(data.labels, minlength=self.num_classes).tolist()
            if set(per_class) != {expected // self.num_classes}:
                return f"{where} has {min(per_class):,} to {max(per_class):,} samples per class; {name}'s {split} " \
                       f"split has {expected // self.num_classes:,} of each of its {self.num_classes} classes"
        return None


def shape_text(shape: tuple[int, ...]) -> str:
    return "x".join(str(size) for size in shape)


def declares(facts: Facts) -> Callable:
    """Decorator: the loader's dataset has ``facts`` (read back by :func:`facts_of`)."""
    def attach(loader: Callable) -> Callable:
        loader.facts = facts
        return loader

    return attach


def facts_of(loader: Callable) -> Optional[Facts]:
    return getattr(loader, "facts", None)
