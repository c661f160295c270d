"""The interface every GAN method implements (mimicry-style: the model owns its ``train_step``).

A method is an ``nn.Module`` holding all its state in parameters and buffers (memories included) plus
its optimizers; :meth:`state_dict` covers both, so a checkpoint restores the method exactly. The engine
owns the global RNG state and the data order.

``train_step`` returns 0-dim loss tensors that stay on the device: the engine reads them only at log
points, so a step has no host sync and can be captured whole on a GPU.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, NamedTuple, Optional

import torch
from torch import nn

from memgan_bench.data.base import DataSpec


class Batch(NamedTuple):
    x: torch.Tensor  # [B, *sample_shape] in [-1, 1]
    y: torch.Tensor  # [B] int64 class labels (unsupervised methods ignore them)


@dataclass(frozen=True)
class LatentSpec:
    """The generator's input: a continuous part z ~ ``z_prior`` ("normal" N(0, I) or "uniform" U(-1, 1))
    of ``z_dim`` dimensions, and discrete parts with the given cardinalities (class labels, memory
    slots, mixture components); ``discrete_sizes == ()`` for a plain generator."""

    z_dim: int
    z_prior: str = "normal"
    discrete_sizes: tuple[int, ...] = ()

    def sample_z(self, n: int, device: Any = None) -> torch.Tensor:
        if self.z_prior == "uniform":
            return torch.rand(n, self.z_dim, device=device) * 2 - 1
        return torch.randn(n, self.z_dim, device=device)


def optimizer_step(optimizer: torch.optim.Optimizer, loss: torch.Tensor) -> None:
    """One step of ``optimizer`` on ``loss`` with gradients formed only for the parameters it updates: a
    generator step never computes the discriminator's weight gradients (``loss.backward()`` would, only for
    the next D step to discard them). Same gradients, hence the same step, as zero_grad + backward."""
    params = [p for group in optimizer.param_groups for p in group["params"]]
    for param, grad in zip(params, torch.autograd.grad(loss, params, allow_unused=True)):
        param.grad = grad
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


class GANMethod(nn.Module):
    """Base class. Subclasses set ``Config`` (a dataclass) and implement the abstract methods."""

    Config: ClassVar[type]
    conditional: ClassVar[bool] = False  # whether ``sample(n, labels)`` honours labels

    def __init__(self, cfg: Any, spec: DataSpec):
        super().__init__()
        self.cfg = cfg
        self.spec = spec
        self.generator_penalties: list[Callable[["GANMethod"], torch.Tensor]] = []

    # --- training -------------------------------------------------------------------------------
    def train_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        """One D and G update on a real batch; returns scalar losses (device tensors)."""
        raise NotImplementedError

    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        """Every optimizer the method owns, by name (saved in the checkpoint)."""
        return {}

    def generator_penalty(self) -> torch.Tensor | float:
        """Sum of regularisers that plugins (e.g. EWC) attach to the generator loss."""
        return sum((term(self) for term in self.generator_penalties), 0.0)

    # --- generation and discrimination ------------------------------------------------------------
    def latent_spec(self) -> LatentSpec:
        raise NotImplementedError

    def generate(self, z: torch.Tensor, codes: Optional[torch.Tensor] = None) -> torch.Tensor:
        """G(z, codes): ``codes`` is int64 [n, len(discrete_sizes)] (None when there are none)."""
        raise NotImplementedError

    def sample_codes(self, n: int, labels: Optional[torch.Tensor] = None) -> Optional[torch.Tensor]:
        """Draw discrete codes from the method's prior (labels for conditional methods)."""
        return None

    @torch.no_grad()
    def sample(self, n: int, labels: Optional[torch.Tensor] = None) -> torch.Tensor:
        """n samples in [-1, 1] from the generator's full prior (conditioned on ``labels`` if given),
        drawn in eval mode."""
        device = self.device
        with evaluation_mode(self):
            z = self.latent_spec().sample_z(n, device)
            codes = self.sample_codes(n, None if labels is None else labels.to(device))
            return self.generate(z, codes)

    def discriminate(self, x: torch.Tensor) -> torch.Tensor:
        """P(real | x) in [0, 1], shape [n] (used by the forgetting probes)."""
        raise NotImplementedError

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
