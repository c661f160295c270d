"""Affine-transformed digits of the MemoryGAN paper (Kim et al. 2018, Fig. 1 and Appendix B.2).

The paper's "randomly rotate MNIST images by 20° and randomly place it in a square image of 40 pixels" is
read as: each 28×28 image is rotated about its centre by an angle drawn uniformly from [−20°, 20°] and
pasted at a uniformly random integer offset (0–12 px each way) into a 40×40 canvas whose background is −1
(the images' black). Corners of the rotated 28×28 box that leave the canvas are cut: no MNIST ink (digits
have a blank margin), up to ~8% of a Fashion-MNIST item touching its frame. Images keep their labels.
Angles and offsets are drawn from a generator seeded by ``(seed, split)``, so a given seed always gives the
same tensor and train and test get different draws.
The warp is one batched bilinear ``grid_sample``: ink is moved, not added or removed (up to interpolation).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Optional

import torch
import torch.nn.functional as F

from memgan_bench.data import load_dataset
from memgan_bench.data.base import ImageData, split_generator
from memgan_bench.data.facts import Facts, declares
from memgan_bench.data.mnist5k import MNIST_5K_FACTS
from memgan_bench.data.mnist_family import FASHION_MNIST_FACTS, MNIST_FACTS
from memgan_bench.registry import DATASETS

CANVAS = 40
MAX_DEGREES = 20.0
_CHUNK = 8192


def affine_place(images: torch.Tensor, angles_deg: torch.Tensor, offsets: torch.Tensor,
                 canvas: int = CANVAS) -> torch.Tensor:
    """Rotate ``images`` [N, C, h, w] (values in [-1, 1], background −1) by ``angles_deg`` [N]
    (counter-clockwise as displayed) and paste them with top-left corner at ``offsets`` [N, 2] = (row, col)
    into a ``canvas``×``canvas`` image of background −1."""
    n, _, height, width = images.shape
    ink = F.pad(images + 1.0, (0, canvas - width, 0, canvas - height))
    # Work in grid_sample's normalised coordinates (pixel centres, align_corners=False) on the canvas:
    # output point p samples the padded input at R·(p − c_out) + c_in, R = [[cos θ, −sin θ], [sin θ, cos θ]],
    # c_in the source centre, c_out = c_in shifted by the offset.
    scale = 2.0 / canvas
    center_in = torch.tensor([(width - canvas) / 2.0, (height - canvas) / 2.0]) * scale
    center_out = center_in + offsets.flip(1).to(torch.float32) * scale
    axis = (torch.arange(canvas, dtype=torch.float32) + 0.5) * scale - 1.0
    dx = axis.view(1, 1, canvas) - center_out[:, 0].view(n, 1, 1)
    dy = axis.view(1, canvas, 1) - center_out[:, 1].view(n, 1, 1)
    theta = torch.deg2rad(angles_deg.to(torch.float32)).view(n, 1, 1)
    cos, sin = torch.cos(theta), torch.sin(theta)
    grid = torch.stack([cos * dx - sin * dy + center_in[0], sin * dx + cos * dy + center_in[1]], 3)
    return F.grid_sample(ink, grid, mode="bilinear", padding_mode="zeros", align_corners=False) - 1.0


def random_affine(images: torch.Tensor, generator: torch.Generator, canvas: int = CANVAS,
                  max_degrees: float = MAX_DEGREES) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(placed images, angles [N], offsets [N, 2]) with angle ~ U(−max, max), offsets ~ U{0..canvas−h}²."""
    n, _, height, width = images.shape
    angles = (torch.rand(n, generator=generator) * 2.0 - 1.0) * max_degrees
    rows = torch.randint(0, canvas - height + 1, (n,), generator=generator)
    cols = torch.randint(0, canvas - width + 1, (n,), generator=generator)
    offsets = torch.stack([rows, cols], 1)
    placed = torch.cat([affine_place(images[i:i + _CHUNK], angles[i:i + _CHUNK], offsets[i:i + _CHUNK], canvas)
                        for i in range(0, n, _CHUNK)])
    return placed, angles, offsets


def on_canvas(facts: Facts) -> Facts:
    """The source dataset's facts, with its images placed on the canvas."""
    return replace(facts, sample_shape=(facts.sample_shape[0], CANVAS, CANVAS))


def affine_version(source: str, name: str, split: str, root: Optional[str], seed: int) -> ImageData:
    base = load_dataset(source, split, root, seed)
    images = random_affine(base.images, split_generator(seed, split))[0]
    meta = dict(base.meta, source=source, canvas=CANVAS, max_degrees=MAX_DEGREES)
    return ImageData(name=name, images=images, labels=base.labels, class_names=base.class_names, meta=meta)


@DATASETS.register("affine-mnist")
@declares(on_canvas(MNIST_FACTS))
def affine_mnist(split: str, root: Optional[str], seed: int) -> ImageData:
    return affine_version("mnist", "affine-mnist", split, root, seed)


@DATASETS.register("affine-mnist-5k")
@declares(on_canvas(MNIST_5K_FACTS))
def affine_mnist_5k(split: str, root: Optional[str], seed: int) -> ImageData:
    return affine_version("mnist-5k", "affine-mnist-5k", split, root, seed)


@DATASETS.register("affine-fashion-mnist")
@declares(on_canvas(FASHION_MNIST_FACTS))
def affine_fashion_mnist(split: str, root: Optional[str], seed: int) -> ImageData:
    return affine_version("fashion-mnist", "affine-fashion-mnist", split, root, seed)
