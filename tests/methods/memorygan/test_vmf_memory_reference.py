"""The vectorised memory against the slow per-query reference, over many successive batch updates."""

import zlib

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from tests.methods.memorygan.memorygan_reference import ReferenceMemory
from methods.memorygan.memory import VMFMemory

# (N, M, k, batch, EM iterations): k < 64 and k ≥ 64 (the official LRU rule switches at 64)
SHAPES = [(96, 12, 16, 16, 1), (96, 12, 24, 20, 3), (256, 12, 64, 24, 1), (160, 12, 80, 24, 2)]


def low_rank_queries(gen, basis, batch):
    """Unit queries near the span of ``basis`` (rank 3), so that top-k sets of queries overlap heavily."""
    rank, key_dim = basis.shape
    coeff = torch.randn(batch, rank, generator=gen, dtype=torch.float64)
    noise = 0.05 * torch.randn(batch, key_dim, generator=gen, dtype=torch.float64)
    return F.normalize(coeff @ basis + noise, dim=1)


CASES = [(shape, fidelity, rule) for shape in SHAPES for fidelity in ("paper", "official")
         for rule in ("em", "kaiser") if rule == "em" or shape[4] == 1]  # T only matters for EM


@pytest.mark.parametrize("shape, fidelity, rule", CASES, ids=lambda c: str(c).replace(" ", ""))
def test_matches_reference(shape, fidelity, rule):
    size, key_dim, k, batch, iters = shape
    kwargs = dict(em_iters=iters, fidelity=fidelity, rule=rule)
    memory = VMFMemory(size, key_dim, k, **kwargs).double()
    ref = ReferenceMemory(size, key_dim, k, **kwargs)
    gen = torch.Generator().manual_seed(zlib.crc32(repr((shape, fidelity, rule)).encode()))
    basis = torch.randn(3, key_dim, generator=gen, dtype=torch.float64)
    for _ in range(30):
        q = low_rank_queries(gen, basis, batch)
        y = (torch.rand(batch, generator=gen) < 0.5).double()
        expected_d = [ref.output(qi) for qi in q.numpy()]
        np.testing.assert_allclose(memory.output(q).numpy(), expected_d, atol=1e-5, rtol=0)
        memory.update(q, y)
        ref.update(q.numpy(), y.numpy())
        np.testing.assert_allclose(memory.keys.numpy(), ref.K, atol=1e-5, rtol=0)
        np.testing.assert_allclose(memory.hist.numpy(), ref.h, atol=1e-5, rtol=1e-6)
        np.testing.assert_array_equal(memory.values.numpy(), ref.v)
        np.testing.assert_array_equal(memory.ages.numpy(), ref.a)
    # the run must have exercised resets, non-reset updates and overlapping writes within a batch
    assert ref.counts["reset"] > 0 and ref.counts["em"] > 0 and ref.counts["overlap"] > 0, ref.counts


@pytest.mark.parametrize("fidelity", ["paper", "official"])
def test_default_float32_memory_tracks_the_float64_reference(fidelity):
    size, key_dim, k, batch = 128, 12, 64, 16
    memory, ref = VMFMemory(size, key_dim, k, fidelity=fidelity), ReferenceMemory(size, key_dim, k, fidelity=fidelity)
    gen = torch.Generator().manual_seed(21)
    basis = torch.randn(3, key_dim, generator=gen, dtype=torch.float64)
    for _ in range(20):
        q = low_rank_queries(gen, basis, batch)
        y = (torch.rand(batch, generator=gen) < 0.5).double()
        np.testing.assert_allclose(memory.output(q.float()).numpy(), [ref.output(x) for x in q.numpy()], atol=1e-5)
        memory.update(q.float(), y.float())
        ref.update(q.numpy(), y.numpy())
    assert memory.keys.dtype == torch.float32
    np.testing.assert_allclose(memory.keys.numpy(), ref.K, atol=1e-5)
    np.testing.assert_allclose(memory.hist.numpy(), ref.h, atol=1e-5, rtol=1e-5)
    np.testing.assert_array_equal(memory.ages.numpy(), ref.a)
