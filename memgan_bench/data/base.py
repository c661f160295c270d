"""In-memory datasets: every dataset is a pair of tensors loaded once, batched by indexing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple, Optional

import torch


class Batch(NamedTuple):
    """One minibatch: ``x`` [B, *sample_shape] in [-1, 1] (2-D points in their own coordinates), ``y`` [B]
    int64 class labels (unsupervised methods ignore them)."""

    x: torch.Tensor
    y: torch.Tensor


@dataclass
class ImageData:
    """One split of a dataset held in memory.

    ``images``: float32 [N, *sample_shape]: N×C×H×W images in [-1, 1], or N×2 points of a 2-D mixture
    in their natural coordinates (not rescaled);
    ``labels``: int64 [N]; ``class_names``: one name per class. 2-D mixtures also expose their true
    ``mode_centers`` [K, 2] and ``mode_std`` σ for coverage metrics.
    """

    name: str
    images: torch.Tensor
    labels: torch.Tensor
    class_names: list[str]
    mode_centers: Optional[torch.Tensor] = None
    mode_std: Optional[float] = None
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.images.shape[0] != self.labels.shape[0]:
            raise ValueError(f"{self.name}: {self.images.shape[0]} images but {self.labels.shape[0]} labels")

    def __len__(self) -> int:
        return self.images.shape[0]

    @property
    def sample_shape(self) -> tuple[int, ...]:
        return tuple(self.images.shape[1:])

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def subset(self, index: torch.Tensor, name: Optional[str] = None) -> "ImageData":
        """The rows at ``index`` (same class names and mode metadata)."""
        return ImageData(
            name=name or self.name,
            images=self.images[index],
            labels=self.labels[index],
            class_names=self.class_names,
            mode_centers=self.mode_centers,
            mode_std=self.mode_std,
            meta=dict(self.meta),
        )

    def of_classes(self, classes) -> "ImageData":
        """The rows whose label is in ``classes``."""
        wanted = torch.as_tensor(list(classes), dtype=self.labels.dtype)
        return self.subset(torch.isin(self.labels, wanted).nonzero().squeeze(1))


@dataclass(frozen=True)
class DataSpec:
    """What a method needs to know about the data to build its networks."""

    sample_shape: tuple[int, ...]
    num_classes: int

    @classmethod
    def of(cls, data: ImageData) -> "DataSpec":
        return cls(sample_shape=data.sample_shape, num_classes=data.num_classes)

    @property
    def is_image(self) -> bool:
        return len(self.sample_shape) == 3


def split_generator(seed: int, split: str) -> torch.Generator:
    """RNG for a generated dataset: differs between seeds and between the train and test splits of one seed."""
    return torch.Generator().manual_seed(2 * seed + (split == "test"))


def to_unit_range(pixels: torch.Tensor) -> torch.Tensor:
    """uint8 pixels [N, C, H, W] → float32 in [-1, 1]: x / 127.5 − 1."""
    return pixels.float() / 127.5 - 1.0


def data_root_phrase(root) -> str:
    """How error messages name the user's data directory (config key ``data.root``)."""
    return f"under data.root '{root}'" if root else "(data.root is not set)"
