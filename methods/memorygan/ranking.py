"""Deterministic slot rankings: top-k by score (eq. 3) and oldest-first by age (LRU).

``torch.topk`` leaves the order of equal values unspecified (and it differs between CPU and CUDA).
Fresh memories are full of exact ties (K = 0, equal h), so both rankings here break ties towards the
lower slot index, which makes the memory update reproducible and comparable with a reference.
"""

from __future__ import annotations

import torch


def top_slots(score: torch.Tensor, k: int) -> torch.Tensor:
    """Indices [..., k] of the k largest of the positive ``score`` [..., N], best first, lower index first
    on ties.

    The score is cast to float64 and multiplied by 1 − i·δ with δ = 2^−(25 + bit_length(N)): the total
    perturbation N·δ < 2^−25 is below the relative gap between two distinct float32 values, so every strict
    float32 order is kept and only exact ties are reordered (by index). Requires score > 0.
    """
    n = score.shape[-1]
    delta = 2.0 ** -(25 + n.bit_length())
    factor = 1.0 - torch.arange(n, device=score.device, dtype=torch.float64) * delta
    return torch.topk(score.double() * factor, k, dim=-1).indices


def oldest_slots(ages: torch.Tensor, n: int) -> torch.Tensor:
    """Indices [n] of the n oldest slots (largest integer age first, lower index first on ties)."""
    size = ages.shape[0]
    key = ages * size + (size - 1 - torch.arange(size, device=ages.device))
    return torch.topk(key, n).indices
