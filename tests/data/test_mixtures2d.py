"""ring8 / ring8-r2 / grid25: exact centres (PacGAN's released constants), per-mode spread σ, natural
coordinates, determinism."""

import math

import pytest
import torch

from memgan_bench.data import load_dataset

from memgan_bench.registry import DATASETS


@pytest.mark.parametrize("name, radius, std", [("ring8", 1.0, 0.01), ("ring8-r2", 2.0, 0.02)])
def test_ring_centres_are_eight_equally_spaced_points_on_the_circle(name, radius, std):
    data = load_dataset(name, "train", None, 0)
    expected = torch.tensor([[radius * math.cos(k * math.pi / 4), radius * math.sin(k * math.pi / 4)]
                             for k in range(8)])
    assert torch.allclose(data.mode_centers, expected, atol=1e-6)
    assert data.mode_std == std


def test_grid25_centres_are_the_even_lattice():
    data = load_dataset("grid25", "train", None, 0)
    expected = {(float(x), float(y)) for x in (-4, -2, 0, 2, 4) for y in (-4, -2, 0, 2, 4)}
    assert {tuple(c) for c in data.mode_centers.tolist()} == expected
    assert data.mode_centers.shape == (25, 2) and data.mode_std == 0.05


@pytest.mark.parametrize("name, modes", [("ring8", 8), ("ring8-r2", 8), ("grid25", 25)])
def test_each_mode_is_a_gaussian_of_the_stated_std(name, modes):
    data = load_dataset(name, "train", None, 0)
    assert data.images.shape == (100_000, 2) and data.images.dtype == torch.float32
    assert data.labels.dtype == torch.int64 and len(data.class_names) == modes
    counts = torch.bincount(data.labels, minlength=modes).float()
    assert counts.min().item() > 0.9 * 100_000 / modes
    for k in range(modes):
        points = data.images[data.labels == k]
        assert torch.allclose(points.mean(0), data.mode_centers[k], atol=4 * data.mode_std / math.sqrt(len(points)) + 1e-6)
        assert points.std(0).tolist() == pytest.approx([data.mode_std] * 2, rel=0.05)
    nearest = torch.cdist(data.images, data.mode_centers).argmin(1)
    assert torch.equal(nearest, data.labels)


def test_points_stay_in_natural_coordinates():
    data = load_dataset("grid25", "test", None, 0)
    assert len(data) == 10_000
    assert data.images.abs().max().item() > 4.0


@pytest.mark.parametrize("name", ["ring8", "ring8-r2", "grid25"])
def test_deterministic_per_seed_and_distinct_across_seeds_and_splits(name):
    first = load_dataset(name, "test", None, 5)
    rebuilt = DATASETS.get(name)("test", None, 5)
    assert torch.equal(first.images, rebuilt.images) and torch.equal(first.labels, rebuilt.labels)
    assert not torch.equal(first.images, load_dataset(name, "test", None, 6).images)
    assert not torch.equal(first.images, load_dataset(name, "train", None, 5).images[:10_000])
