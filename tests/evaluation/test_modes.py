"""The mode assignment that scores class-incremental streams over a 2-D mixture's modes."""

import math

import torch

from memgan_bench.data import load_dataset
from memgan_bench.evaluation.modes import ModeClassifier


def test_every_mixture_point_is_assigned_its_own_mode():
    """Points are drawn within σ·N(0, I) of their mode: the nearest mode is always their own (modes are
    tens of σ apart); beyond 3σ is rare (P = e^{-9/2} ≈ 1.1 % in 2-D) and then belongs to none under radius 3."""
    for name in ("ring8", "grid25"):
        data = load_dataset(name, "test", None, 0)
        assert torch.equal(ModeClassifier(data.mode_centers, data.mode_std).predict(data.images), data.labels)
        predicted = ModeClassifier(data.mode_centers, data.mode_std, radius=3.0).predict(data.images)
        on_a_mode = predicted >= 0
        assert bool((predicted[on_a_mode] == data.labels[on_a_mode]).all()), name
        share_off = 1 - float(on_a_mode.float().mean())
        assert abs(share_off - math.exp(-9 / 2)) < 0.004, (name, share_off)  # P(‖N(0, I₂)‖ > 3) = e^{-9/2}


def test_with_a_radius_points_between_modes_belong_to_none_and_logits_rank_the_nearest_first():
    centers = torch.tensor([[0.0, 0.0], [1.0, 0.0]])
    classifier = ModeClassifier(centers, std=0.1, radius=3.0)
    x = torch.tensor([[0.05, 0.0], [0.5, 0.0], [0.99, 0.29], [1.0, 0.31]])
    assert classifier.predict(x).tolist() == [0, -1, 1, -1]
    assert ModeClassifier(centers, std=0.1).predict(x).tolist() == [0, 0, 1, 1]
    assert classifier.logits(x).argmax(1).tolist() == [0, 0, 1, 1]
    assert classifier.num_classes == 2
