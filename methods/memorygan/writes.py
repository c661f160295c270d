"""Batched memory writes with last-writer-wins semantics (§3.1.2 under the batch reading of ``memory.py``).

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


def apply_writes(memory, queries: torch.Tensor, slots: torch.Tensor, mask: torch.Tensor, records: torch.Tensor):
    """Apply the writes [B, W] (``slots``, ``mask``) of the unit ``queries`` [B, M] to ``memory`` (buffers
    ``keys``, ``values``, ``hist``, ``ages``) in place, latest query winning. ``records`` [4, B, W] holds each
    write's key coefficient a, query coefficient b, value and histogram. Returns the written-slot mask [N]."""
    size, width = memory.keys.shape[0], slots.shape[1]
    winner = last_writer_wins(slots, mask, size)
    written = winner >= 0
    source = winner.clamp(min=0)
    a, b, values, hist = records.reshape(4, -1).index_select(1, source).unbind()
    memory.keys.mul_(torch.where(written, a, 1.0)[:, None])
    memory.keys.addcmul_(torch.where(written, b, 0.0)[:, None], queries.index_select(0, source // width))
    torch.where(written, values, memory.values, out=memory.values)
    torch.where(written, hist, memory.hist, out=memory.hist)
    memory.ages.add_(1).masked_fill_(written, 0)
    return written
