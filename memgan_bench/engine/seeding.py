"""Seeds and devices."""

from __future__ import annotations

import contextlib
import hashlib
import random

import numpy as np
import torch

from memgan_bench.errors import UserError


def derive_seed(*parts: object) -> int:
    """A 63-bit seed from any tuple of values (stable across processes, unlike ``hash``)."""
    digest = hashlib.sha256(repr(parts).encode()).digest()
    return int.from_bytes(digest[:8], "little") >> 1


@contextlib.contextmanager
def seeded_rng(device: torch.device, *parts: object):
    """Fork the torch RNG (CPU, and ``device`` if CUDA) and seed it by ``derive_seed(*parts)``: work done
    inside draws reproducible numbers and leaves the training RNG stream untouched."""
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(derive_seed(*parts))
        yield


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (CPU and every CUDA device)."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def pick_device(name: str | torch.device | None) -> torch.device:
    """``auto`` (or None): CUDA when available, else CPU; a named device must exist on this machine."""
    if name is None or name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except (RuntimeError, TypeError):
        raise UserError(f"unknown device '{name}' (use auto, cpu or cuda)") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise UserError(f"device '{name}' requested but no CUDA device is available (use device=auto or cpu)")
    if device.type not in ("cpu", "cuda"):
        raise UserError(f"device '{name}' is not supported (use auto, cpu or cuda)")
    return device


def rng_state(device: torch.device) -> dict:
    state = {"torch": torch.get_rng_state()}
    if device.type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state(device)
    return state


def set_rng_state(state: dict, device: torch.device) -> None:
    torch.set_rng_state(state["torch"])
    if device.type == "cuda" and "cuda" in state:
        torch.cuda.set_rng_state(state["cuda"], device)
