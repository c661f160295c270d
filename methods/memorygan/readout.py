"""The discriminator output D(x) of the memory (eq. 4) as one autograd node, with a sparse backward.

Over a query's top-k slots S, with logits l_j = κ·K_jᵀq + log prior_j and p = softmax(l),

    D = clip(Σ_{j∈S} p_j v_j, ε, 1 − ε),    ∂D/∂q = κ Σ_{j∈S} p_j (v_j − Σ_i p_i v_i) K_j   (0 where clipped),

since ∂p_j/∂l_i = p_j(δ_ij − p_i). Ranking needs the dense product q Kᵀ [B, N], but D depends on q only through
the k selected similarities: differentiating a gather of the dense product would send a [B, N] gradient,
zero outside S, back through a second [B, N] × [N, M] product. Here the backward is the k-term sum, one
``embedding_bag`` over the selected keys (B·k·M instead of B·N·M multiply-adds), and the forward takes the
posterior p that the lookup computed anyway: one node instead of the gather/softmax/sum/clip chain. The keys
are memory state, not parameters: no gradient.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


class _Readout(torch.autograd.Function):
    @staticmethod
    def forward(ctx, q, posterior, slot_values, keys, slots, kappa, eps):
        mixture = (posterior * slot_values).sum(-1)
        output = mixture.clamp(eps, 1 - eps)
        ctx.save_for_backward(posterior, slot_values, mixture, output, keys, slots)
        ctx.kappa = kappa
        return output

    @staticmethod
    def backward(ctx, grad):
        posterior, slot_values, mixture, output = ctx.saved_tensors[:4]
        keys, slots = ctx.saved_tensors[4:]
        scale = (grad * ctx.kappa).mul_(mixture == output)  # the clip passes gradient on its bounds only
        weights = (slot_values - mixture[:, None]).mul_(posterior).mul_(scale[:, None])
        grad_q = F.embedding_bag(slots, keys.to(weights.dtype), per_sample_weights=weights, mode="sum")
        return grad_q, None, None, None, None, None, None


def readout(q, posterior, slot_values, keys, slots, *, kappa: float, eps: float) -> torch.Tensor:
    """D(x) [B] from the unit queries ``q`` [B, M] (the only input that gets a gradient), the posterior p over
    S [B, k] computed from them, the values v of S [B, k], the memory ``keys`` [N, M] and S = ``slots`` [B, k]."""
    return _Readout.apply(q, posterior, slot_values, keys, slots, kappa, eps)
