"""The contract between the engine, methods and plugins (mimicry-style: the model owns its ``train_step``).

A method is an ``nn.Module`` holding all its state in parameters and buffers (memories included) plus
its optimizers; :meth:`GANMethod.state_dict` covers both, so a checkpoint restores the method exactly.
The engine owns the global RNG state and the data order. What a method declares, and the engine relies on:

- ``optimizers()`` has the keys ``"generator"`` and ``"discriminator"`` (others are allowed). The
  parameters of the ``"generator"`` optimizer *are* the generator: plugins regularise them (EWC) through
  :meth:`GANMethod.add_generator_penalty`, which adds the penalty's gradient inside that optimizer's
  step, so no method code takes part and none can forget to.
- ``batches_per_step()``: how many real batches one ``train_step`` consumes (WGAN critic iterations);
  :meth:`GANMethod.batch_schedule` turns an experience into those batches (a mixture of GANs overrides it
  to give each component batches of its own subset).
- ``sample_latent(n, labels)``: the generator input (continuous z ⊕ discrete codes); ``sample``, GOoF,
  EWC and the probes all draw through it. Sampling has no side effects on training state: the engine
  samples under a forked RNG, and nothing a method keeps across steps may move (tested for every method).
- ``discriminator_output``: ``"probability"`` when ``discriminate(x)`` is P(real | x) ∈ [0, 1] (decision
  threshold ½), ``"critic"`` when it is an unbounded critic score (WGAN): its threshold is
  :meth:`GANMethod.decision_threshold`, the midpoint of the mean scores of a real and a fake batch.
- ``train_step`` returns 0-dim tensors that stay on the device, keyed ``loss/<name>`` for losses and
  ``diag/<name>`` for diagnostics (D(real), memory statistics); the engine reads them only at log points,
  so a step has no host sync and can be captured whole on a GPU.
- ``tiny_configs()``: model overrides small enough for a test step; every test that covers "every
  method" runs each of them, so a new method is picked up with no other file edited.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Literal, NamedTuple, Optional, Sequence

import torch
from torch import nn

from memgan_bench.data.base import Batch, DataSpec
from memgan_bench.engine.batching import BatchSchedule

OUTPUT_PREFIXES = ("loss/", "diag/")


class Latent(NamedTuple):
    z: torch.Tensor  # [n, z_dim] continuous input
    codes: Optional[torch.Tensor]  # [n, len(discrete_sizes)] int64, or None


@dataclass(frozen=True)
class LatentSpec:
    """The generator's input: a continuous part of ``z_dim`` dimensions with prior ``z_prior`` ("normal"
    N(0, I) or "uniform" U(−1, 1); a uniform z is also box-constrained to [−1, 1] when GOoF inverts G),
    and discrete parts with the given cardinalities (class labels, memory slots, mixture components);
    ``discrete_sizes == ()`` for a plain generator. ``spin``: G's continuous input is in fact a spin code
    s ∈ {−1, +1}^z_dim drawn by the method (``sample_latent``), the uniform box being only its relaxation
    (GOoF then also searches the codes themselves)."""

    z_dim: int
    z_prior: Literal["normal", "uniform"] = "normal"
    discrete_sizes: tuple[int, ...] = ()
    spin: bool = False

    def sample_z(self, n: int, device: Any = None) -> torch.Tensor:
        if self.z_prior == "uniform":
            return torch.rand(n, self.z_dim, device=device) * 2 - 1
        return torch.randn(n, self.z_dim, device=device)


def cycled_labels(classes: Sequence[int] | torch.Tensor, n: int, start: int | torch.Tensor = 0) -> torch.Tensor:
    """n labels cycling through ``classes`` from position ``start``: label i is classes[(start + i) mod k]
    for k classes, so each class gets ⌊n/k⌋ or ⌈n/k⌉ of them (on the device of ``classes`` and ``start``,
    which may be a device tensor: no host sync)."""
    classes = torch.as_tensor(classes)
    return classes[(torch.arange(n, device=classes.device) + start) % classes.numel()]


def check_optimizer_state(name: str, optimizer: torch.optim.Optimizer) -> None:
    """Every per-parameter state tensor of a restored ``optimizer`` (Adam's moments, SGD's momentum) has
    its parameter's shape, and ``step`` is one number: ``load_state_dict`` checks only the group sizes."""
    for index, (param, slots) in enumerate(optimizer.state.items()):
        for key, value in slots.items():
            expected = () if key == "step" else tuple(param.shape)
            if torch.is_tensor(value) and tuple(value.shape) != expected:
                raise ValueError(f"optimizer '{name}' state '{key}' of parameter {index} has shape "
                                 f"{list(value.shape)}, expected {list(expected)}")


