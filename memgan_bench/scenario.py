"""Scenarios: how the training data is presented (one i.i.d. experience, or a class-incremental stream).

A scenario class has a ``Config`` dataclass and ``experiences(train, test) -> list[Experience]``; it is
registered with ``@SCENARIOS.register("name")`` (:mod:`memgan_bench.registry`) in the ``scenarios`` package.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from memgan_bench.data.base import ImageData


@dataclass
class Experience:
    """One stage of training: ``train`` holds the data of ``classes``; ``seen_classes`` is every class
    trained on up to and including this experience; ``test`` the held-out data of the seen classes."""

    index: int
    classes: tuple[int, ...]
    seen_classes: tuple[int, ...]
    train: ImageData
    test: ImageData


class Scenario:
    Config: ClassVar[type]

    def __init__(self, cfg: Any, seed: int):
        self.cfg = cfg
        self.seed = seed

    def experiences(self, train: ImageData, test: ImageData) -> list[Experience]:
        raise NotImplementedError
