"""Invariants of the vMF memory: normalised posteriors, unit keys, exact marginal at k = N, LRU ages,
MCGN slot frequencies."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy.stats import chi2

from methods.memorygan.memory import VMFMemory


def random_queries(n, dim, seed):
    return F.normalize(torch.randn(n, dim, generator=torch.Generator().manual_seed(seed)), dim=1)


def trained_memory(fidelity="paper", size=128, key_dim=8, k=32, updates=15, seed=0):
    memory = VMFMemory(size, key_dim, k, fidelity=fidelity, em_iters=2)
    gen = torch.Generator().manual_seed(seed)
    for step in range(updates):
        memory.update(random_queries(16, key_dim, seed * 100 + step), (torch.rand(16, generator=gen) < 0.5).float())
    return memory


@pytest.mark.parametrize("fidelity", ["paper", "official"])
def test_posteriors_sum_to_one_and_keys_stay_unit(fidelity):
    memory = trained_memory(fidelity)
    post = memory.lookup(random_queries(32, 8, 99)).posterior
    torch.testing.assert_close(post.sum(-1), torch.ones(32))
    assert (post >= 0).all()
    norms = memory.keys.norm(dim=1)
    assert memory.used.sum() > 32
    torch.testing.assert_close(norms[memory.used], torch.ones(int(memory.used.sum())))
    assert (norms[~memory.used] == 0).all()


def test_top_k_output_with_k_equal_n_is_the_exact_marginal():
    size, dim = 64, 6
    memory = VMFMemory(size, dim, k=size)
    gen = torch.Generator().manual_seed(1)
    memory.keys.copy_(F.normalize(torch.randn(size, dim, generator=gen), dim=1))
    memory.hist.copy_(torch.rand(size, generator=gen) * 3)
    memory.values.copy_((torch.rand(size, generator=gen) < 0.5).float())
    q = random_queries(10, dim, 2)
    # eq. 1 + 2 over all N slots: p(c=i|x) ∝ exp(κ K_iᵀ q) (h_i + β) / Σ_j (h_j + β)
    prior = (memory.hist + 1e-8) / (memory.hist + 1e-8).sum()
    joint = torch.exp(q @ memory.keys.T) * prior
    marginal = (joint / joint.sum(1, keepdim=True) * memory.values).sum(1).clamp(1e-3, 1 - 1e-3)
    torch.testing.assert_close(memory.output(q), marginal)


def fake_only_memory(size=32, k=4, fidelity="paper"):
    """All slots real (v = 1) with distinct ages: every fake query is reset and written by LRU."""
    memory = VMFMemory(size, 4, k, fidelity=fidelity)
    memory.values.fill_(1.0)
    memory.keys.copy_(F.normalize(torch.randn(size, 4, generator=torch.Generator().manual_seed(0)), dim=1))
    memory.ages.copy_(torch.tensor([5, 9, 2, 9, 7] + [0] * (size - 5)))
    return memory


def test_lru_write_resets_exactly_the_written_slots():
    memory = fake_only_memory()
    before = memory.ages.clone()
    q = random_queries(3, 4, 5)
    memory.update(q, torch.zeros(3))
    # three reset queries take the three oldest slots in age order, lower index first on ties: 1, 3, 4
    expected = before + 1
    expected[[1, 3, 4]] = 0
    assert torch.equal(memory.ages, expected)
    torch.testing.assert_close(memory.keys[[1, 3, 4]], q)
    assert (memory.values[[1, 3, 4]] == 0).all() and (memory.values.sum() == 29)


def test_official_small_k_resets_share_the_single_oldest_slot():
    memory = fake_only_memory(fidelity="official")
    before = memory.ages.clone()
    q = random_queries(3, 4, 6)
    memory.update(q, torch.zeros(3))
    expected = before + 1
    expected[1] = 0
    assert torch.equal(memory.ages, expected)
    torch.testing.assert_close(memory.keys[1], q[2])  # the last reset query of the batch wins


def test_slot_sampling_frequencies_match_h_times_v():
    size = 40
    memory = VMFMemory(size, 4, 8)
    gen = torch.Generator().manual_seed(3)
    memory.hist.copy_(torch.rand(size, generator=gen) + 0.05)
    memory.values.copy_((torch.arange(size) % 3 != 0).float())
    torch.manual_seed(11)
    draws = memory.sample_slots(100_000)
    counts = torch.bincount(draws, minlength=size).double()
    assert counts[memory.values == 0].sum() == 0
    probs = (memory.hist * memory.values).double()
    probs = probs / probs.sum()
    real = memory.values == 1
    expected = probs[real] * draws.numel()
    statistic = float(((counts[real] - expected) ** 2 / expected).sum())
    assert statistic < chi2.ppf(0.999, int(real.sum()) - 1), statistic
    # and the test has power: a uniform sampler over real slots would be rejected
    uniform = np.full(int(real.sum()), draws.numel() / int(real.sum()))
    assert float(((uniform - expected.numpy()) ** 2 / expected.numpy()).sum()) > chi2.ppf(0.999, int(real.sum()) - 1)


def test_more_reset_queries_than_slots_share_the_last_slot_of_the_age_order():
    memory = fake_only_memory(size=8)
    memory.ages.copy_(torch.arange(8))
    q = random_queries(10, 4, 8)
    memory.update(q, torch.zeros(10))
    # ages 7..0 give the order 7, 6, ..., 0; queries 8 and 9 reuse slot 0, the last query wins
    torch.testing.assert_close(memory.keys[[7, 6, 5, 4, 3, 2, 1, 0]], q[[0, 1, 2, 3, 4, 5, 6, 9]])
    assert (memory.ages == 0).all() and (memory.values == 0).all()


@pytest.mark.parametrize("fidelity", ["paper", "official"])
def test_update_reusing_the_d_step_lookup_equals_a_fresh_update(fidelity):
    shared, fresh = trained_memory(fidelity), trained_memory(fidelity)
    q = random_queries(24, 8, 7)
    y = (torch.arange(24) < 12).float()
    read = shared.lookup(q)
    shared.update(q, y, read)
    fresh.update(q, y)
    for name in ("keys", "values", "ages", "hist", "used"):
        assert torch.equal(getattr(shared, name), getattr(fresh, name)), name
