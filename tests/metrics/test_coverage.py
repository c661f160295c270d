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
    out = mixture_coverage(far, centers, std)
    assert (out["modes_covered"], out["num_modes"], out["high_quality"]) == (0, 8, 0.0)
    assert math.isnan(out["reverse_kl"])  # empty histogram: p = 0/0, as in PacGAN's code


def test_mode_needs_min_count_high_quality_samples():
    centers = torch.tensor([[0.0, 0.0], [10.0, 0.0]])
    x = torch.cat([torch.zeros(20, 2), torch.full((19, 2), 10.0) * torch.tensor([1.0, 0.0]), torch.full((5, 2), 5.0)])
    out = mixture_coverage(x, centers, 0.1, min_count=20)
    assert out["modes_covered"] == 1 and out["high_quality"] == pytest.approx(39 / 44)


def test_samples_on_the_modes_give_the_hand_computed_histogram_and_reverse_kl():
    ring = load_dataset("ring8", "test")
    centers, std = ring.mode_centers, ring.mode_std
    x = centers[torch.tensor([0, 0, 0, 5])]
    out = mixture_coverage(x, centers, std)
    assert out["modes_covered"] == 2 and out["high_quality"] == 1.0
    # p = (3/4, 1/4) on 2 of K = 8 modes: KL(p ‖ u) = 3/4 log(8 · 3/4) + 1/4 log(8 · 1/4)
    assert out["reverse_kl"] == pytest.approx(0.75 * math.log(6) + 0.25 * math.log(2), rel=1e-12)


@pytest.mark.parametrize("name", ["ring8", "grid25"])
def test_reverse_kl_is_zero_on_a_balanced_histogram_and_log_k_on_one_mode(name):
    data = load_dataset(name, "test")
    centers, std = data.mode_centers, data.mode_std
    assert mixture_coverage(centers.repeat(3, 1), centers, std)["reverse_kl"] == pytest.approx(0.0, abs=1e-12)
    assert mixture_coverage(centers[[2, 2]], centers, std)["reverse_kl"] == pytest.approx(math.log(len(centers)))


def test_reverse_kl_counts_only_high_quality_samples():
    centers = torch.tensor([[0.0, 0.0], [10.0, 0.0]])
    on_modes = torch.tensor([[0.0, 0.0], [10.0, 0.0]])
    strays = torch.tensor([[0.0, 4.0]] * 6)  # nearest mode 0, 40σ away: neither high quality nor in p
    out = mixture_coverage(torch.cat([on_modes, strays]), centers, 0.1)
    assert out["reverse_kl"] == pytest.approx(0.0, abs=1e-12) and out["high_quality"] == pytest.approx(2 / 8)


def test_high_quality_is_strictly_within_three_sigma_of_the_nearest_mode():
    centers = torch.tensor([[0.0, 0.0], [10.0, 0.0]])
    std = 0.5  # 3σ = 1.5 exactly in binary floating point
    x = torch.tensor([[1.5, 0.0], [0.0, -1.5], [1.49, 0.0], [10.0, 1.49], [5.0, 0.0]])
    out = mixture_coverage(x, centers, std)
    assert out["high_quality"] == pytest.approx(2 / 5) and out["modes_covered"] == 2


def test_reverse_kl_is_log_k_minus_the_histogram_entropy_pacgan_logs():
    counts = torch.tensor([7, 0, 3, 12, 1, 0, 0, 2])
    centers = torch.stack([torch.arange(8.0) * 10, torch.zeros(8)], 1)
    x = centers.repeat_interleave(counts, dim=0)
    p = [c / 25 for c in counts.tolist()]
    entropy = -sum(q * math.log(q) for q in p if q > 0)
    out = mixture_coverage(x, centers, 0.1)
    assert out["modes_covered"] == 5 and out["high_quality"] == 1.0
    assert out["reverse_kl"] == pytest.approx(math.log(8) - entropy, rel=1e-12)
