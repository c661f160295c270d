"""Checkpoints: written atomically, checksummed, read with ``torch.load(weights_only=True)`` only.

File layout: ``MAGIC`` (8 bytes), the SHA-256 digest (32 bytes) of the payload, then the payload (a
``torch.save`` archive). A file whose digest does not match (a flipped byte, a truncated copy) is
refused before anything is unpickled. The digest proves the file is the one written, not that what was
written belongs to this run or is possible: :func:`check_identity`, :func:`check_progress` and
:func:`check_rng` check every restored field against the run before anything trains.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import torch

from memgan_bench.atomic import atomic_write
from memgan_bench.config import RunConfig, config_to_yaml
from memgan_bench.errors import UserError
from memgan_bench.rundir import RunDir

MAGIC = b"MGBCKPT\x00"
FORMAT_VERSION = 3
FIELD_TYPES = {"format_version": int, "method_name": str, "config_sha256": str, "step": int, "experience": int,
               "step_in_experience": int, "results_rows": int, "method": dict, "plugins": dict, "rng": dict,
               "log_window": dict}


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
    try:
        data = path.read_bytes()
    except OSError as err:
        raise UserError(f"cannot read checkpoint {path}: {err.strerror or err}") from None
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
        raise UserError(f"checkpoint {path} has format {state['format_version']}, expected {FORMAT_VERSION}; "
                        "one of another memgan-bench version cannot be resumed (delete it to train the run from "
                        "step 0)")
    return state


def config_sha256(cfg: RunConfig) -> str:
    """The identity of a run's config: SHA-256 of its resolved YAML (what ``config.yaml`` holds)."""
    return hashlib.sha256(config_to_yaml(cfg).encode()).hexdigest()


def check_identity(state: dict, path: Path, cfg: RunConfig) -> None:
    """The checkpoint was written by a run of ``cfg``'s method and of ``cfg`` itself."""
    if state["method_name"] != cfg.method:
        raise UserError(f"checkpoint {path} is of method '{state['method_name']}'; this run's method is '{cfg.method}'")
    if state["config_sha256"] != config_sha256(cfg):
        raise UserError(f"checkpoint {path} was written by a run of another config than this run's")


def check_progress(state: dict, run: RunDir, steps: int, experiences: int) -> None:
    """Step, experience index and row count of ``run``'s last checkpoint are possible for a run of
    ``experiences`` × ``steps`` with the rows of its results: experience in [0, experiences]
    (``experiences`` once the stream is done), step in experience in [0, steps] (``steps``: trained, its
    evaluation pending; 0 once the stream is done), step in [0, total] and equal to experience · steps +
    step in experience, row count in [0, rows of results], and no counted row logged after the step."""
    path, results = run.last_checkpoint, run.results
    step, experience, within, counted = (state[key] for key in ("step", "experience", "step_in_experience",
                                                                 "results_rows"))
    total = steps * experiences
    if not 0 <= experience <= experiences:
        raise UserError(f"checkpoint {path}: experience {experience} is outside the stream's 0..{experiences - 1}")
    last = 0 if experience == experiences else steps
    if not 0 <= within <= last:
        raise UserError(f"checkpoint {path}: step {within} of experience {experience} is outside [0, {last}]")
    if not 0 <= step <= total:
        raise UserError(f"checkpoint {path}: step {step} is outside [0, {total}] (this run trains {total} steps)")
    if step != experience * steps + within:
        raise UserError(f"checkpoint {path}: step {step} is not step {within} of experience {experience} "
                        f"({experience * steps + within} at {steps} steps per experience)")
    if counted < 0:
        raise UserError(f"checkpoint {path} counts {counted} rows of {results.name}")
    if counted and results.exists():
        rows = run.rows()
        if counted > len(rows):
            raise UserError(f"{results} holds {len(rows)} rows but the checkpoint {path} counts {counted}")
        late = next((row for row in rows[:counted] if row["step"] > step), None)
        if late is not None:
            raise UserError(f"checkpoint {path} at step {step} counts rows of {results} logged at step {late['step']}")


def check_rng(state: dict, path: Path, device: torch.device) -> None:
    """The saved generator states are byte tensors of this machine's shapes: torch's, and the device's when
    the run is on CUDA and the checkpoint holds one (a checkpoint written on CPU restores none)."""
    expected = {"torch": torch.get_rng_state()}
    if device.type == "cuda" and "cuda" in state["rng"]:
        expected["cuda"] = torch.cuda.get_rng_state(device)
    for name, current in expected.items():
        saved = state["rng"].get(name)
        if not torch.is_tensor(saved) or saved.dtype != current.dtype or saved.shape != current.shape:
            found = f"a {saved.dtype} tensor of shape {list(saved.shape)}" if torch.is_tensor(saved) else \
                type(saved).__name__
            raise UserError(f"checkpoint {path}: RNG state '{name}' is {found}, expected {current.dtype} "
                            f"{list(current.shape)}")
