"""2-D Gaussian mixtures of the mode-collapse literature, with their true modes for coverage metrics.

All are equal-weight mixtures of isotropic Gaussians N(μ_k, σ² I), with the constants of PacGAN's released
code (Lin et al. 2018; fjxmlzn/PacGAN, ``synthetic_data_experiments/*/config.py``: MEANS, VARIANCES, and
``num_sample`` = 100,000 training points):

- ``ring8``: 8 modes at (cos 2πk/8, sin 2πk/8) (radius 1), σ = 0.01 (``2DRing_GAN&PacGAN/config.py``);
- ``grid25``: 25 modes on {−4, −2, 0, 2, 4}², σ = 0.05 (``2DGrid_GAN&PacGAN/config.py``);
- ``ring8-r2``: a wider ring, radius 2 and σ = 0.02 (same σ/radius as ``ring8``; constants of no
  released code), kept so that runs made on it can be reloaded and compared.

Samples are points [N, 2] float32 in their natural coordinates (not rescaled to [−1, 1]); ``labels`` is
the index of the mode each point was drawn from. ``train`` has 100,000 points and ``test`` 10,000, drawn
from a generator seeded by (seed, split).
"""

from __future__ import annotations

import math
from typing import Optional

import torch

from memgan_bench.data.base import ImageData, split_generator
from memgan_bench.data.facts import Facts, declares
from memgan_bench.registry import DATASETS

SIZES = {"train": 100_000, "test": 10_000}


def mixture_facts(modes: int) -> Facts:
    return Facts(sizes=SIZES, sample_shape=(2,), num_classes=modes)


def ring_centers(modes: int = 8, radius: float = 1.0) -> torch.Tensor:
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
@declares(mixture_facts(8))
def ring8(split: str, root: Optional[str], seed: int) -> ImageData:
    return mixture_data("ring8", ring_centers(radius=1.0), 0.01, split, seed)


@DATASETS.register("ring8-r2")
@declares(mixture_facts(8))
def ring8_r2(split: str, root: Optional[str], seed: int) -> ImageData:
    return mixture_data("ring8-r2", ring_centers(radius=2.0), 0.02, split, seed)


@DATASETS.register("grid25")
@declares(mixture_facts(25))
def grid25(split: str, root: Optional[str], seed: int) -> ImageData:
    return mixture_data("grid25", grid_centers(), 0.05, split, seed)
