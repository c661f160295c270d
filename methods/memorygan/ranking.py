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
GROUP = 4  # slots per group of the two-level top-k


def rank_scores(sim: torch.Tensor, log_prior: torch.Tensor, kappa: float) -> torch.Tensor:
    """Ranking keys [B, N] (float64) of κ·sim + log_prior with index tie-breaking; ``sim`` [B, N] = K_iᵀq,
    ``log_prior`` [N]."""
    n = log_prior.shape[0]
    shifted = torch.sub(log_prior.double(), torch.arange(n, device=log_prior.device, dtype=torch.float64),
                        alpha=TIE_STEP)
    scores = sim.to(torch.float64, copy=True)  # then in place: a mixed float32 + float64 add is not vectorised on CPU
    return torch.add(shifted, scores, alpha=kappa, out=scores)


def top_slots(scores: torch.Tensor, k: int) -> torch.Tensor:
    """Indices [B, k] of the k largest ranking keys (from :func:`rank_scores`), best first.

    On CPU, when the row splits into groups of ``GROUP`` consecutive slots with k·GROUP < N, an exact
    two-level selection: the k groups with the largest maxima, then the top k of their k·GROUP members.
    Every member x of the top k lies in one of those groups (otherwise k groups have a maximum above
    x's group maximum ≥ x, i.e. k keys exceed x), so with distinct keys (the index shift makes finite keys
    distinct) the result equals ``torch.topk`` of the row, in order; only which −∞ keys fill a row with
    fewer than k finite ones may differ. ``torch.topk`` on CPU moves every one of the N (key, index) pairs
    of a row; this moves N/GROUP + k·GROUP of them.
    """
    batch, n = scores.shape
    if scores.device.type != "cpu" or n % GROUP or k * GROUP >= n:
        return torch.topk(scores, k, dim=-1).indices
    groups = torch.topk(scores.view(batch, n // GROUP, GROUP).amax(-1), k, dim=-1, sorted=False).indices
    members = (groups[..., None] * GROUP + torch.arange(GROUP, device=scores.device)).view(batch, -1)
    return members.gather(1, torch.topk(scores.gather(1, members), k, dim=-1).indices)


def oldest_slots(ages: torch.Tensor, n: int) -> torch.Tensor:
    """Indices [n] of the n oldest slots (largest integer age first, lower index first on ties: a stable
    sort keeps the index order of equal ages)."""
    return torch.sort(ages, descending=True, stable=True).indices[:n]
