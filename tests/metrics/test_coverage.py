import math

import pytest
import torch

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
    out = class_coverage(trousers, tiny_classifier, train.labels, threshold=0.05)
    assert out["classes_covered"] == 1 and max(out["class_share"]) == out["class_share"][1]


def ring8(n, std=0.02, radius=2.0, seed=0):
    angles = torch.arange(8) * (2 * math.pi / 8)
    centers = radius * torch.stack([angles.cos(), angles.sin()], dim=1)
    g = torch.Generator().manual_seed(seed)
    return centers, centers[torch.randint(0, 8, (n,), generator=g)] + std * torch.randn(n, 2, generator=g)


def test_ring8_true_mixture_covers_all_modes():
    centers, x = ring8(2500)
    out = mixture_coverage(x, centers, 0.02)
    assert out["modes_covered"] == 8 and out["num_modes"] == 8
    assert out["high_quality"] == pytest.approx(1 - math.exp(-4.5), abs=0.006)  # P(‖N(0, σ²I₂)‖ ≤ 3σ)


def test_ring8_single_gaussian_covers_one_mode():
    centers, _ = ring8(1)
    x = centers[3] + 0.02 * torch.randn(2500, 2, generator=torch.Generator().manual_seed(1))
    out = mixture_coverage(x, centers, 0.02)
    assert out["modes_covered"] == 1
    far = torch.zeros(2500, 2)
    assert mixture_coverage(far, centers, 0.02) == {"modes_covered": 0, "num_modes": 8, "high_quality": 0.0}


def test_mode_needs_min_count_high_quality_samples():
    centers = torch.tensor([[0.0, 0.0], [10.0, 0.0]])
    x = torch.cat([torch.zeros(20, 2), torch.full((19, 2), 10.0) * torch.tensor([1.0, 0.0]), torch.full((5, 2), 5.0)])
    out = mixture_coverage(x, centers, 0.1, min_count=20)
    assert out["modes_covered"] == 1 and out["high_quality"] == pytest.approx(39 / 44)
