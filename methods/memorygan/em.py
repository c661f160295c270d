"""Slot-record updates for queries that are not reset: incremental EM (eq. 5, Alg. 1 lines 6–11) and the
averaging rule of Kaiser et al. (2017) used by the −EM ablation (paper §4.3)."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def incremental_em(
    q: torch.Tensor,
    keys: torch.Tensor,
    hist: torch.Tensor,
    valid: torch.Tensor,
    *,
    alpha: float,
    beta: float,
    kappa: float,
    iters: int,
    summed_hist: bool,
) -> tuple[torch.Tensor, torch.Tensor]:
    """T iterations of the modified incremental EM over each query's labelled top-k S_y.

    ``q`` [B, M] unit queries, ``keys`` [B, k, M] and ``hist`` [B, k] the slots of S_y, ``valid`` [B, k] its
    members (invalid entries get γ = 0 and are not written by the caller). With h⁰ = α·h, K⁰ = K, γ⁰ = 0:
    E-step γᵗ_i = exp(κ Kᵗ⁻¹_iᵀq)(hᵗ⁻¹_i + β) / Σ_{j∈S_y} (same), eq. 1 restricted to S_y;
    M-step hᵗ_i = hᵗ⁻¹_i + γᵗ_i − γᵗ⁻¹_i (paper) or hᵗ_i = hᵗ⁻¹_i + Σ_{j∈S_y}(γᵗ_j − γᵗ⁻¹_j) (official code,
    ``summed_hist``), then Kᵗ_i = Kᵗ⁻¹_i + (γᵗ_i − γᵗ⁻¹_i)/hᵗ_i · (q − Kᵗ⁻¹_i), re-normalised to the unit
    sphere after every iteration (the keys are vMF mean directions). Returns (K^T, h^T).
    """
    h = alpha * hist
    k_t = keys
    gamma_prev = torch.zeros_like(h)
    floor = torch.finfo(h.dtype).min
    for _ in range(iters):
        logits = kappa * torch.einsum("bkm,bm->bk", k_t, q) + torch.log(h + beta)
        gamma = torch.softmax(torch.where(valid, logits, floor), dim=-1)
        step = gamma - gamma_prev
        h = h + (step.sum(-1, keepdim=True) if summed_hist else step)
        k_t = F.normalize(k_t + (step / h).unsqueeze(-1) * (q.unsqueeze(1) - k_t), dim=-1)
        gamma_prev = gamma
    return k_t, h


def kaiser_average(
    q: torch.Tensor, key: torch.Tensor, hist: torch.Tensor, *, alpha: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """Kaiser et al. (2017) key update on one slot per query: K ← (K + q)/‖K + q‖ ([B, M]).

    That rule keeps no histogram; the prior and the MCGN sampler still need one, so the slot counts the
    query as a one-slot EM step would (γ = 1): h ← α·h + 1.
    """
    return F.normalize(key + q, dim=-1), alpha * hist + 1.0
