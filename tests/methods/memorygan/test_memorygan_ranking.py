"""Deterministic rankings: exact ties go to the lower index, strict float32 orders are kept."""

import torch

from methods.memorygan.ranking import oldest_slots, rank_scores, top_slots


def test_ties_go_to_the_lower_index():
    sim = torch.tensor([[0.5, 2.0, 0.0, 2.5, 1.5, 0.5]])
    log_prior = torch.tensor([0.5, 1.0, 1.0, 0.5, 0.5, 0.5])  # scores 1, 3, 1, 3, 2, 1
    assert top_slots(rank_scores(sim, log_prior, 1.0), 5).tolist() == [[1, 3, 4, 0, 2]]


def test_adjacent_float32_values_keep_their_order():
    n = 16384
    sim = torch.full((1, n), 0.7)
    sim[0, n - 1] = torch.nextafter(torch.tensor(0.7), torch.tensor(1.0))  # one ulp up, most penalised index
    assert top_slots(rank_scores(sim, torch.full((n,), -11.5), 1.0), 2).tolist() == [[n - 1, 0]]


def test_rank_scores_are_the_float64_log_posterior():
    gen = torch.Generator().manual_seed(0)
    sim, log_prior = torch.randn(3, 50, generator=gen), torch.randn(50, generator=gen)
    expected = 2.0 * sim.double() + log_prior.double()
    torch.testing.assert_close(rank_scores(sim, log_prior, 2.0), expected, rtol=0, atol=50 * 2.0**-44 + 1e-15)


def test_oldest_slots_by_age_then_index():
    ages = torch.tensor([3, 8, 8, 1, 3, 8])
    assert oldest_slots(ages, 5).tolist() == [1, 2, 5, 0, 4]
