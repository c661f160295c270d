import math

import pytest
import torch

from memgan_bench.data import load_dataset
from memgan_bench.metrics.coverage import class_coverage, class_histogram_stats, mixture_coverage


def test_histogram_stats_known_answer():
    predicted = torch.tensor([0, 0, 0, 1, 2, 2, 2, 2])
    confidence = torch.tensor([0.9, 0.8, 0.7, 0.5, 1.0, 1.0, 0.6, 0.6])
    real = torch.tensor([1, 1, 1, 1])
    out = class_histogram_stats(predicted, confidence, real, threshold=0.2)
    share = [3 / 8, 1 / 8, 4 / 8, 0]
    assert out["class_share"] == pytest.approx(share)
    assert out["classes_covered"] == 2
    assert out["kl_class"] == pytest.approx(sum(p * math.log(p / 0.25) for p in share if p > 0))
    assert out["class_confidence"][:3] == pytest.approx([0.8, 0.5, 0.8])
    assert math.isnan(out["class_confidence"][3])


def test_real_test_data_covers_every_class(tiny_classifier, fmnist):
    train, test = fmnist
    out = class_coverage(test.images[:2000], tiny_classifier, train.labels)
    assert out["classes_covered"] == 10
    assert out["kl_class"] < 0.15  # vs log 10 = 2.3 for a single class


def test_one_repeated_image_covers_one_class(tiny_classifier, fmnist):
    train, test = fmnist
    out = class_coverage(test.images[:1].expand(500, -1, -1, -1), tiny_classifier, train.labels)
    assert out["classes_covered"] == 1
    assert out["kl_class"] == pytest.approx(math.log(10), rel=0.02)


def test_one_real_class_covers_one_class(tiny_classifier, fmnist):
    train, test = fmnist
    trousers = test.of_classes([1]).images[:500]
    out = class_coverage(trousers, tiny_classifier, train.labels, threshold=0.1)  # tiny net confuses some with dresses
    assert out["classes_covered"] == 1 and out["class_share"][1] > 0.8


def test_ring8_true_mixture_covers_all_modes():
    ring = load_dataset("ring8", "test")
    out = mixture_coverage(ring.images[:2500], ring.mode_centers, ring.mode_std)
    assert out["modes_covered"] == 8 and out["num_modes"] == 8
    assert out["high_quality"] == pytest.approx(1 - math.exp(-4.5), abs=0.006)  # P(‖N(0, σ²I₂)‖ ≤ 3σ)


def test_grid25_true_mixture_covers_all_modes():
    grid = load_dataset("grid25", "test")
    assert mixture_coverage(grid.images[:2500], grid.mode_centers, grid.mode_std)["modes_covered"] == 25


def test_ring8_single_gaussian_covers_one_mode():
    ring = load_dataset("ring8", "test")
    centers, std = ring.mode_centers, ring.mode_std
    x = centers[3] + std * torch.randn(2500, 2, generator=torch.Generator().manual_seed(1))
    assert mixture_coverage(x, centers, std)["modes_covered"] == 1
    far = torch.zeros(2500, 2)
    assert mixture_coverage(far, centers, std) == {"modes_covered": 0, "num_modes": 8, "high_quality": 0.0}


def test_mode_needs_min_count_high_quality_samples():
    centers = torch.tensor([[0.0, 0.0], [10.0, 0.0]])
    x = torch.cat([torch.zeros(20, 2), torch.full((19, 2), 10.0) * torch.tensor([1.0, 0.0]), torch.full((5, 2), 5.0)])
    out = mixture_coverage(x, centers, 0.1, min_count=20)
    assert out["modes_covered"] == 1 and out["high_quality"] == pytest.approx(39 / 44)
