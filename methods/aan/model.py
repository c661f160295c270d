"""Associative adversarial networks (Arici & Celikyilmaz 2016) as a :class:`GANMethod`.

Our reading of the paper (arXiv 1611.06953; the text available to us is a keyword dump without numbers):

- D = C(F(x)): F is D's trunk ending in the tapped layer f = tanh(W_f h + b_f) ∈ (−1, 1)^V
  (``build_trunk(..., tap=V)``, V = ``visible``). C is the rest of the classification network: the paper
  (§4) follows the visible-sized fully connected layer with further layers, "the hidden layers of the
  classification network" C, then the output. Here C = ``head_layers`` hidden layers of ``head_width``
  units (default V) with LeakyReLU(0.2) (the paper's activation everywhere but the tanh tap), then a
  linear map to one logit; ``head_layers: 0`` is a single linear layer. The layer count and width are
  not legible in the text available to us (numbers dropped), so 2 × V is our choice.
- The associative memory is a :class:`~methods.aan.rbm.SpinRBM`: visible s ∈ {−1, +1}^V (spins, so
  E[s | h] = tanh(·) matches f), H = ``hidden`` binary hidden units h ∈ {0, 1}^H (our choice; the paper does
  not say), E(s, h) = −sᵀWh − bᵀs − cᵀh. It is trained by maximum likelihood on the features of the real
  batch, f = F(x) from this step's D forward (before D's update), detached, with persistent contrastive
  divergence (Tieleman 2008): ``cd_steps`` Gibbs sweeps per update on ``chains`` persistent chains kept as
  buffers, then one SGD step with momentum (``rbm_lr`` 0.01, ``rbm_momentum`` 0.5: our defaults, the paper
  gives none; a ``torch.optim.SGD`` named ``"rbm"``, so its momentum is checkpointed). The positive phase
  uses f itself (mean field), not a binarised sample of it.
- G's input is the chains' state s̃ (``g_input: sample``) or its conditional mean E[s | h] from the last
  sweep (``g_input: mean``), plus N(0, ``input_noise``²) noise (default 0: no noise enters G). Fake i of a
  batch of B reads chain i mod C (``check_config`` asks C ≥ B, so each fake is its own chain).
- L_D = −E log D(x) − E log(1 − D(G(s̃))); L_G non-saturating −E log D(G(s̃)) (``loss: saturating``:
  E log(1 − D(G(s̃)))). One ``train_step`` updates D, then the RBM (advancing the chains), then G, the
  fakes of D's and G's steps being the same G(s̃) from the chains as they stood at the step's start.
- Evaluation samples (``sample``, GOoF, EWC, the probes, via :meth:`AAN.sample_latent`) start from
  *copies* of the persistent chains (sample i from chain i mod C) and run ``burn_in`` further sweeps on the
  copies, so copies of one chain decorrelate and the chains themselves move only in ``train_step``.
  ``latent_spec`` declares U(−1, 1)^V only as the box GOoF inverts G over (its restarts start uniform in
  it), the relaxation of the 2^V spin codes; with ``g_input: sample`` and no input noise it is marked
  ``spin``, so GOoF also searches the codes themselves (G's range is G({−1, +1}^V); the box search is a
  lower bound on its distance). With ``input_noise`` > 0, G's inputs leave the box slightly. The prior G is
  trained on is the RBM's, reached only through ``sample_latent``.

Diagnostics: ``rbm_reconstruction_error`` mean (f − tanh(b + W σ(c + Wᵀf)))² on the real features;
``rbm_chain_change`` mean |Δs| per Gibbs sweep of the chains (2 × the fraction of flipped units: mixing);
``rbm_visible_entropy`` the mean over units of the binary entropy (bits) of the chains' average visible
mean, (1 + mean_c E[s_i | h_c]) / 2, 1 when every unit is balanced across chains and 0 when the memory has
collapsed onto one state (the degeneracy the paper warns of); ``rbm_conditional_entropy`` the same
entropy per chain before averaging (how stochastic one sweep still is).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal, Optional

import torch
from torch import nn

from memgan_bench.data.base import DataSpec
from memgan_bench.errors import UserError
from memgan_bench.method import Batch, GANMethod, Latent, LatentSpec, optimizer_step
from memgan_bench.registry import METHODS
from methods.aan.rbm import SpinRBM
from methods.common.losses import adversarial_logs, discriminator_loss, generator_loss
from methods.common.nets import build_generator, build_trunk, init_weights


def spin_entropy_bits(mean: torch.Tensor) -> torch.Tensor:
    """Binary entropy in bits of a ±1 unit with mean ``mean`` (p(+1) = (1 + mean) / 2), elementwise."""
    p = ((1 + mean) / 2).clamp(0, 1)
    return (torch.special.entr(p) + torch.special.entr(1 - p)) / math.log(2)


def classification_head(visible: int, layers: int, width: int) -> nn.Sequential:
    """C: ``layers`` × (linear ``width`` + LeakyReLU(0.2)) from the V-unit tap, then linear → 1 logit."""
    blocks: list[nn.Module] = []
    for i in range(layers):
        blocks += [nn.Linear(visible if i == 0 else width, width), nn.LeakyReLU(0.2)]
    return nn.Sequential(*blocks, nn.Linear(width if layers else visible, 1))


@METHODS.register("aan")
class AAN(GANMethod):
    @dataclass
    class Config:
        visible: int = field(default=100, metadata={"min": 1})
        hidden: int = field(default=100, metadata={"min": 1})
        cd_steps: int = field(default=1, metadata={"min": 1})
        chains: int = field(default=64, metadata={"min": 1})
        burn_in: int = field(default=10, metadata={"min": 0})
        rbm_lr: float = field(default=0.01, metadata={"min": 0.0})
        rbm_momentum: float = field(default=0.5, metadata={"min": 0.0, "max": 1.0})
        g_input: Literal["sample", "mean"] = "sample"
        input_noise: float = field(default=0.0, metadata={"min": 0.0})
        loss: Literal["non-saturating", "saturating"] = "non-saturating"
        head_layers: int = field(default=2, metadata={"min": 0})
        head_width: int = field(default=0, metadata={"min": 0})  # 0: V
        width: int = field(default=64, metadata={"min": 1})
        lr: float = field(default=2e-4, metadata={"min": 0.0})
        betas: tuple[float, float] = (0.5, 0.999)

    @classmethod
    def check_config(cls, cfg: "AAN.Config", run_cfg) -> None:
        if run_cfg is not None and cfg.chains < run_cfg.train.batch_size:
            raise UserError(f"config key 'model.chains' ({cfg.chains}) must be at least train.batch_size "
                            f"({run_cfg.train.batch_size}): each fake of a batch is one chain's state")

    @classmethod
    def tiny_configs(cls) -> dict[str, dict]:
        tiny = {"visible": 6, "hidden": 5, "chains": 8, "burn_in": 2, "width": 8}
        return {"default": tiny, "mean-noise-saturating": {**tiny, "visible": 8, "g_input": "mean",
                                                            "input_noise": 0.1, "cd_steps": 2,
                                                            "loss": "saturating", "head_layers": 0}}

    def __init__(self, cfg: Config, spec: DataSpec):
        super().__init__(cfg, spec)
        self.generator = build_generator(cfg.visible, spec, cfg.width)
        self.discriminator = build_trunk(spec, 1, cfg.width, tap=cfg.visible)
        self.discriminator.head = classification_head(cfg.visible, cfg.head_layers, cfg.head_width or cfg.visible)
        init_weights(self)
        self.rbm = SpinRBM(cfg.visible, cfg.hidden)
        with torch.no_grad():  # chains start one sweep away from uniform random spins
            start = 2 * torch.randint(0, 2, (cfg.chains, cfg.visible)).float() - 1
            visible, mean, _ = self.rbm.gibbs(start, 1)
        self.register_buffer("chain_visible", visible)
        self.register_buffer("chain_mean", mean)
        self.opt_g = torch.optim.Adam(self.generator.parameters(), lr=cfg.lr, betas=cfg.betas)
        self.opt_d = torch.optim.Adam(self.discriminator.parameters(), lr=cfg.lr, betas=cfg.betas)
        self.opt_rbm = torch.optim.SGD(self.rbm.parameters(), lr=cfg.rbm_lr, momentum=cfg.rbm_momentum)

    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {"generator": self.opt_g, "discriminator": self.opt_d, "rbm": self.opt_rbm}

    def latent_spec(self) -> LatentSpec:
        """U(−1, 1)^V as the box GOoF inverts over; a spin latent when G reads the chains' spins unperturbed."""
        spin = self.cfg.g_input == "sample" and self.cfg.input_noise == 0
        return LatentSpec(z_dim=self.cfg.visible, z_prior="uniform", spin=spin)

    def _chain_rows(self, n: int) -> torch.Tensor:
        return torch.arange(n, device=self.chain_visible.device) % self.cfg.chains

    def _generator_input(self, visible: torch.Tensor, mean: torch.Tensor) -> torch.Tensor:
        s = mean if self.cfg.g_input == "mean" else visible
        if self.cfg.input_noise:
            s = s + self.cfg.input_noise * torch.randn_like(s)
        return s

    @torch.no_grad()
    def sample_latent(self, n: int, labels: Optional[torch.Tensor] = None) -> Latent:
        """G's input for n samples from copies of the chains advanced by ``burn_in`` sweeps (module doc)."""
        rows = self._chain_rows(n)
        visible, mean = self.chain_visible[rows], self.chain_mean[rows]  # gathers: copies
        if self.cfg.burn_in:
            visible, mean, _ = self.rbm.gibbs(visible, self.cfg.burn_in)
        return Latent(self._generator_input(visible, mean), None)

    def generate(self, z: torch.Tensor, codes: Optional[torch.Tensor] = None) -> torch.Tensor:
        return self.generator(z)

    def discriminate(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.discriminator(x).squeeze(1))

    def train_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        rows = self._chain_rows(batch.x.shape[0])
        fake = self.generator(self._generator_input(self.chain_visible[rows], self.chain_mean[rows]))
        real_features = self.discriminator.features(batch.x)
        real_logits = self.discriminator.head(real_features).squeeze(1)
        fake_logits = self.discriminator(fake.detach()).squeeze(1)
        d_loss = discriminator_loss(real_logits, fake_logits)
        optimizer_step(self.opt_d, d_loss)

        rbm_logs = self._rbm_step(real_features.detach())

        g_loss = generator_loss(self.discriminator(fake).squeeze(1), self.cfg.loss)
        optimizer_step(self.opt_g, g_loss)
        return {**adversarial_logs(d_loss, g_loss, real_logits, fake_logits), **rbm_logs}

    def _rbm_step(self, features: torch.Tensor) -> dict[str, torch.Tensor]:
        """PCD: advance the chains ``cd_steps`` sweeps, then one SGD step on mean F(f) − mean F(s_chains)."""
        with torch.no_grad():
            visible, mean, change = self.rbm.gibbs(self.chain_visible, self.cfg.cd_steps)
            reconstruction_error = (features - self.rbm.reconstruction(features)).pow(2).mean()
        rbm_loss = self.rbm.contrastive_loss(features, visible)
        optimizer_step(self.opt_rbm, rbm_loss)
        self.chain_visible.copy_(visible)
        self.chain_mean.copy_(mean)
        return {
            "loss/rbm_free_energy_gap": rbm_loss.detach(),
            "diag/rbm_reconstruction_error": reconstruction_error,
            "diag/rbm_chain_change": change,
            "diag/rbm_visible_entropy": spin_entropy_bits(mean.mean(dim=0)).mean(),
            "diag/rbm_conditional_entropy": spin_entropy_bits(mean).mean(),
        }
