"""Deterministic slot rankings: top-k by log-score (eq. 3) and oldest-first by age (LRU).

``torch.topk`` leaves the order of equal values unspecified (and it differs between CPU and CUDA).
Fresh memories are full of exact ties (K = 0, equal h), so both rankings here break ties towards the
lower slot index, which makes the memory update reproducible and comparable with a reference.
"""

from __future__ import annotations

import torch

TIE_STEP = 2.0**-44


def top_slots(log_score: torch.Tensor, k: int) -> torch.Tensor:
    """Indices [..., k] of the k largest of ``log_score`` [..., N] (|values| < 128 or −inf), best first,
    lower index first on ties.

    The ranking key is log_score − i·2^−44 in float64: the step exceeds the float64 spacing below 128, so
    equal scores are ordered by index, while the total shift N·2^−44 (< 1e−9 for N ≤ 16384) only reorders
    distinct scores closer than that.
    """
    n = log_score.shape[-1]
    shift = torch.arange(n, device=log_score.device, dtype=torch.float64) * TIE_STEP
    return torch.topk(log_score.double() - shift, k, dim=-1).indices


def oldest_slots(ages: torch.Tensor, n: int) -> torch.Tensor:
    """Indices [n] of the n oldest slots (largest integer age first, lower index first on ties)."""
    size = ages.shape[0]
    key = ages * size + (size - 1 - torch.arange(size, device=ages.device))
    return torch.topk(key, n).indices
