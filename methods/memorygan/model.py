"""MemoryGAN as a :class:`GANMethod` (paper §3.2–3.3, Alg. 1).

Per ``train_step``: a D step on L_D (eq. 7) followed by the memory update with the real (y = 1) and fake
(y = 0) queries of that step, then a G step on L_G (eq. 8). With

    D(x) = memory output on q = μ(x)/‖μ(x)‖,  c ~ p(c | v = 1) ∝ h_c v_c,  z ~ U(−1, 1)^{z_dim},
    I = −E[κ K_cᵀ μ̂(G(z, K_c))]                          (normalised μ̂; ``paper``)
    L_D = −E log D(x) − E log(1 − D(G(z, K_c))) + λI
    L_G = E log(1 − D(G(z, K_c))) + λI                  (``loss: saturating``, eq. 8 as written)
    L_G = −E log D(G(z, K_c)) + λI                      (``loss: non-saturating``)

``fidelity: official`` ends the inference network in the authors' batch norm of the query (centre only,
:class:`QueryBatchNorm`), replaces λI by λ·MSE(μ(G(z, K_c)), K_c) on that (unnormalised) query (added to
both losses) and also updates the memory with the fake queries of the G step, as the official code does. The
memory update of a step is one batch of 2B queries, real first, so on a shared slot a fake query's write
wins (see ``writes.py``); the queries are those of the D step's forward pass, computed before its optimizer
step (as in the official code's graph; Alg. 1 does not say whether μ is re-evaluated). The G step draws
fresh z and c (Alg. 1 line 12). ``mcgn: false`` is the −MCGN ablation (plain z generator, no I term, DMN
discriminator); ``update: kaiser`` the −EM ablation. −Memory is plain DCGAN (method ``dcgan``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Optional

import torch
import torch.nn.functional as F
from torch import nn

from memgan_bench.data.base import DataSpec
from memgan_bench.errors import UserError
from memgan_bench.method import Batch, GANMethod, LatentSpec, optimizer_step
from memgan_bench.registry import METHODS
from methods.common.nets import build_generator, build_trunk, init_weights
from methods.memorygan.memory import VMFMemory


class QueryBatchNorm(nn.Module):
    """The official code's last layer of the inference network: μ = BN(W h) with TF-slim's ``batch_norm``
    defaults, centre only (β, no γ), ε 1e−3 (whyjay/memoryGAN ``models/discriminator.py``:67 and :83, the
    query conv under ``ops.py``:207's default ``norm=bn``). Each batch is normalised by its own statistics,
    as in all of the authors' training (real and fake batches pass separately), also in evaluation: D is then
    a function of the batch it judges, and a probe set judged as one batch is judged as training judged it
    (slim's moving averages serve only an evaluation-mode graph, which the authors never run on D)."""

    def __init__(self, dim: int):
        super().__init__()
        self.norm = nn.BatchNorm1d(dim, eps=1e-3, affine=False, track_running_stats=False)
        self.offset = nn.Parameter(torch.zeros(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(x) + self.offset


@METHODS.register("memorygan")
class MemoryGAN(GANMethod):
    """DMN discriminator + MCGN generator. ``lr_decay_steps > 0`` decays both learning rates linearly to 0
    over that many steps (paper App. B: α_t = α_0(1 − t/(1000γ)), i.e. 1000 epochs of γ steps), computed on
    the device from the ``lr_step`` buffer and handed to Adam as a 0-dim tensor: a compiled step does not
    recompile as the lr changes, and a captured one keeps decaying it."""

    @dataclass
    class Config:
        memory_size: int = field(default=4096, metadata={"min": 2})
        key_dim: int = field(default=256, metadata={"min": 1})
        k: int = field(default=128, metadata={"min": 1})
        z_dim: int = field(default=2, metadata={"min": 1})
        lam: float = field(default=1e-2, metadata={"min": 0.0})
        em_iters: int = field(default=1, metadata={"min": 1})
        alpha: float = field(default=0.5, metadata={"min": 0.0, "max": 1.0})
        beta: float = field(default=1e-8, metadata={"min": 0.0})
        kappa: float = field(default=1.0, metadata={"min": 0.0})
        eps: float = field(default=1e-3, metadata={"min": 0.0, "max": 0.5})
        fidelity: Literal["paper", "official"] = "paper"
        update: Literal["em", "kaiser"] = "em"
        mcgn: bool = True
        loss: Literal["saturating", "non-saturating"] = "saturating"
        width: int = field(default=64, metadata={"min": 1})
        lr: float = field(default=2e-4, metadata={"min": 0.0})
        betas: tuple[float, float] = (0.5, 0.999)
        lr_decay_steps: int = field(default=0, metadata={"min": 0})

    @classmethod
    def check_config(cls, cfg: "MemoryGAN.Config", run_cfg) -> None:
        if cfg.k > cfg.memory_size:
            raise UserError(f"config key 'model.k' ({cfg.k}) must not exceed model.memory_size ({cfg.memory_size})")

    @classmethod
    def tiny_configs(cls) -> dict[str, dict]:
        tiny = {"memory_size": 64, "key_dim": 8, "k": 16, "width": 8, "z_dim": 4}
        return {"paper": {**tiny, "lr_decay_steps": 10}, "official": {**tiny, "fidelity": "official"},
                "kaiser-no-mcgn": {**tiny, "update": "kaiser", "mcgn": False}}

    def __init__(self, cfg: Config, spec: DataSpec):
        super().__init__(cfg, spec)
        self.check_config(cfg, None)
        self.memory = VMFMemory(
            cfg.memory_size, cfg.key_dim, cfg.k, alpha=cfg.alpha, beta=cfg.beta, kappa=cfg.kappa, eps=cfg.eps,
            em_iters=cfg.em_iters, fidelity=cfg.fidelity, rule=cfg.update,
        )
        self.inference = build_trunk(spec, cfg.key_dim, cfg.width)
        self.generator = build_generator(cfg.z_dim + (cfg.key_dim if cfg.mcgn else 0), spec, cfg.width)
        init_weights(self.inference)
        init_weights(self.generator)
        if cfg.fidelity == "official":
            self.inference = nn.Sequential(self.inference, QueryBatchNorm(cfg.key_dim))
        self.d_opt = torch.optim.Adam(self.inference.parameters(), lr=cfg.lr, betas=cfg.betas)
        self.g_opt = torch.optim.Adam(self.generator.parameters(), lr=cfg.lr, betas=cfg.betas)
        self.register_buffer("lr_step", torch.zeros((), dtype=torch.long))

    # --- interface ------------------------------------------------------------------------------------
    def latent_spec(self) -> LatentSpec:
        return LatentSpec(self.cfg.z_dim, "uniform", (self.cfg.memory_size,) if self.cfg.mcgn else ())

    def sample_codes(self, n: int, labels: Optional[torch.Tensor] = None) -> Optional[torch.Tensor]:
        return self.memory.sample_slots(n)[:, None] if self.cfg.mcgn else None

    def generate(self, z: torch.Tensor, codes: Optional[torch.Tensor] = None) -> torch.Tensor:
        if not self.cfg.mcgn:
            return self.generator(z)
        return self.generator(torch.cat([z, self.memory.keys[codes[:, 0]].to(z.dtype)], 1))

    def query(self, x: torch.Tensor) -> torch.Tensor:
        """Unnormalised inference-network output μ(x) [n, M] (batch-normalised in ``official``)."""
        return self.inference(x)

    def discriminate(self, x: torch.Tensor) -> torch.Tensor:
        return self.memory.output(self.memory.unit(self.query(x)))

    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {"generator": self.g_opt, "discriminator": self.d_opt}

    # --- training -------------------------------------------------------------------------------------
    def _mi(self, q_raw: torch.Tensor, keys: Optional[torch.Tensor]) -> torch.Tensor:
        """I = −E[κ K_cᵀ q̂] (paper) or MSE(μ, K_c) (official); 0 without MCGN."""
        if keys is None:
            return q_raw.new_zeros(())
        if self.cfg.fidelity == "official":
            return F.mse_loss(q_raw, keys)
        return -(self.cfg.kappa * (keys * F.normalize(q_raw, dim=1)).sum(1)).mean()

    def _fake(self, n: int, device: torch.device) -> tuple[torch.Tensor, Optional[torch.Tensor]]:
        z = self.latent_spec().sample_z(n, device)
        codes = self.sample_codes(n)
        keys = None if codes is None else self.memory.keys[codes[:, 0]]
        return self.generate(z, codes), keys

    def _decay_lr(self) -> None:
        """lr_t = lr·max(0, 1 − t/lr_decay_steps) with t = ``lr_step``, as a device tensor (no host sync)."""
        if self.cfg.lr_decay_steps:
            lr = self.cfg.lr * (1 - self.lr_step / self.cfg.lr_decay_steps).clamp(min=0)
            for opt in (self.d_opt, self.g_opt):
                for group in opt.param_groups:
                    group["lr"] = lr
            self.lr_step += 1

    def train_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        x = batch.x
        n = x.shape[0]
        self._decay_lr()

        with torch.no_grad():
            fake, keys = self._fake(n, x.device)
        q_real_raw, q_fake_raw = self.query(x), self.query(fake)
        q = self.memory.unit(torch.cat([q_real_raw, q_fake_raw]))
        read = self.memory.lookup(q)
        d_real, d_fake = self.memory.output(read).split(n)
        mi_d = self._mi(q_fake_raw, keys)
        d_loss = -torch.log(d_real).mean() - torch.log(1 - d_fake).mean() + self.cfg.lam * mi_d
        optimizer_step(self.d_opt, d_loss)
        labels = torch.cat([torch.ones(n, device=x.device), torch.zeros(n, device=x.device)])
        mem = self.memory.update(q.detach(), labels, read)
        q_real, q_fake = q.detach().split(n)

        fake, keys = self._fake(n, x.device)
        q_gen_raw = self.query(fake)
        q_gen = self.memory.unit(q_gen_raw)
        read_gen = self.memory.lookup(q_gen)
        d_gen = self.memory.output(read_gen)
        adv = torch.log(1 - d_gen).mean() if self.cfg.loss == "saturating" else -torch.log(d_gen).mean()
        g_loss = adv + self.cfg.lam * self._mi(q_gen_raw, keys)
        optimizer_step(self.g_opt, g_loss)
        if self.cfg.fidelity == "official":
            self.memory.update(q_gen.detach(), torch.zeros(n, device=x.device), read_gen)

        return {
            "loss/d_loss": d_loss.detach(),
            "loss/g_loss": g_loss.detach(),
            "loss/mi": mi_d.detach(),
            "diag/d_real": d_real.detach().mean(),
            "diag/d_fake": d_fake.detach().mean(),
            "diag/mem_reset_rate": mem["reset_rate"],
            "diag/query_cos": torch.dot(q_real.mean(0), q_fake.mean(0)),  # mean cosine of real–fake query pairs
            "diag/mem_written_frac": mem["written_frac"],
            **{f"diag/{key}": value for key, value in self.memory.stats().items()},
        }
