"""Checkpoints: written atomically, read with ``torch.load(weights_only=True)`` only."""

from __future__ import annotations

import io
from pathlib import Path

import torch

from memgan_bench.atomic import atomic_write
from memgan_bench.errors import UserError

FORMAT_VERSION = 1
REQUIRED_KEYS = ("format_version", "step", "experience", "step_in_experience", "method", "plugins", "rng")


def save_checkpoint(path: str | Path, state: dict) -> None:
    buffer = io.BytesIO()
    torch.save({"format_version": FORMAT_VERSION, **state}, buffer)
    atomic_write(path, lambda handle: handle.write(buffer.getvalue()))


def load_checkpoint(path: str | Path, map_location: str | torch.device = "cpu") -> dict:
    """Load and validate a checkpoint; anything unreadable is a one-line :class:`UserError`."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"checkpoint not found: {path}")
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as err:  # torch raises many types for damaged files (zip, pickle, EOF, runtime)
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise UserError(f"corrupt checkpoint {path}: {reason[:200]}") from None
    if not isinstance(state, dict) or any(key not in state for key in REQUIRED_KEYS):
        raise UserError(f"corrupt checkpoint {path}: not a memgan_bench checkpoint")
    if state["format_version"] != FORMAT_VERSION:
        raise UserError(f"checkpoint {path} has format {state['format_version']}, expected {FORMAT_VERSION}")
    return state
