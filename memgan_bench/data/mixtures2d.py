"""2-D Gaussian mixtures of the mode-collapse literature, with their true modes for coverage metrics.

- ``ring8``: 8 equal-weight isotropic Gaussians centred at (2 cos 2πk/8, 2 sin 2πk/8), σ = 0.02: the ring
  of Unrolled GAN (Metz et al. 2017) as used by VEEGAN (Srivastava et al. 2017). Of these constants only
  the ratio σ/radius = 0.01 could be checked against released code here: PacGAN's
  (fjxmlzn/PacGAN, synthetic_data_experiments/2DRing_GAN&PacGAN/config.py) uses radius 1, σ = 0.01.
- ``grid25``: 25 equal-weight isotropic Gaussians centred on {−4, −2, 0, 2, 4}², σ = 0.05: the grid of
  PacGAN (Lin et al. 2018; synthetic_data_experiments/2DGrid_GAN&PacGAN/config.py: means
  range(−4, 5, 2)², covariance 0.05² I).

Samples are points [N, 2] float32 in their natural coordinates (not rescaled to [−1, 1]); ``labels`` is
the index of the mode each point was drawn from. ``train`` has 100,000 points (PacGAN's sample count) and
``test`` 10,000, drawn from a generator seeded by (seed, split).
"""

from __future__ import annotations

import math
from typing import Optional

import torch

from memgan_bench.data import DATASETS
from memgan_bench.data.base import ImageData, split_generator

SIZES = {"train": 100_000, "test": 10_000}


def ring_centers(modes: int = 8, radius: float = 2.0) -> torch.Tensor:
    angles = torch.arange(modes, dtype=torch.float64) * (2 * math.pi / modes)
    return (radius * torch.stack([torch.cos(angles), torch.sin(angles)], 1)).float()


def grid_centers(values=(-4.0, -2.0, 0.0, 2.0, 4.0)) -> torch.Tensor:
    axis = torch.tensor(values)
    return torch.cartesian_prod(axis, axis)


def sample_mixture(centers: torch.Tensor, std: float, n: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """n points of the equal-weight mixture Σ_k (1/K) N(centers[k], std² I), and their mode indices."""
    labels = torch.randint(0, centers.shape[0], (n,), generator=generator)
    points = centers[labels] + std * torch.randn(n, centers.shape[1], generator=generator)
    return points, labels


def mixture_data(name: str, centers: torch.Tensor, std: float, split: str, seed: int) -> ImageData:
    points, labels = sample_mixture(centers, std, SIZES[split], split_generator(seed, split))
    return ImageData(name=name, images=points, labels=labels,
                     class_names=[f"mode {k}" for k in range(centers.shape[0])],
                     mode_centers=centers, mode_std=std)


@DATASETS.register("ring8")
def ring8(split: str, root: Optional[str], seed: int) -> ImageData:
    return mixture_data("ring8", ring_centers(), 0.02, split, seed)


@DATASETS.register("grid25")
def grid25(split: str, root: Optional[str], seed: int) -> ImageData:
    return mixture_data("grid25", grid_centers(), 0.05, split, seed)
