"""Class-incremental streams (MeRGAN's protocol: one class per task), split by Avalanche.

The stream is built with Avalanche's ``class_incremental_benchmark`` over an in-memory dataset of row
*indices* (nothing is downloaded, no image is copied); each Avalanche experience is mapped back to an
index subset of the :class:`ImageData`, so batching stays tensor indexing, and its classes are checked
against the requested split. Experience ``i`` trains on classes ``order[i·k : (i+1)·k]`` (k =
``classes_per_experience``) or, with ``cumulative: true`` (JT, joint training: the upper-bound row), on
every class seen so far; its test split is the held-out data of all seen classes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import torch

from memgan_bench.data.base import ImageData
from memgan_bench.errors import UserError
from memgan_bench.registry import SCENARIOS
from memgan_bench.scenario import Experience, Scenario


class _IndexDataset(torch.utils.data.TensorDataset):
    """(row index, label) pairs of an in-memory split; ``targets`` is what Avalanche splits on."""

    def __init__(self, labels: torch.Tensor):
        super().__init__(torch.arange(labels.shape[0]), labels)
        self.targets = labels.tolist()


def class_order(order: Optional[list[int]], num_classes: int, seed: int) -> list[int]:
    """The validated class order: ``order`` as given, or a permutation of all classes drawn from ``seed``."""
    if order is None:
        generator = torch.Generator().manual_seed(seed)
        return torch.randperm(num_classes, generator=generator).tolist()
    bad = [c for c in order if not 0 <= c < num_classes]
    if bad:
        raise UserError(f"scenario.class_order has classes {bad} outside 0..{num_classes - 1}")
    if len(set(order)) != len(order):
        raise UserError(f"scenario.class_order repeats a class: {order}")
    return list(order)


def split_classes(order: list[int], per_experience: int, num_experiences: Optional[int]) -> list[list[int]]:
    """Consecutive groups of ``per_experience`` classes; refuses a remainder instead of dropping it."""
    if len(order) % per_experience:
        raise UserError(
            f"scenario: {len(order)} classes do not split into experiences of {per_experience} "
            f"(classes_per_experience must divide the number of classes in class_order)"
        )
    groups = [order[i : i + per_experience] for i in range(0, len(order), per_experience)]
    if num_experiences is not None:
        if num_experiences > len(groups):
            raise UserError(f"scenario.num_experiences={num_experiences} but class_order gives {len(groups)}")
        groups = groups[:num_experiences]
    return groups


def _stream_indices(stream, groups: list[list[int]]) -> list[torch.Tensor]:
    """Row indices of each Avalanche experience, checked against the classes it should hold."""
    out = []
    for experience, classes in zip(stream, groups):
        if sorted(experience.classes_in_this_experience) != sorted(classes):
            raise RuntimeError(f"Avalanche split {experience.classes_in_this_experience}, expected {classes}")
        loader = torch.utils.data.DataLoader(experience.dataset, batch_size=len(experience.dataset))
        index, labels = next(iter(loader))[:2]
        if not set(labels.unique().tolist()) <= set(classes):
            raise RuntimeError(f"experience {experience.current_experience} holds labels outside {classes}")
        out.append(index.sort().values)
    return out


def avalanche_split(train: ImageData, test: ImageData, groups: list[list[int]]) -> tuple[list, list]:
    """Per-experience row indices of ``train`` and ``test`` from Avalanche's class-incremental split."""
    from avalanche.benchmarks.scenarios.supervised import class_incremental_benchmark

    used = [c for group in groups for c in group]
    rest = [c for c in range(train.num_classes) if c not in used]
    sizes = [len(group) for group in groups] + ([len(rest)] if rest else [])
    benchmark = class_incremental_benchmark(
        {"train": _IndexDataset(train.labels), "test": _IndexDataset(test.labels)},
        class_order=used + rest,
        num_classes_per_exp=sizes,
    )
    return (_stream_indices(benchmark.train_stream, groups), _stream_indices(benchmark.test_stream, groups))


@SCENARIOS.register("class-incremental")
class ClassIncremental(Scenario):
    @dataclass
    class Config:
        class_order: Optional[list[int]] = None  # null: a permutation of all classes drawn from the run seed
        classes_per_experience: int = field(default=1, metadata={"min": 1})
        num_experiences: Optional[int] = field(default=None, metadata={"min": 1})  # null: all of class_order
        cumulative: bool = False  # JT: train on every class seen so far

    def experiences(self, train: ImageData, test: ImageData) -> list[Experience]:
        present = set(train.labels.unique().tolist()) & set(test.labels.unique().tolist())
        if present != set(range(train.num_classes)):
            raise UserError(f"{train.name}: class-incremental streams need every class in train and test splits")
        order = class_order(self.cfg.class_order, train.num_classes, self.seed)
        groups = split_classes(order, self.cfg.classes_per_experience, self.cfg.num_experiences)
        train_index, test_index = avalanche_split(train, test, groups)
        experiences = []
        for i, classes in enumerate(groups):
            seen = tuple(c for group in groups[: i + 1] for c in group)
            rows = torch.cat(train_index[: i + 1]) if self.cfg.cumulative else train_index[i]
            experiences.append(Experience(
                index=i,
                classes=tuple(seen if self.cfg.cumulative else classes),
                seen_classes=seen,
                train=train.subset(rows.sort().values),
                test=test.subset(torch.cat(test_index[: i + 1]).sort().values),
            ))
        return experiences
