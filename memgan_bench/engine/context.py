"""What plugins see of a run in progress."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

import torch

from memgan_bench.config import RunConfig
from memgan_bench.data.base import ImageData
from memgan_bench.method import GANMethod
from memgan_bench.results import ResultsLog
from memgan_bench.rundir import RunDir
from memgan_bench.scenario import Experience


@dataclass
class RunContext:
    cfg: RunConfig
    run: RunDir
    results: ResultsLog
    method: GANMethod
    train_data: ImageData
    test_data: ImageData
    experiences: list[Experience]
    device: torch.device
    experience: Optional[Experience] = None
    step: int = 0
    plugins: list[Any] = field(default_factory=list)

    def record(self, values: dict[str, float], step: Optional[int] = None) -> None:
        """Append rows ``metric -> value`` at ``step`` (default: now) for the current experience."""
        experience = self.experience.index if self.experience is not None else 0
        self.results.add(self.step if step is None else step, experience, values)
