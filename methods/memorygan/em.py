"""Slot-record updates for queries that are not reset: incremental EM (eq. 5, Alg. 1 lines 6–11) and the
averaging rule of Kaiser et al. (2017) used by the −EM ablation (paper §4.3).

Both only ever move a key K_i towards the query q and re-normalise it, so the new key is
K'_i = a_i·K_i + b_i·q. The functions return the scalar coefficients (a, b) instead of [B, k, M] key
tensors: with s = K_iᵀq and n² = ‖K_i‖², one step K ← ((1 − r)K + r q)/‖·‖ gives
‖(1 − r)K + r q‖² = (1 − r)²n² + 2r(1 − r)s + r² and Kᵀq ← ((1 − r)s + r)/‖·‖ (q is a unit vector), so
the EM iterations run on [B, k] scalars and the keys are written once, from the slot's own key and q.
The division by ‖·‖ is floored as ``F.normalize`` (``paper``) or ``tf.nn.l2_normalize`` (``official``)
does (``normalize.py``): in the official code an empty slot (K = 0) moved by r < 1e−6
keeps a key of norm r·10⁶ < 1.
"""

from __future__ import annotations

import torch

from methods.memorygan.normalize import norm_divisor


def _step(a, b, s, n2, r, squared_floor):
    """Coefficients, similarity and squared norm after K ← ((1 − r)K + r q)/‖·‖ (floored, ``normalize.py``),
    with ‖(1 − r)K + r q‖² = (1 − r)²n² + r(2(1 − r)s + r). ``a`` = ``b`` = None stand for the identity
    K = 1·K + 0·q."""
    u = 1 - r
    raw = torch.addcmul(u * u * n2, r, torch.addcmul(r, u, s, value=2)).clamp_(min=0)
    inv = norm_divisor(raw, squared_floor).reciprocal_()
    a = u * inv if a is None else u * a * inv
    b = r * inv if b is None else torch.addcmul(r, u, b).mul_(inv)
    return a, b, torch.addcmul(r, u, s).mul_(inv), raw.mul_(inv * inv)


def incremental_em(
    sim: torch.Tensor,
    sq_norm: torch.Tensor,
    hist: torch.Tensor,
    valid: torch.Tensor | None,
    *,
    alpha: float,
    beta: float,
    kappa: float,
    iters: int,
    official: bool,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """T iterations of the modified incremental EM over each query's labelled top-k S_y.

    Inputs [B, k] for the slots of S_y: ``sim`` = K_iᵀq, ``sq_norm`` = ‖K_i‖², ``hist`` = h_i, ``valid``
    = membership (invalid entries get γ = 0 and are not written by the caller; None: all valid). With
    h⁰ = α·h, K⁰ = K, γ⁰ = 0: E-step γᵗ_i = exp(κ Kᵗ⁻¹_iᵀq)(hᵗ⁻¹_i + β) / Σ_{j∈S_y} (same), eq. 1 restricted
    to S_y; M-step hᵗ_i = hᵗ⁻¹_i + γᵗ_i − γᵗ⁻¹_i (paper) or hᵗ_i = hᵗ⁻¹_i + Σ_{j∈S_y}(γᵗ_j − γᵗ⁻¹_j) (official
    code), then Kᵗ_i = Kᵗ⁻¹_i + (γᵗ_i − γᵗ⁻¹_i)/hᵗ_i · (q − Kᵗ⁻¹_i), re-normalised to the unit sphere after
    every iteration (the keys are vMF mean directions; ``official`` with TensorFlow's floor on ‖·‖²).
    Returns (a, b, h^T) with K^T_i = a_i K_i + b_i q.
    """
    h = alpha * hist
    a, b, s, n2 = None, None, sim, sq_norm
    gamma_prev = None
    for _ in range(iters):
        log_joint = torch.add(torch.log(h + beta), s, alpha=kappa)
        if valid is not None:
            log_joint = torch.where(valid, log_joint, torch.finfo(h.dtype).min)
        gamma = torch.softmax(log_joint, dim=-1)
        step = gamma if gamma_prev is None else gamma - gamma_prev
        h = h + (step.sum(-1, keepdim=True) if official else step)
        a, b, s, n2 = _step(a, b, s, n2, step / h, official)
        gamma_prev = gamma
    return a, b, h


def kaiser_average(
    sim: torch.Tensor, sq_norm: torch.Tensor, hist: torch.Tensor, *, alpha: float, official: bool
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Kaiser et al. (2017) key update on one slot per query, K ← (K + q)/‖K + q‖, as (a, b) coefficients
    (the r = 1/2 step of :func:`_step`, up to the common factor 2 that normalisation removes; ``official``
    floors ‖·‖² as Kaiser et al.'s TensorFlow code does).

    That rule keeps no histogram; the prior and the MCGN sampler still need one, so the slot counts the
    query as a one-slot EM step would (γ = 1): h ← α·h + 1.
    """
    half = torch.full_like(sim, 0.5)
    a, b, _, _ = _step(None, None, sim, sq_norm, half, official)
    return a, b, alpha * hist + 1.0
