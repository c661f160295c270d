"""Run leases: at most one process trains a run directory at a time.

A process claims a run directory by creating its lease file (:attr:`memgan_bench.rundir.RunDir.lease`) with
``O_CREAT | O_EXCL`` (atomic on local file systems and on NFSv3+), holding JSON ``{host, pid, job_id, started,
heartbeat}``. While it holds the lease a daemon thread rewrites the heartbeat (atomically) every
``HEARTBEAT_S`` seconds; releasing deletes the file. A lease is stale, and the next claimant takes it over,
when its holder is on this host and its pid is dead, when it is on another host under this process's own job
id (a requeued job), or when its heartbeat is older than ``STALE_AFTER_S`` (a holder on another host that
died, or a frozen node). Takeover is serialised by a second ``O_EXCL`` file (``RunDir.lease_takeover``), so
two claimants never both take over one stale lease.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
from pathlib import Path

from memgan_bench.atomic import atomic_write_text, naming
from memgan_bench.errors import UserError
from memgan_bench.liveness import process_gone
from memgan_bench.rundir import RunDir

HEARTBEAT_S = 30.0
STALE_AFTER_S = 600.0
JOB_ID_VARIABLES = ("MEMGAN_BENCH_JOB_ID", "SLURM_JOB_ID")
_HELD: set[Path] = set()  # lease files this process holds


class LeaseHeld(UserError):
    """The run directory is claimed by a live process."""


def job_id() -> str | None:
    """The scheduler's job id of this process (SLURM array task as ``JOB_TASK``), if any."""
    array, task = os.environ.get("SLURM_ARRAY_JOB_ID"), os.environ.get("SLURM_ARRAY_TASK_ID")
    if array and task:
        return f"{array}_{task}"
    return next((os.environ[name] for name in JOB_ID_VARIABLES if os.environ.get(name)), None)


def read_lease(path: str | Path) -> dict | None:
    """The holder described by a lease file; None if there is none. A file that is not a JSON object
    (torn, or still being written) reads as ``{"heartbeat": its mtime}``: held until that is old."""
    path = Path(path)
    try:
        data = path.read_bytes()
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        return None
    try:
        holder = json.loads(data.decode("utf-8"))
    except ValueError:  # also UnicodeDecodeError: bytes that are no JSON text
        holder = None
    return holder if isinstance(holder, dict) else {"heartbeat": mtime}


def is_stale(holder: dict, path: Path, now: float | None = None) -> bool:
    """True if the holder of lease file ``path`` is gone: on this host, its pid is dead (or is this very
    pid while this process does not hold it: a restarted container reuses pids); on another host, it ran
    under this process's own job id (an earlier attempt of this task: a requeued SLURM job keeps its id);
    anywhere, its heartbeat is older than ``STALE_AFTER_S`` at ``now`` (default: the current time)."""
    host, pid, job = holder.get("host"), holder.get("pid"), holder.get("job_id")
    if (host, pid) == (socket.gethostname(), os.getpid()):
        return path.resolve() not in _HELD
    if isinstance(host, str) and isinstance(pid, int) and process_gone(host, pid):
        return True
    if host != socket.gethostname() and job is not None and job == job_id():
        return True
    heartbeat = holder.get("heartbeat")
    now = time.time() if now is None else now
    return not isinstance(heartbeat, (int, float)) or now - heartbeat > STALE_AFTER_S


def describe(holder: dict) -> str:
    where = f"{holder.get('host', '?')} pid {holder.get('pid', '?')}"
    if holder.get("job_id"):
        where += f" job {holder['job_id']}"
    age = time.time() - holder["heartbeat"] if isinstance(holder.get("heartbeat"), (int, float)) else None
    return where + (f", heartbeat {age:.0f} s ago" if age is not None else "")


class Lease:
    """A held claim on one run directory; use as a context manager (``with Lease.claim(path):``)."""

    def __init__(self, path: Path, record: dict):
        self.path = path
        self.record = record
        _HELD.add(path.resolve())
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"lease:{path.parent.name}", daemon=True)
        self._thread.start()

    @classmethod
    def claim(cls, run_dir: str | Path) -> "Lease":
        """Claim ``run_dir`` (created if missing); :class:`LeaseHeld` if a live process holds it."""
        run = RunDir(run_dir)
        run.path.mkdir(parents=True, exist_ok=True)
        path = run.lease
        record = {"host": socket.gethostname(), "pid": os.getpid(), "job_id": job_id(),
                  "started": time.time(), "heartbeat": time.time()}
        if _create_exclusive(path, json.dumps(record)):
            return cls(path, record)
        with _takeover_guard(run.lease_takeover):
            holder = read_lease(path)
            if holder is not None and not is_stale(holder, path):
                raise LeaseHeld(f"run directory {run.path} is being trained by {describe(holder)} "
                                f"(its lease file {path} is removed when it stops)")
            if holder is not None:
                path.unlink(missing_ok=True)
            if not _create_exclusive(path, json.dumps(record)):
                raise LeaseHeld(f"run directory {run.path} was claimed by another process just now")
        return cls(path, record)

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT_S):
            self.heartbeat()

    def heartbeat(self) -> None:
        """Refresh the heartbeat, unless the lease was taken over (then leave the new holder's file)."""
        holder = read_lease(self.path)
        if holder is None or holder.get("pid") != self.record["pid"] or holder.get("host") != self.record["host"]:
            return
        self.record["heartbeat"] = time.time()
        atomic_write_text(self.path, json.dumps(self.record))

    def release(self) -> None:
        self._stop.set()
        self._thread.join()
        _HELD.discard(self.path.resolve())
        holder = read_lease(self.path)
        if holder is not None and holder.get("pid") == self.record["pid"] and \
                holder.get("host") == self.record["host"]:
            self.path.unlink(missing_ok=True)

    def __enter__(self) -> "Lease":
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def _create_exclusive(path: Path, text: str) -> bool:
    """Create ``path`` holding ``text`` unless it exists (``O_EXCL``); True if this call created it."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:
        return False
    with naming(path), os.fdopen(fd, "w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    return True


@contextlib.contextmanager
def _takeover_guard(path: Path):
    """``O_EXCL`` guard around a takeover; one left by a claimant killed mid-takeover expires in 60 s."""
    deadline = time.time() + 10
    while not _create_exclusive(path, str(os.getpid())):
        try:
            if time.time() - path.stat().st_mtime > 60:
                path.unlink(missing_ok=True)
        except FileNotFoundError:
            pass
        if time.time() > deadline:
            raise LeaseHeld(f"another process is taking over the lease of {path.parent}")
        time.sleep(0.05)
    try:
        yield
    finally:
        path.unlink(missing_ok=True)
