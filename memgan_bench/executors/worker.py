"""The unit of work every executor runs in a fresh process: one run directory brought to an end state.

Thread counts are set before torch is imported (``OMP_NUM_THREADS``) and again through
``torch.set_num_threads``, so P runs of T threads share P·T cores without oversubscription.
``python -m memgan_bench.executors.worker RUN_DIR THREADS PARENT_PID FD`` is the local executor's worker
process (:func:`main`).
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
import traceback
from pathlib import Path

PARENT_POLL_S = 1.0


def run_one(run_dir: str | Path, threads: int) -> str:
    """Train or resume the run in ``run_dir``; returns its final status (finished / diverged)."""
    os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = str(threads)
    import torch

    from memgan_bench.engine.runner import bring_to_finished

    torch.set_num_threads(threads)
    return bring_to_finished(run_dir).status()


def exit_with_parent(parent_pid: int) -> None:
    """A daemon thread that ends this process (``os._exit``, like SIGKILL: the lease and checkpoint protocol
    make that safe) once ``parent_pid`` is no longer its parent: a worker does not train on unseen after its
    sweep was killed (``kill PID``, a cancelled job)."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(PARENT_POLL_S)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def main(run_dir: str, threads: str, parent_pid: str, report_fd: str) -> int:
    """One run, its outcome written as one JSON object to the file descriptor ``report_fd``: ``status``, or
    ``error`` (``lease``, ``user``, ``crash``) and ``message``. A crash's traceback goes to stderr here."""
    from memgan_bench.errors import UserError
    from memgan_bench.lease import LeaseHeld

    exit_with_parent(int(parent_pid))
    try:
        outcome = {"status": run_one(run_dir, int(threads))}
    except LeaseHeld as err:
        outcome = {"error": "lease", "message": str(err)}
    except UserError as err:
        outcome = {"error": "user", "message": str(err)}
    except KeyboardInterrupt:  # Ctrl-C reaches the whole process group: the sweep reports it
        outcome = {"error": "crash", "message": "interrupted"}
    except BaseException as err:  # the run's own failure: its traceback belongs on the sweep's stderr
        traceback.print_exc()
        outcome = {"error": "crash", "message": f"{type(err).__name__}: {err}".strip()}
    with os.fdopen(int(report_fd), "w") as report:
        report.write(json.dumps(outcome))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