def optimizer_step(optimizer: torch.optim.Optimizer, loss: torch.Tensor) -> None:
    """One step of ``optimizer`` on ``loss`` with gradients formed only for the parameters it updates: a
    generator step never computes the discriminator's weight gradients (``loss.backward()`` would, only for
    the next D step to discard them). Same gradients, hence the same step, as zero_grad + backward."""
    params = [p for group in optimizer.param_groups for p in group["params"]]
    for param, grad in zip(params, torch.autograd.grad(loss, params, allow_unused=True)):
        param.grad = grad
    optimizer.step()


def simultaneous_step(steps: dict[torch.optim.Optimizer, torch.Tensor]) -> None:
    """Every optimizer's gradients from its own loss on one shared forward graph, then every step: the
    players of a GAN updated simultaneously (ALI's ``ali_algorithm``, used by PacGAN), so G's gradient
    is taken against the discriminator as it was before this step's D update."""
    grads = []
    for optimizer, loss in steps.items():
        params = [p for group in optimizer.param_groups for p in group["params"]]
        grads.append((params, torch.autograd.grad(loss, params, retain_graph=True, allow_unused=True)))
    for params, gradients in grads:
        for param, grad in zip(params, gradients):
            param.grad = grad
    for optimizer in steps:
        optimizer.step()


@contextlib.contextmanager
def evaluation_mode(module: nn.Module):
    """Put ``module`` in eval mode (batch norm uses running statistics) and restore its modes after."""
    modes = [(m, m.training) for m in module.modules()]
    module.eval()
    try:
        yield module
    finally:
        for m, training in modes:
            m.training = training


Penalty = Callable[["GANMethod"], "torch.Tensor | float"]


