"""Batched memory writes with last-writer-wins semantics (§3.1.2 under the batch rule of issue 5).

Every query of a batch computes its writes against the memory as it was before the update; the writes
then land in batch order, so on a slot written by several queries the latest query wins (as the official
code's ``scatter_update`` does in practice). Scatter order on overlapping indices is undefined in PyTorch,
so the winner is decided explicitly: each write gets the id b·W + j (query b, write j < W), a
``scatter_reduce(amax)`` over the slot index picks the largest id per slot (a query writes a slot at most
once, so the largest id is the latest query), and the new slot record is gathered from that write.
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


def apply_writes(
    keys: torch.Tensor,
    values: torch.Tensor,
    hist: torch.Tensor,
    ages: torch.Tensor,
    slots: torch.Tensor,
    mask: torch.Tensor,
    new_keys: torch.Tensor,
    new_values: torch.Tensor,
    new_hist: torch.Tensor,
) -> torch.Tensor:
    """Write the records (``new_keys`` [B, W, M], ``new_values`` [B, W], ``new_hist`` [B, W]) at ``slots``
    where ``mask``, latest query winning; every age grows by 1 and written slots get age 0. Updates the
    buffers in place and returns the written-slot mask [N]."""
    size = keys.shape[0]
    winner = last_writer_wins(slots, mask, size)
    written = winner >= 0
    source = winner.clamp(min=0)
    keys.copy_(torch.where(written[:, None], new_keys.reshape(-1, keys.shape[1])[source], keys))
    values.copy_(torch.where(written, new_values.reshape(-1)[source], values))
    hist.copy_(torch.where(written, new_hist.reshape(-1)[source], hist))
    ages.copy_(torch.where(written, torch.zeros_like(ages), ages + 1))
    return written
