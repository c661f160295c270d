"""GAN ensembles on subsets of the data (Luzi 2020; Luzi, Balestriero & Baraniuk, arXiv 2006.14600).

The training set is partitioned into K subsets and one GAN is trained per subset; the ensemble samples
component k with probability π_k = n_k / N (our reading of the mixture weights: the subset's share of the
data). Partitions (``partition``):

- ``random``: an equal random split (``methods.common.partitions.random_partition``);
- ``kmeans``: k-means (k-means++ seeds, then Lloyd) on the pixels, or with ``kmeans_space: features`` on the
  method's own feature network (``methods.common.features``: a DCGAN trunk trained on the training labels, cached
  under its own key, with ``features_width / _dim / _seed / _epochs``). ``kmeans_space: classifier``, the
  evaluation classifier's features (where FID/KID/PR are scored), is refused: the method would train
  toward its own score;
- ``experience`` (class-incremental streams): component e is trained on experience e alone and frozen after
  it: the "expansion" baseline, zero forgetting at a cost linear in the number of experiences. π covers the
  components trained so far.

Each component is the base method's networks and losses (``base: dcgan``, the only base supported: DCGAN's
nets, non-saturating or saturating loss, its Adam settings; the DCGAN config fields apply to every component).
The K components train in lock step in one ``train_step``, component k on its own batch of ``batch_size``
from its subset (``batch_schedule``); their parameters are stacked and run with one vmapped call
(``methods.common.stacked.Stacked``), and one Adam over the stacked parameters is K independent Adams. With the
``experience`` partition only the current component runs; the frozen ones get no gradient, no batch-norm
update and, as the Adam state is reset at each experience, no Adam move: they stay bit-identical.

``discriminate(x)`` is the mixture's Σ_k π_k D_k(x). The partition (each training sample's component) is
computed in ``on_experience_start`` and kept in ``extra_state``, so a resumed run batches the same subsets.

Regularised ensemble (Luzi, Balestriero & Baraniuk: one problem whose limits are an independent ensemble,
a single GAN, a conditional GAN and a Gaussian-mixture GAN; the form below is our reading of it, as the
paper's equations were not available to check: docs/methods/gan-ensemble.md). Both players minimise
their K losses plus λ times the squared distances between the members' parameters:

    min Σ_k L_k(θ_k) + λ R(θ),   R(θ) = Σ_k Σ_l ‖θ_k − θ_l‖² = 2K Σ_k ‖θ_k − θ̄‖²

(``regularization`` λ; the right-hand form costs O(K) instead of O(K²)). λ = 0 is the independent
ensemble; λ → ∞ forces θ_1 = … = θ_K, whose exact form is ``shared: true`` (one parameter set that
receives Σ_k ∇L_k). ``regularize`` says whose parameters are coupled (both players, or the generators
only). ``exempt`` leaves part of each generator's first block out of R: ``first-offset`` (its biases; with
batch norm, the per-member offset after normalisation, which is how a label enters a conditional
generator: the cGAN limit) or ``first-block`` (the whole first affine map and its normalisation: a
per-member affine map of z before shared layers, the Gaussian-mixture-GAN limit z ~ N(μ_k, Σ_k)).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Optional

import torch
from torch import nn

from memgan_bench.data.base import Batch, DataSpec, ImageData
from memgan_bench.engine.batching import BatchSchedule
from memgan_bench.engine.seeding import derive_seed
from memgan_bench.errors import UserError
from memgan_bench.method import GANMethod, LatentSpec, optimizer_step
from memgan_bench.registry import METHODS
from methods.common import features
from methods.common.losses import adversarial_logs, discriminator_loss, generator_loss
from methods.common.nets import build_generator, build_trunk, init_weights
from methods.common.partitions import kmeans, random_partition
from methods.common.stacked import Stacked
from methods.dcgan import DCGAN


class ComponentBatches:
    """Step s's batch for components lo … hi − 1: component k's ``batch_size`` rows come from its own subset,
    in an order seeded by (seed, k, experience), so the batch is a pure function of (seed, experience, s)."""

    def __init__(self, subsets: list[ImageData], components: range, batch_size: int, seed: int, experience: int,
                 device: torch.device):
        self.schedules = []
        for k, subset in zip(components, subsets):
            if len(subset) < batch_size:
                raise UserError(f"gan-ensemble component {k} holds {len(subset)} training samples, fewer than one "
                                f"batch of {batch_size}: lower model.components or train.batch_size")
            self.schedules.append(BatchSchedule(subset, batch_size, derive_seed(seed, "component", k), experience,
                                                device))

    def batch(self, step: int) -> Batch:
        batches = [schedule.batch(step) for schedule in self.schedules]
        return Batch(torch.cat([b.x for b in batches]), torch.cat([b.y for b in batches]))


@METHODS.register("gan-ensemble")
class GANEnsemble(GANMethod):
    @dataclass
    class Config(DCGAN.Config):
        components: int = field(default=10, metadata={"min": 1})
        partition: Literal["random", "kmeans", "experience"] = "random"
        kmeans_space: Literal["pixels", "features", "classifier"] = "pixels"
        kmeans_iters: int = field(default=100, metadata={"min": 1})
        features_width: int = field(default=32, metadata={"min": 1})
        features_dim: int = field(default=64, metadata={"min": 1})
        features_seed: int = field(default=0, metadata={"min": 0})
        features_epochs: int = field(default=2, metadata={"min": 1})
        base: Literal["dcgan"] = "dcgan"
        regularization: float = field(default=0.0, metadata={"min": 0.0})
        shared: bool = False
        regularize: Literal["both", "generator"] = "both"
        exempt: Literal["none", "first-offset", "first-block"] = "none"

    @classmethod
    def check_config(cls, cfg: Config, run_cfg) -> None:
        if getattr(cfg, "pack", 1) != 1:  # a DCGAN option (PacGAN) the stacked components do not apply
            raise UserError("model.pack: gan-ensemble components are unpacked DCGANs (pack must be 1)")
        if getattr(cfg, "update", "alternating") != "alternating":  # likewise DCGAN's simultaneous update
            raise UserError("model.update: gan-ensemble components update alternately (D, then G against the "
                            "updated D); update must be alternating")
        if cfg.kmeans_space == "classifier":
            raise UserError("model.kmeans_space: classifier would cluster on the evaluation classifier's features, "
                            "the space FID/KID/PR are scored in; use kmeans_space: features (the method's own network)")
        if cfg.kmeans_space != "pixels" and cfg.partition != "kmeans":
            raise UserError(f"model.kmeans_space applies to partition kmeans only (partition is {cfg.partition})")
        coupled = cfg.shared or cfg.regularization > 0
        if cfg.shared and cfg.regularization > 0:
            raise UserError("model.shared is the limit regularization → ∞: leave model.regularization at 0")
        if coupled and cfg.partition == "experience":
            raise UserError("model.regularization / model.shared would move the frozen components of partition "
                            "experience: use partition random or kmeans")
        if not coupled and (cfg.regularize != "both" or cfg.exempt != "none"):
            raise UserError("model.regularize and model.exempt apply only with model.regularization > 0 or "
                            "model.shared: true")
        if run_cfg is None:
            return
        if cfg.partition != "experience":
            return
        if run_cfg.scenario_name == "unsupervised":
            raise UserError("model.partition experience needs a stream (scenario.name: class-incremental)")
        scenario = run_cfg.scenario
        experiences = getattr(scenario, "num_experiences", None)
        order = getattr(scenario, "class_order", None)
        if experiences is None and order is not None:
            experiences = len(order) // scenario.classes_per_experience
        if experiences is not None and experiences > cfg.components:
            raise UserError(f"model.partition experience needs one component per experience: the stream has "
                            f"{experiences}, model.components is {cfg.components}")

    @classmethod
    def tiny_configs(cls) -> dict[str, dict]:
        tiny = {"components": 2, "z_dim": 8, "width": 8}
        return {"random": tiny, "kmeans": {**tiny, "partition": "kmeans"},
                "experience": {**tiny, "partition": "experience"},
                "regularized": {**tiny, "regularization": 0.1, "exempt": "first-offset"},
                "shared": {**tiny, "shared": True}}

    def __init__(self, cfg: Config, spec: DataSpec):
        super().__init__(cfg, spec)
        generators, discriminators = [], []
        for _ in range(cfg.components):
            generators.append(build_generator(cfg.z_dim, spec, cfg.width))
            discriminators.append(build_trunk(spec, 1, cfg.width))
            init_weights(generators[-1])
            init_weights(discriminators[-1])
        self.generator = Stacked(generators)
        self.discriminator = Stacked(discriminators)
        exempt = first_block_names(generators[0], cfg.exempt)
        self.coupled = {  # per stacked network: is each of its parameters in R (or shared)?
            "generator": [name not in exempt for name in self.generator.param_names],
            "discriminator": [cfg.regularize == "both"] * len(self.discriminator.param_names),
        }
        if cfg.shared:  # one parameter set: every member starts from member 0's draw
            with torch.no_grad():
                for stacked, mask in self.networks():
                    for param, coupled in zip(stacked.stacked, mask):
                        if coupled:
                            param.copy_(param[:1].expand_as(param))
        self.register_buffer("subset_sizes", torch.ones(cfg.components))  # n_k: π_k = n_k / N
        self.active = (0, cfg.components)  # the components trained in this experience
        self.assignment = torch.zeros(0, dtype=torch.long)  # component of each training sample
        self.opt_g = torch.optim.Adam(self.generator.parameters(), lr=cfg.lr, betas=cfg.betas)
        self.opt_d = torch.optim.Adam(self.discriminator.parameters(), lr=cfg.lr, betas=cfg.betas)

    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {"generator": self.opt_g, "discriminator": self.opt_d}

    def networks(self):
        """(stacked network, which of its parameters are coupled) for G and D."""
        return ((self.generator, self.coupled["generator"]), (self.discriminator, self.coupled["discriminator"]))

    # --- partition ------------------------------------------------------------------------------
    def partition_points(self, data: ImageData) -> torch.Tensor:
        """What k-means clusters: flattened samples, or the method's own features of them."""
        cfg = self.cfg
        if cfg.kmeans_space == "pixels":
            return data.images.flatten(1)
        net = features.load_or_train(data, cfg.features_width, cfg.features_dim, cfg.features_seed,
                                     cfg.features_epochs, self.device)
        return net.embed(data.images)

    def on_experience_start(self, experience) -> None:
        cfg, n = self.cfg, len(experience.train)
        if cfg.partition == "experience":
            k = experience.index
            if k >= cfg.components:
                raise UserError(f"gan-ensemble has {cfg.components} components but the stream reached experience "
                                f"{k}; set model.components to the number of experiences")
            self.active, self.assignment = (k, k + 1), torch.full((n,), k, dtype=torch.long)
            self.subset_sizes[k:] = 0
            self.subset_sizes[k] = n
            for opt in self.optimizers().values():
                opt.state.clear()  # frozen components: zero gradient and zero moments, so Adam leaves them be
            return
        if cfg.partition == "random":
            self.assignment = random_partition(n, cfg.components)
        else:
            self.assignment = kmeans(self.partition_points(experience.train), cfg.components, cfg.kmeans_iters).cpu()
        self.active = (0, cfg.components)
        self.subset_sizes.copy_(torch.bincount(self.assignment, minlength=cfg.components))

    def batch_schedule(self, experience, batch_size: int, seed: int, device: torch.device) -> ComponentBatches:
        if len(self.assignment) != len(experience.train):
            raise RuntimeError("gan-ensemble: batch_schedule before on_experience_start partitioned this experience")
        components = range(*self.active)
        subsets = [experience.train.subset((self.assignment == k).nonzero().squeeze(1)) for k in components]
        return ComponentBatches(subsets, components, batch_size, seed, experience.index, device)

    def extra_state(self) -> dict:
        return {"assignment": self.assignment, "active": list(self.active)}

    def load_extra_state(self, state: dict) -> None:
        self.assignment = state["assignment"].cpu()
        self.active = tuple(state["active"])

    # --- generation and discrimination ------------------------------------------------------------
    def latent_spec(self) -> LatentSpec:
        return LatentSpec(z_dim=self.cfg.z_dim, z_prior="normal", discrete_sizes=(self.cfg.components,))

    def sample_codes(self, n: int, labels: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Component k with probability π_k = n_k / N."""
        return torch.multinomial(self.subset_sizes, n, replacement=True).view(n, 1)

    def generate(self, z: torch.Tensor, codes: Optional[torch.Tensor] = None) -> torch.Tensor:
        """G_{c_i}(z_i), each component run on its own rows (grouped on the host: not used in train_step)."""
        if codes is None:
            raise ValueError("gan-ensemble.generate needs the component of every sample (codes [n, 1])")
        order = torch.argsort(codes[:, 0], stable=True)
        sizes = torch.bincount(codes[:, 0], minlength=self.cfg.components).tolist()
        parts = [self.generator.component(k, rows) for k, rows in enumerate(z[order].split(sizes)) if len(rows)]
        return torch.cat(parts)[torch.argsort(order)]

    def discriminate(self, x: torch.Tensor) -> torch.Tensor:
        """The mixture's P(real | x) = Σ_k π_k D_k(x)."""
        k = self.cfg.components
        scores = torch.sigmoid(self.discriminator(x.expand(k, *x.shape)).squeeze(-1))  # [K, n]
        return (self.subset_sizes / self.subset_sizes.sum()) @ scores

    # --- training -------------------------------------------------------------------------------
    def coupled_step(self, optimizer: torch.optim.Optimizer, stacked: Stacked, mask: list[bool],
                     losses: torch.Tensor) -> None:
        """One step on Σ_k L_k + λ R(coupled parameters); with ``shared`` each coupled parameter's K
        gradients are replaced by their sum, the gradient of Σ_k L_k(θ) at one shared θ."""
        cfg = self.cfg
        if not any(mask) or not (cfg.shared or cfg.regularization > 0):
            optimizer_step(optimizer, losses)
            return
        coupled = [p for p, c in zip(stacked.stacked, mask) if c]
        if cfg.regularization > 0:
            losses = losses + cfg.regularization * coupling_penalty(coupled)
        for param, grad in zip(stacked.stacked, torch.autograd.grad(losses, list(stacked.stacked))):
            param.grad = grad
        if cfg.shared:
            for param in coupled:
                param.grad = param.grad.sum(0, keepdim=True).expand_as(param).clone()
        optimizer.step()

    def train_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        """Every active component's DCGAN step at once; the losses summed over components, so without
        coupling each component's gradient is its own GAN's. With ``regularization`` / ``shared`` each
        player's step is ``coupled_step``."""
        lo, hi = self.active
        count = hi - lo
        x = batch.x.view(count, -1, *batch.x.shape[1:])
        z = torch.randn(count, x.shape[1], self.cfg.z_dim, device=x.device)
        fake = self.generator(z, lo, hi)
        real_logits = self.discriminator(x, lo, hi).squeeze(-1)
        fake_logits = self.discriminator(fake.detach(), lo, hi).squeeze(-1)
        d_loss = discriminator_loss(real_logits, fake_logits)
        self.coupled_step(self.opt_d, self.discriminator, self.coupled["discriminator"], count * d_loss)

        g_loss = generator_loss(self.discriminator(fake, lo, hi).squeeze(-1), self.cfg.loss)
        self.coupled_step(self.opt_g, self.generator, self.coupled["generator"], count * g_loss)
        logs = adversarial_logs(d_loss, g_loss, real_logits, fake_logits)
        with torch.no_grad():
            coupled = [p for p, c in zip(self.generator.stacked, self.coupled["generator"]) if c]
            logs["diag/g_spread"] = (coupling_penalty(coupled) / (2 * len(self.generator) ** 2)).sqrt()
        return logs


def coupling_penalty(params: list[torch.Tensor]) -> torch.Tensor:
    """R = Σ_k Σ_l ‖θ_k − θ_l‖² over stacked parameters [K, …], computed as 2K Σ_k ‖θ_k − θ̄‖².
    Its gradient is ∂R/∂θ_k = 4K (θ_k − θ̄): it sums to zero over k, so R never moves the members' mean.
    ``diag/g_spread`` is √(R / 2K²) over the generators' coupled parameters: the members' RMS distance
    from their mean."""
    total = params[0].new_zeros(())
    for param in params:
        total = total + 2 * len(param) * (param - param.mean(dim=0)).pow(2).sum()
    return total


def first_block_names(generator: nn.Module, exempt: str) -> set[str]:
    """Names of the generator parameters ``exempt`` leaves out of R: those of its first block (the leaf
    layers before its first activation: the first affine map and its batch norm), all of them
    (``first-block``) or their biases (``first-offset``)."""
    if exempt == "none":
        return set()
    names = set()
    for module_name, module in generator.named_modules():
        if isinstance(module, (nn.ReLU, nn.LeakyReLU, nn.Tanh)):
            break
        if next(module.children(), None) is None:
            names |= {f"{module_name}.{p}" for p, _ in module.named_parameters()
                      if exempt == "first-block" or p == "bias"}
    return names