class GANMethod(nn.Module):
    """Base class. Subclasses set ``Config`` (a nested dataclass, choices as ``Literal``) and implement
    ``train_step``, ``optimizers``, ``latent_spec``, ``generate`` and ``discriminate``."""

    Config: ClassVar[type]
    conditional: ClassVar[bool] = False  # whether ``sample(n, labels)`` honours labels
    discriminator_output: ClassVar[Literal["probability", "critic"]] = "probability"
    stream_name: ClassVar[str | None] = None  # its name in a class-incremental stream's tables; None: the registry name

    def __init__(self, cfg: Any, spec: DataSpec):
        super().__init__()
        self.cfg = cfg
        self.spec = spec
        self._penalty_hooks: list[Any] = []

    # --- declarations -----------------------------------------------------------------------------
    @classmethod
    def check_config(cls, cfg: Any, run_cfg: Any) -> None:
        """Cross-field checks of the method's config (and the run config it sits in), run by
        ``config.resolve`` before anything trains; raise ``UserError`` with one line."""

    @classmethod
    def tiny_configs(cls) -> dict[str, dict]:
        """Named model overrides for a test-sized instance (width ~8) on 28×28 images with 4 classes."""
        return {"default": {}}

    def batches_per_step(self) -> int:
        return 1

    def batch_schedule(self, experience: Any, batch_size: int, seed: int, device: torch.device):
        """The source of step s's real batch: an object with ``batch(step) -> Batch``, a pure function of
        (seed, experience, step) so that a resumed run sees the batches an uninterrupted one would."""
        return BatchSchedule(experience.train, batch_size * self.batches_per_step(), seed, experience.index, device)

    # --- training -------------------------------------------------------------------------------
    def train_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        """One D and G update on a real batch; returns ``loss/*`` and ``diag/*`` 0-dim device tensors."""
        raise NotImplementedError

    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        """Every optimizer the method owns, by name (saved in the checkpoint); must include
        ``"generator"`` and ``"discriminator"``."""
        raise NotImplementedError

    def generator_parameters(self) -> list[nn.Parameter]:
        opt = self.optimizers()["generator"]
        return [p for group in opt.param_groups for p in group["params"]]

    def add_generator_penalty(self, penalty: Penalty) -> None:
        """Add ``penalty(method)`` to the generator's loss: its gradient is added to the generator's
        parameter gradients just before every generator optimizer step (what ``loss + penalty`` would
        give), whatever the method's ``train_step`` does."""
        params = self.generator_parameters()

        def add_gradient(optimizer, args, kwargs) -> None:
            value = penalty(self)
            if not torch.is_tensor(value) or not value.requires_grad:
                return
            grads = torch.autograd.grad(value, params, allow_unused=True)
            for param, grad in zip(params, grads):
                if grad is not None:
                    param.grad = grad if param.grad is None else param.grad + grad

        self._penalty_hooks.append(self.optimizers()["generator"].register_step_pre_hook(add_gradient))

    # --- generation and discrimination ------------------------------------------------------------
    def latent_spec(self) -> LatentSpec:
        raise NotImplementedError

    def sample_codes(self, n: int, labels: Optional[torch.Tensor] = None) -> Optional[torch.Tensor]:
        """Discrete codes from the method's prior (labels for conditional methods); None without codes."""
        return None

    def sample_latent(self, n: int, labels: Optional[torch.Tensor] = None) -> Latent:
        """The generator input for n samples: z from the prior and codes from ``sample_codes``. A method
        whose input is neither (e.g. an RBM's visible sample) overrides this; it must not move training
        state."""
        device = self.device
        z = self.latent_spec().sample_z(n, device)
        return Latent(z, self.sample_codes(n, None if labels is None else labels.to(device)))

    def generate(self, z: torch.Tensor, codes: Optional[torch.Tensor] = None) -> torch.Tensor:
        """G(z, codes): ``codes`` is int64 [n, len(discrete_sizes)] (None when there are none)."""
        raise NotImplementedError

    @torch.no_grad()
    def sample(self, n: int, labels: Optional[torch.Tensor] = None) -> torch.Tensor:
        """n samples in [-1, 1] from the generator's full prior (conditioned on ``labels`` if given),
        drawn in eval mode."""
        with evaluation_mode(self):
            return self.generate(*self.sample_latent(n, labels))

    def discriminate(self, x: torch.Tensor) -> torch.Tensor:
        """Shape [n]: P(real | x) for ``discriminator_output == "probability"``, the critic score for
        ``"critic"``."""
        raise NotImplementedError

    @torch.no_grad()
    def decision_threshold(self, real: torch.Tensor, fake: torch.Tensor) -> float:
        """The value above which ``discriminate`` calls a sample real: ½ for a probability; for a critic,
        the midpoint ½(mean s(real) + mean s(fake)) of the given batches (a WGAN critic's offset is free)."""
        if self.discriminator_output == "probability":
            return 0.5
        device = self.device
        return 0.5 * float(self.discriminate(real.to(device)).mean() + self.discriminate(fake.to(device)).mean())

    # --- streams ----------------------------------------------------------------------------------
    def on_experience_start(self, experience: Any) -> None:
        """Called before training on each experience of a stream (and once in the unsupervised setting)."""

    def on_experience_end(self, experience: Any) -> None:
        """Called after training on each experience."""

    # --- state ------------------------------------------------------------------------------------
    @property
    def device(self) -> torch.device:
        for tensor in self.parameters():
            return tensor.device
        for tensor in self.buffers():
            return tensor.device
        return torch.device("cpu")

    def state_dict(self, *args: Any, **kwargs: Any) -> dict:  # type: ignore[override]
        if args or kwargs:  # called as a child module: plain behaviour
            return super().state_dict(*args, **kwargs)
        return {
            "modules": super().state_dict(),
            "optimizers": {name: opt.state_dict() for name, opt in self.optimizers().items()},
            "extra": self.extra_state(),
        }

    def load_state_dict(self, state: dict, strict: bool = True, assign: bool = False):  # type: ignore[override]
        if "modules" not in state:
            return super().load_state_dict(state, strict=strict, assign=assign)
        result = super().load_state_dict(state["modules"], strict=strict)
        optimizers = self.optimizers()
        if set(optimizers) != set(state["optimizers"]):
            raise KeyError(f"checkpoint optimizers {sorted(state['optimizers'])} != {sorted(optimizers)}")
        for name, opt in optimizers.items():
            opt.load_state_dict(state["optimizers"][name])
            check_optimizer_state(name, opt)
        self.load_extra_state(state.get("extra", {}))
        return result

    def prepare_optimizers(self) -> None:
        """Fit the optimizers to the method's device (the engine calls this after moving the method and after
        restoring a checkpoint): capturable on CUDA, so Adam keeps its step counts on the GPU, takes a tensor
        lr without reading it back to the host, and a captured CUDA graph replays its updates; plain on CPU,
        whatever device the restored checkpoint was written on."""
        capturable = self.device.type == "cuda"
        for opt in self.optimizers().values():
            for group in opt.param_groups:
                if "capturable" in group:
                    group["capturable"] = capturable
            if capturable:
                for param, state in opt.state.items():
                    if torch.is_tensor(state.get("step")):
                        state["step"] = state["step"].to(param.device)

    def extra_state(self) -> dict:
        """Non-tensor state that is neither a parameter nor a buffer (e.g. a task counter)."""
        return {}

    def load_extra_state(self, state: dict) -> None:
        pass
