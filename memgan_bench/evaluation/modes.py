"""The evaluation "classifier" of a 2-D Gaussian mixture: a point belongs to the mode whose centre is nearest
(the Bayes classifier of an equal-weight isotropic mixture), or, with a ``radius``, only when it also lies
within ``radius``·σ of that centre (the high-quality rule of PacGAN's and VEEGAN's 2-D experiments,
:func:`memgan_bench.metrics.coverage.mode_histogram`), farther points then belonging to no mode.

It stands in for :class:`~memgan_bench.evaluation.classifier.EvalClassifier` where a plugin needs class
predictions (``continual_eval``'s conditional accuracy and class histogram), so a class-incremental stream
over a mixture's modes is scored exactly, with nothing trained: the accuracy of G(z, c) is the share of its
samples nearer mode c than any other, as an image classifier judges the class and not the quality.
"""

from __future__ import annotations

from typing import Optional

import torch
from torch import nn


def nearest_mode(samples: torch.Tensor, centers: torch.Tensor, std: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Per sample: the distance to its nearest centre in units of σ, and that centre's index."""
    return (torch.cdist(samples.double(), centers.double()) / std).min(dim=1)


class ModeClassifier(nn.Module):
    """``predict(x)`` = the nearest mode (within ``radius``·σ when given, else −1); ``logits`` = −½‖x − μ_k‖²/σ², so a
    softmax-based class histogram assigns every point, on a mode or not, to its nearest mode."""

    def __init__(self, centers: torch.Tensor, std: float, radius: Optional[float] = None):
        super().__init__()
        self.register_buffer("centers", centers.detach().float().clone())
        self.std = float(std)
        self.radius = radius
        self.identity = f"modes-{len(centers)}-std{self.std:g}" + (f"-r{radius:g}" if radius else "")
        self.test_accuracy = float("nan")  # nothing is trained: the rule is the definition

    @property
    def num_classes(self) -> int:
        return len(self.centers)

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        return -0.5 * torch.cdist(x.float(), self.centers).pow(2) / self.std ** 2

    forward = logits

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        dist, nearest = nearest_mode(x, self.centers, self.std)
        if self.radius is None:
            return nearest
        return torch.where(dist < self.radius, nearest, torch.full_like(nearest, -1))
