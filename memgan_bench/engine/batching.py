"""Stateless minibatch order: the batch of step s is a function of (seed, experience, s) alone.

Epoch e of an experience uses the permutation ``randperm(N)`` seeded by (seed, experience, e); step s
takes slice ``s mod (N // B)`` of epoch ``s // (N // B)`` (the remainder of each epoch is dropped). A
resumed run therefore sees exactly the batches an uninterrupted run would, with no sampler state to save.
"""

from __future__ import annotations

import torch

from memgan_bench.data.base import Batch, ImageData
from memgan_bench.engine.seeding import derive_seed
from memgan_bench.errors import UserError


class BatchSchedule:
    def __init__(self, data: ImageData, batch_size: int, seed: int, experience: int, device: torch.device):
        if len(data) < batch_size:
            raise UserError(f"dataset '{data.name}' has {len(data)} samples, fewer than one batch of {batch_size}")
        self.images = data.images.to(device)
        self.labels = data.labels.to(device)
        self.batch_size = batch_size
        self.steps_per_epoch = len(data) // batch_size
        self.seed = seed
        self.experience = experience
        self._epoch = -1
        self._order: torch.Tensor | None = None

    def indices(self, step: int) -> torch.Tensor:
        epoch, position = divmod(step, self.steps_per_epoch)
        if epoch != self._epoch:
            generator = torch.Generator().manual_seed(derive_seed(self.seed, self.experience, epoch))
            self._order = torch.randperm(len(self.labels), generator=generator).to(self.images.device)
            self._epoch = epoch
        return self._order[position * self.batch_size : (position + 1) * self.batch_size]

    def batch(self, step: int) -> Batch:
        index = self.indices(step)
        return Batch(self.images[index], self.labels[index])
