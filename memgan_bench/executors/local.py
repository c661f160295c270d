"""``--executor local``: up to ``--max-parallel`` runs at once on this machine, each in its own process.

Each run is a fresh interpreter (``python -m memgan_bench.executors.worker``, no torch state inherited
through ``fork``) started with :mod:`subprocess`; a thread per slot waits on it. No ``multiprocessing``
machinery is involved, so a sweep has no helper process besides its runs' (no resource tracker, no pool
manager), and a run's process that dies (killed, out of memory) is one line on the sweep's stderr and takes
down only its own run. The worker reports its outcome as one JSON object on a pipe of its own; a run that
raises prints its traceback in the worker. A worker dies with the sweep (:func:`memgan_bench.executors.worker.main`):
its run resumes from its last checkpoint on ``sweep --resume``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

import memgan_bench
from memgan_bench.errors import UserError
from memgan_bench.executors import Executor, WorkerError
from memgan_bench.lease import LeaseHeld
from memgan_bench.registry import EXECUTORS


def run_in_fresh_process(run_dir, threads: int) -> str:
    """Bring ``run_dir`` to an end in a new worker process; its final status, or the worker's error."""
    read, write = os.pipe()
    try:
        worker = subprocess.Popen([sys.executable, "-m", "memgan_bench.executors.worker", str(run_dir), str(threads),
                                   str(os.getpid()), str(write)], pass_fds=(write,), env=worker_environment())
    finally:
        os.close(write)
    with os.fdopen(read) as pipe:
        report = pipe.read()
    code = worker.wait()
    try:
        outcome = json.loads(report)
    except json.JSONDecodeError:
        raise WorkerError(f"its worker process (pid {worker.pid}) {ending(code)} before the run ended") from None
    kind, message = outcome.get("error"), outcome.get("message", "")
    if kind is None:
        return outcome["status"]
    raise {"lease": LeaseHeld, "user": UserError}.get(kind, WorkerError)(message)


def worker_environment() -> dict:
    """This process's environment, with the folder this ``memgan_bench`` was imported from first on the path,
    so the worker runs the same code as the sweep."""
    source = str(Path(memgan_bench.__file__).resolve().parents[1])
    paths = [source] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    return dict(os.environ, PYTHONPATH=os.pathsep.join(paths))


def ending(code: int) -> str:
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with code {code}"


def run_all(runs, options, record) -> None:
    with ThreadPoolExecutor(options.max_parallel) as slots:
        futures = {slots.submit(run_in_fresh_process, run.path, options.threads_per_run): run for run in runs}
        for future in as_completed(futures):
            error = future.exception()
            record(futures[future], None if error else future.result(), error)


EXECUTORS.register("local")(Executor(run_all))
