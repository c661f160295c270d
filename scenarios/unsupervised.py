"""The standard unsupervised setting: one experience over the whole training set."""

from __future__ import annotations

from dataclasses import dataclass

from memgan_bench.data.base import ImageData
from memgan_bench.registry import SCENARIOS
from memgan_bench.scenario import Experience, Scenario


@SCENARIOS.register("unsupervised")
class Unsupervised(Scenario):
    @dataclass
    class Config:
        pass

    def experiences(self, train: ImageData, test: ImageData) -> list[Experience]:
        classes = tuple(range(train.num_classes))
        return [Experience(index=0, classes=classes, seen_classes=classes, train=train, test=test)]
