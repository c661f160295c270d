"""``--executor local``: up to ``--max-parallel`` runs at once on this machine, each in its own process.

Each run gets a one-process ``ProcessPoolExecutor`` with the ``spawn`` context (a fresh interpreter: no
torch state inherited through ``fork``); a thread per slot waits on it. A run whose process dies (killed,
out of memory) takes down only its own pool, so the other runs go on.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed

from memgan_bench.executors.worker import run_one


def run_in_fresh_process(run_dir, threads: int) -> str:
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(run_one, str(run_dir), threads).result()


def run_all(runs, options, record) -> None:
    with ThreadPoolExecutor(options.max_parallel) as slots:
        futures = {slots.submit(run_in_fresh_process, run.path, options.threads_per_run): run for run in runs}
        for future in as_completed(futures):
            error = future.exception()
            record(futures[future], None if error else future.result(), error)
