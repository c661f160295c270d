"""DCGAN (Radford et al. 2016): the "−Memory" row of MemoryGAN's Table 2.

L_D = −E log D(x) − E log(1 − D(G(z)))  (computed from logits: softplus(−l_real) + softplus(l_fake)).
Generator loss, a config choice:
  ``saturating``      L_G = E log(1 − D(G(z)))   (the minimax form of MemoryGAN eq. 7–8 without memory)
  ``non-saturating``  L_G = −E log D(G(z))        (Goodfellow et al. 2014's practical form)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import torch
import torch.nn.functional as F

from memgan_bench.data.base import DataSpec
from memgan_bench.registry import METHODS
from memgan_bench.method import Batch, GANMethod, LatentSpec, optimizer_step
from methods.nets import build_generator, build_trunk, init_weights


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """−E log σ(l_real) − E log(1 − σ(l_fake))."""
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def generator_loss(fake_logits: torch.Tensor, form: str) -> torch.Tensor:
    """Saturating E log(1 − σ(l)) = −E softplus(l); non-saturating −E log σ(l) = E softplus(−l)."""
    if form == "saturating":
        return -F.softplus(fake_logits).mean()
    return F.softplus(-fake_logits).mean()


@METHODS.register("dcgan")
class DCGAN(GANMethod):
    @dataclass
    class Config:
        z_dim: int = field(default=100, metadata={"min": 1})
        width: int = field(default=64, metadata={"min": 1})
        loss: Literal["non-saturating", "saturating"] = "non-saturating"
        lr: float = field(default=2e-4, metadata={"min": 0.0})
        betas: tuple[float, float] = (0.5, 0.999)

    @classmethod
    def tiny_configs(cls) -> dict[str, dict]:
        return {"default": {"z_dim": 8, "width": 8}}

    def __init__(self, cfg: Config, spec: DataSpec):
        super().__init__(cfg, spec)
        self.generator = build_generator(cfg.z_dim, spec, cfg.width)
        self.discriminator = build_trunk(spec, 1, cfg.width)
        init_weights(self)
        self.opt_g = torch.optim.Adam(self.generator.parameters(), lr=cfg.lr, betas=cfg.betas)
        self.opt_d = torch.optim.Adam(self.discriminator.parameters(), lr=cfg.lr, betas=cfg.betas)

    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {"generator": self.opt_g, "discriminator": self.opt_d}

    def latent_spec(self) -> LatentSpec:
        return LatentSpec(z_dim=self.cfg.z_dim, z_prior="normal")

    def generate(self, z: torch.Tensor, codes: torch.Tensor | None = None) -> torch.Tensor:
        return self.generator(z)

    def discriminate(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.discriminator(x).squeeze(1))

    def train_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        z = self.latent_spec().sample_z(batch.x.shape[0], batch.x.device)
        fake = self.generator(z)
        real_logits = self.discriminator(batch.x).squeeze(1)
        fake_logits = self.discriminator(fake.detach()).squeeze(1)
        d_loss = discriminator_loss(real_logits, fake_logits)
        optimizer_step(self.opt_d, d_loss)

        g_loss = generator_loss(self.discriminator(fake).squeeze(1), self.cfg.loss)
        optimizer_step(self.opt_g, g_loss)
        return {
            "loss/d_loss": d_loss.detach(),
            "loss/g_loss": g_loss.detach(),
            "diag/d_real": torch.sigmoid(real_logits).mean().detach(),
            "diag/d_fake": torch.sigmoid(fake_logits).mean().detach(),
        }
