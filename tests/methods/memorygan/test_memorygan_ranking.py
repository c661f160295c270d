"""Deterministic rankings: exact ties go to the lower index, strict float32 orders are kept."""

import pytest
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


@pytest.mark.parametrize("n, k", [(4096, 128), (1024, 32), (96, 16), (16, 3)])
def test_two_level_top_k_equals_a_full_sort(n, k):
    gen = torch.Generator().manual_seed(n + k)
    sim = torch.rand(6, n, generator=gen) * 2 - 1
    sim[0] = 0.0  # an empty memory: all keys equal up to the index shift
    sim[1, ::3] = 0.25  # many exact ties among similarities
    log_prior = torch.log(torch.rand(n, generator=gen) * 10 + 1e-8)
    log_prior[: n // 2] = log_prior[0]  # equal histograms
    scores = rank_scores(sim, log_prior, 1.0)
    expected = torch.sort(scores, dim=-1, descending=True, stable=True).indices[:, :k]
    assert torch.equal(top_slots(scores, k), expected)


def test_two_level_top_k_keeps_every_finite_key_of_a_masked_row():
    n, k = 1024, 32
    scores = rank_scores(torch.rand(3, n, generator=torch.Generator().manual_seed(5)), torch.zeros(n), 1.0)
    finite = torch.zeros(3, n, dtype=torch.bool)
    finite[0, 7:700:40] = True  # 18 finite keys < k: the rest of the row is −∞ (S_y with few label-y slots)
    finite[1, 100:300] = True
    finite[2, 5] = True
    masked = torch.where(finite, scores, -torch.inf)
    top = top_slots(masked, k)
    for row in range(3):
        count = min(k, int(finite[row].sum()))
        expected = torch.sort(masked[row], descending=True, stable=True).indices[:count]
        assert torch.equal(top[row, :count], expected)
        assert torch.isinf(masked[row, top[row, count:]]).all()
