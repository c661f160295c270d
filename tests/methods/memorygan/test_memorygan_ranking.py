"""Deterministic rankings: exact ties go to the lower index, strict float32 orders are kept."""

import torch

from methods.memorygan.ranking import oldest_slots, top_slots


def test_ties_go_to_the_lower_index():
    score = torch.tensor([[1.0, 3.0, 1.0, 3.0, 2.0, 1.0]])
    assert top_slots(score, 5).tolist() == [[1, 3, 4, 0, 2]]


def test_adjacent_float32_values_keep_their_order():
    n = 16384
    base = torch.full((n,), 0.7)
    high = torch.nextafter(torch.tensor(0.7), torch.tensor(1.0))
    base[n - 1] = high  # one ulp above all others, at the index that is penalised most
    assert top_slots(base[None], 2).tolist() == [[n - 1, 0]]


def test_oldest_slots_by_age_then_index():
    ages = torch.tensor([3, 8, 8, 1, 3, 8])
    assert oldest_slots(ages, 5).tolist() == [1, 2, 5, 0, 4]
