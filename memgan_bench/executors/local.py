"""``--executor local``: up to ``--max-parallel`` runs at once on this machine, each in its own process.

Each run gets a one-process ``ProcessPoolExecutor`` with the ``spawn`` context (a fresh interpreter: no
torch state inherited through ``fork``); a thread per slot waits on it. A run whose process dies (killed,
out of memory) takes down only its own pool, so the other runs go on. A worker dies with the sweep: when the
process that started it is gone (the sweep was killed, e.g. ``kill PID``, a cancelled job), the worker exits at
once, as if killed, instead of training on unseen; its run resumes from its last checkpoint on
``sweep --resume``.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed

from memgan_bench.executors import Executor
from memgan_bench.executors.worker import run_one
from memgan_bench.registry import EXECUTORS


PARENT_POLL_S = 1.0


def run_in_fresh_process(run_dir, threads: int) -> str:
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"), initializer=exit_with_parent,
                             initargs=(os.getpid(),)) as pool:
        return pool.submit(run_one, str(run_dir), threads).result()


def exit_with_parent(parent_pid: int) -> None:
    """Worker initializer: a daemon thread that ends this process (``os._exit``, like SIGKILL: the lease and
    checkpoint protocol make that safe) once ``parent_pid`` is no longer its parent."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(PARENT_POLL_S)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def run_all(runs, options, record) -> None:
    with ThreadPoolExecutor(options.max_parallel) as slots:
        futures = {slots.submit(run_in_fresh_process, run.path, options.threads_per_run): run for run in runs}
        for future in as_completed(futures):
            error = future.exception()
            record(futures[future], None if error else future.result(), error)


EXECUTORS.register("local")(Executor(run_all))
