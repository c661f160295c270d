"""Executors: engines that bring a sweep's run directories to an end state, each run in a fresh process.

Every executor calls the same single-run entry (:func:`memgan_bench.executors.worker.run_one`), which
trains the run directory from its saved config or resumes it from its checkpoint, so a run
interrupted under one executor continues under any other. Each executor module registers an
:class:`Executor` in :data:`memgan_bench.registry.EXECUTORS` under the name ``--executor`` takes.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from typing import Callable, Optional

from memgan_bench.errors import UserError


@dataclass(frozen=True)
class Executor:
    """``run_all(runs, options, record)`` brings every run of ``runs`` (run directories) to an end and calls
    ``record(run_dir, status, error)`` as each one ends (``error``: the exception of a run that crashed).
    ``needs``: the optional package it imports and the extra that installs it, checked by :meth:`load`."""

    run_all: Callable
    needs: Optional[tuple[str, str]] = None

    def load(self) -> "Executor":
        """This executor, once its optional package imports (else a one-line :class:`UserError`)."""
        if self.needs:
            require(*self.needs)
        return self


class WorkerError(Exception):
    """A run's process died, or reported a failure whose traceback it printed itself: the sweep records it
    as one line."""


def require(package: str, extra: str):
    """Import an optional dependency, or fail with the line that installs it."""
    try:
        return importlib.import_module(package)
    except ImportError:
        raise UserError(f"this executor needs {package}: pip install 'memgan-bench[{extra}]'") from None


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity, e.g. a container's or a SLURM job's share)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def default_parallel(threads_per_run: int) -> int:
    """Runs at once on this machine: its usable cores ÷ threads per run (at least 1)."""
    return max(1, usable_cores() // threads_per_run)
