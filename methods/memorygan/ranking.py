"""Deterministic slot rankings: top-k by the log-score of eq. 3 and oldest-first by age (LRU).

``torch.topk`` leaves the order of equal values unspecified (and it differs between CPU and CUDA).
Fresh memories are full of exact ties (K = 0, equal h; equal ages), so both rankings here break ties
towards the lower slot index, which makes the memory update reproducible and comparable with a reference.

The ranking key of slot i is κ·K_iᵀq + log(h_i + β) − i·2^−44 in float64, built from the [B, N]
similarities by one float64 copy and an in-place add of the per-slot log-prior, into which the index shift
is folded. The step exceeds the float64
spacing below 128 (|scores| < 128, or −inf), so equal scores are ordered by index, while the total shift
N·2^−44 (< 1e−9 for N ≤ 16384) only reorders distinct scores closer than that.
"""

from __future__ import annotations

import torch

TIE_STEP = 2.0**-44


def rank_scores(sim: torch.Tensor, log_prior: torch.Tensor, kappa: float) -> torch.Tensor:
    """Ranking keys [B, N] (float64) of κ·sim + log_prior with index tie-breaking; ``sim`` [B, N] = K_iᵀq,
    ``log_prior`` [N]."""
    n = log_prior.shape[0]
    shifted = torch.sub(log_prior.double(), torch.arange(n, device=log_prior.device, dtype=torch.float64),
                        alpha=TIE_STEP)
    scores = sim.to(torch.float64, copy=True)  # then in place: a mixed float32 + float64 add is not vectorised on CPU
    return torch.add(shifted, scores, alpha=kappa, out=scores)


def top_slots(scores: torch.Tensor, k: int) -> torch.Tensor:
    """Indices [B, k] of the k largest ranking keys (from :func:`rank_scores`), best first."""
    return torch.topk(scores, k, dim=-1).indices


def oldest_slots(ages: torch.Tensor, n: int) -> torch.Tensor:
    """Indices [n] of the n oldest slots (largest integer age first, lower index first on ties: a stable
    sort keeps the index order of equal ages)."""
    return torch.sort(ages, descending=True, stable=True).indices[:n]
