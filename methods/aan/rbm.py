"""Binary RBM with ±1 ("spin") visible units and {0, 1} hidden units: the AAN's associative memory.

With visible s ∈ {−1, +1}^V, hidden h ∈ {0, 1}^H, weights W ∈ R^{V×H} and biases b ∈ R^V, c ∈ R^H:

    E(s, h) = −sᵀWh − bᵀs − cᵀh,                     p(s, h) = exp(−E(s, h)) / Z
    p(h_j = 1 | s) = σ(c_j + (Wᵀs)_j)                 (h_j ∈ {0, 1})
    p(s_i = +1 | h) = σ(2 a_i),  E[s_i | h] = tanh(a_i),  a = b + Wh     (s_i ∈ {−1, +1})
    F(s) = −log Σ_h exp(−E(s, h)) = −bᵀs − Σ_j softplus(c_j + (Wᵀs)_j),   p(s) = exp(−F(s)) / Z

so ∂F(s)/∂W = −s σ(c + Wᵀs)ᵀ, ∂F/∂b = −s, ∂F/∂c = −σ(c + Wᵀs), and the mean log-likelihood gradient of
data {sⁿ} is −∇[mean_n F(sⁿ) − E_p F(s)]. :meth:`SpinRBM.contrastive_loss` is that bracket with the model
expectation replaced by a mean over chain samples (PCD, Tieleman 2008); its gradient is the usual positive
minus negative statistics. Data in (−1, 1)^V (tanh features) enter F as they are: the positive statistics
f σ(c + Wᵀf)ᵀ are the mean-field ones (E(s, h) is linear in s, so F extends to real s unchanged).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class SpinRBM(nn.Module):
    def __init__(self, visible: int, hidden: int, init_std: float = 0.01):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(visible, hidden) * init_std)  # W
        self.visible_bias = nn.Parameter(torch.zeros(visible))  # b
        self.hidden_bias = nn.Parameter(torch.zeros(hidden))  # c

    def free_energy(self, s: torch.Tensor) -> torch.Tensor:
        """F(s) per row ([n]) for s ∈ [−1, 1]^V."""
        return -(s @ self.visible_bias) - F.softplus(s @ self.weight + self.hidden_bias).sum(dim=1)

    def hidden_probability(self, s: torch.Tensor) -> torch.Tensor:
        """p(h = 1 | s) = σ(c + Wᵀs)."""
        return torch.sigmoid(s @ self.weight + self.hidden_bias)

    def visible_field(self, h: torch.Tensor) -> torch.Tensor:
        """a = b + Wh: E[s | h] = tanh(a), p(s = +1 | h) = σ(2a)."""
        return h @ self.weight.T + self.visible_bias

    def sweep(self, s: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """One Gibbs sweep s → h ~ p(h | s) → s' ~ p(s' | h); returns (s', E[s' | h])."""
        h = torch.bernoulli(self.hidden_probability(s))
        field = self.visible_field(h)
        return 2 * torch.bernoulli(torch.sigmoid(2 * field)) - 1, torch.tanh(field)

    def gibbs(self, s: torch.Tensor, sweeps: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``sweeps`` ≥ 1 Gibbs sweeps from s; returns the last state, its conditional mean E[s | h] and the
        mean |Δs| per sweep (0-dim; 2 × the fraction of units that flip: the chains' mixing)."""
        change, mean = s.new_zeros(()), s
        for _ in range(sweeps):
            new, mean = self.sweep(s)
            change = change + (new - s).abs().mean()
            s = new
        return s, mean, change / sweeps

    def reconstruction(self, s: torch.Tensor) -> torch.Tensor:
        """Mean-field reconstruction tanh(b + W σ(c + Wᵀs)) of s."""
        return torch.tanh(self.visible_field(self.hidden_probability(s)))

    def contrastive_loss(self, data: torch.Tensor, samples: torch.Tensor) -> torch.Tensor:
        """mean F(data) − mean F(samples): its gradient is the negative log-likelihood gradient of the data
        with the model expectation estimated by ``samples`` (both treated as constants)."""
        return self.free_energy(data).mean() - self.free_energy(samples).mean()
