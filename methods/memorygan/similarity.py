"""The similarities K_iᵀq of a query's top-k slots S, differentiable in q with a sparse backward.

Ranking needs every similarity (the dense [B, N] product q Kᵀ), but D(x) depends on q only through the k
selected ones (eq. 4). Differentiating ``sim.gather(1, S)`` would send a [B, N] gradient, zero outside S,
back through the dense product: a second [B, N] × [N, M] matrix product. Here the backward is the k-term
sum ∂L/∂q_b = Σ_{j∈S_b} (∂L/∂s_bj) K_j, one ``embedding_bag`` over the selected keys (B·k·M instead of
B·N·M multiply-adds), with the same result. The keys are memory state, not parameters: no gradient.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


class _SelectedSimilarity(torch.autograd.Function):
    @staticmethod
    def forward(ctx, q: torch.Tensor, sim: torch.Tensor, keys: torch.Tensor, slots: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(keys, slots)
        return sim.gather(1, slots)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        keys, slots = ctx.saved_tensors
        grad_q = F.embedding_bag(slots, keys.to(grad.dtype), per_sample_weights=grad, mode="sum")
        return grad_q, None, None, None


def selected_similarity(q: torch.Tensor, sim: torch.Tensor, keys: torch.Tensor, slots: torch.Tensor) -> torch.Tensor:
    """K_jᵀq_b for j ∈ S_b ([B, k]), read from the detached dense ``sim`` = q Kᵀ [B, N] of the same ``q``
    [B, M] and ``keys`` [N, M]; its gradient flows to ``q`` only."""
    return _SelectedSimilarity.apply(q, sim, keys, slots)
