"""Batched memory writes with last-writer-wins semantics (§3.1.2 under the batch rule of issue 5).

Every query of a batch computes its writes against the memory as it was before the update; the writes
then land in batch order, so on a slot written by several queries the latest query wins (as the official
code's ``scatter_update`` does in practice). Scatter order on overlapping indices is undefined in PyTorch,
so the winner is decided explicitly: each write gets the id b·W + j (query b, write j < W), a
``scatter_reduce(amax)`` over the slot index picks the largest id per slot (a query writes a slot at most
once, so the largest id is the latest query), and the new slot record is gathered from that write.

A write to slot i sets K_i ← a·K_i + b·q (EM and Kaiser move the slot's own key towards its query q;
an LRU write is a = 0, b = 1), v_i, h_i and a_i ← 0; all other ages grow by 1.
"""

from __future__ import annotations

import torch


def last_writer_wins(slots: torch.Tensor, mask: torch.Tensor, size: int) -> torch.Tensor:
    """For ``slots`` [B, W] (int64) with write ``mask`` [B, W], the winning flat write id per slot [size]
    (−1 where no query writes)."""
    ids = torch.arange(slots.numel(), device=slots.device)
    target = torch.where(mask, slots, size).reshape(-1)
    winner = torch.full((size + 1,), -1, dtype=torch.long, device=slots.device)
    return winner.scatter_reduce(0, target, ids, reduce="amax")[:size]


def apply_writes(memory, queries, slots, mask, coef_key, coef_query, new_values, new_hist) -> torch.Tensor:
    """Apply the writes [B, W] (``slots``, ``mask``, key coefficients a and b, values, histogram) of the
    unit ``queries`` [B, M] to ``memory`` (buffers ``keys``, ``values``, ``hist``, ``ages``) in place,
    latest query winning. Returns the written-slot mask [N]."""
    size, width = memory.keys.shape[0], slots.shape[1]
    winner = last_writer_wins(slots, mask, size)
    written = winner >= 0
    source = winner.clamp(min=0)
    a = torch.where(written, coef_key.reshape(-1)[source], 1.0)
    b = torch.where(written, coef_query.reshape(-1)[source], 0.0)
    memory.keys.mul_(a[:, None]).addcmul_(b[:, None], queries.index_select(0, source // width))
    memory.values.copy_(torch.where(written, new_values.reshape(-1)[source], memory.values))
    memory.hist.copy_(torch.where(written, new_hist.reshape(-1)[source], memory.hist))
    memory.ages.copy_(torch.where(written, torch.zeros_like(memory.ages), memory.ages + 1))
    return written
