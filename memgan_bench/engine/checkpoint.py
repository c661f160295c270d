"""Checkpoints: written atomically, checksummed, read with ``torch.load(weights_only=True)`` only.

File layout: ``MAGIC`` (8 bytes), the SHA-256 digest (32 bytes) of the payload, then the payload (a
``torch.save`` archive). A file whose digest does not match (a flipped byte, a truncated copy) is
refused before anything is unpickled.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import torch

from memgan_bench.atomic import atomic_write
from memgan_bench.errors import UserError

MAGIC = b"MGBCKPT\x00"
FORMAT_VERSION = 2
FIELD_TYPES = {"format_version": int, "step": int, "experience": int, "step_in_experience": int,
               "results_rows": int, "method": dict, "plugins": dict, "rng": dict, "log_window": dict}


def save_checkpoint(path: str | Path, state: dict) -> None:
    buffer = io.BytesIO()
    torch.save({"format_version": FORMAT_VERSION, **state}, buffer)
    payload = buffer.getvalue()
    atomic_write(path, lambda handle: handle.write(MAGIC + hashlib.sha256(payload).digest() + payload))


def load_checkpoint(path: str | Path, map_location: str | torch.device = "cpu") -> dict:
    """Load and validate a checkpoint; anything unreadable is a one-line :class:`UserError`."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"checkpoint not found: {path}")
    data = path.read_bytes()
    header = len(MAGIC) + hashlib.sha256().digest_size
    if not data.startswith(MAGIC) or len(data) < header:
        raise UserError(f"corrupt checkpoint {path}: not a memgan_bench checkpoint (format {FORMAT_VERSION})")
    payload = data[header:]
    if hashlib.sha256(payload).digest() != data[len(MAGIC):header]:
        raise UserError(f"corrupt checkpoint {path}: checksum mismatch (the file was damaged or truncated)")
    try:
        state = torch.load(io.BytesIO(payload), map_location=map_location, weights_only=True)
    except Exception as err:  # torch raises many types for damaged files (zip, pickle, EOF, runtime)
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise UserError(f"corrupt checkpoint {path}: {reason[:200]}") from None
    if not isinstance(state, dict):
        raise UserError(f"corrupt checkpoint {path}: not a memgan_bench checkpoint")
    for key, kind in FIELD_TYPES.items():
        if key not in state:
            raise UserError(f"corrupt checkpoint {path}: no '{key}'")
        if not isinstance(state[key], kind) or kind is int and isinstance(state[key], bool):
            raise UserError(f"corrupt checkpoint {path}: '{key}' is a {type(state[key]).__name__}, "
                            f"expected {kind.__name__}")
    if state["format_version"] != FORMAT_VERSION:
        raise UserError(f"checkpoint {path} has format {state['format_version']}, expected {FORMAT_VERSION}")
    return state
