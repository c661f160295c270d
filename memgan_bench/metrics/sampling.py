"""What evaluation plugins share: generated samples and their labels, real reference rows, the seen
classes of a run."""

from __future__ import annotations

from typing import Optional

import torch

from memgan_bench.data.base import ImageData
from memgan_bench.method import cycled_labels


def seen_classes(ctx) -> tuple[int, ...]:
    """Classes trained on so far (all classes outside a stream)."""
    if ctx.experience is None:
        return tuple(range(ctx.train_data.num_classes))
    return tuple(ctx.experience.seen_classes)


def seen_data(data: ImageData, ctx) -> ImageData:
    classes = seen_classes(ctx)
    return data if len(classes) == data.num_classes else data.of_classes(classes)


def generate(method, n: int, classes: Optional[tuple[int, ...]] = None, batch_size: int = 500) -> torch.Tensor:
    """n samples on the CPU, in batches; conditional methods get labels cycling over ``classes``."""
    labels = cycled_labels(classes, n) if method.conditional and classes is not None else None
    chunks = []
    for start in range(0, n, batch_size):
        size = min(batch_size, n - start)
        part = None if labels is None else labels[start:start + size]
        chunks.append(method.sample(size, part).detach().cpu())
    return torch.cat(chunks)


def random_rows(data: ImageData, n: int, seed: int) -> torch.Tensor:
    """Up to n rows of ``data.images`` in a seeded random order."""
    order = torch.randperm(len(data), generator=torch.Generator().manual_seed(seed))
    return data.images[order[:n]]
