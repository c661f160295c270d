"""A run directory: the one place that knows the names of a run's files (reference: docs/runs.md).

Layout: ``config.yaml`` (resolved config), ``results.csv`` (rows, :mod:`memgan_bench.results`), ``status``
(running / finished / diverged / failed; ``pending`` while there is none), ``lease`` and ``lease.takeover``
(while a process trains it, :mod:`memgan_bench.lease`), ``job_id`` (written by the slurm executor),
``checkpoints/last.pt``, ``samples/`` (PNG grids ``expXX_stepYYYYYYY.png``, and ``sample_last.png`` of
``memgan-bench sample``), ``tensorboard/`` (event files of the ``tensorboard`` plugin). A folder holding
``config.yaml`` or ``results.csv`` is a run directory.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable, Optional

from memgan_bench.atomic import atomic_write_text
from memgan_bench.config import read_yaml
from memgan_bench.errors import UserError

CONFIG, RESULTS, STATUS, LEASE, JOB_ID = "config.yaml", "results.csv", "status", "lease", "job_id"
STATUSES = ("running", "finished", "diverged", "failed")
FINAL_STATUSES = ("finished", "diverged")
NO_STATUS = "pending"  # a run whose trainer has not written a status yet
GRID = re.compile(r"exp(\d+)_step(\d+)\.png")


class RunDir:
    def __init__(self, path: str | Path):
        self.path = Path(path)

    config = property(lambda self: self.path / CONFIG)
    results = property(lambda self: self.path / RESULTS)
    status_file = property(lambda self: self.path / STATUS)
    lease = property(lambda self: self.path / LEASE)
    lease_takeover = property(lambda self: self.path / f"{LEASE}.takeover")
    job_id_file = property(lambda self: self.path / JOB_ID)
    checkpoints = property(lambda self: self.path / "checkpoints")
    last_checkpoint = property(lambda self: self.path / "checkpoints" / "last.pt")
    samples = property(lambda self: self.path / "samples")
    last_sample = property(lambda self: self.path / "samples" / "sample_last.png")
    tensorboard = property(lambda self: self.path / "tensorboard")

    def run_id(self, cfg) -> str:
        """The ``run_id`` of the run's rows: the config's ``name``, else the directory's name."""
        return cfg.name or self.path.name

    def set_status(self, status: str) -> None:
        assert status in STATUSES, status
        atomic_write_text(self.status_file, status + "\n")

    def status(self) -> str:
        return self.status_file.read_text().strip() if self.status_file.exists() else NO_STATUS

    def saved_config(self) -> dict:
        """The config the run saved, as a mapping ({} when it has none)."""
        return read_yaml(self.config) if self.config.exists() else {}

    def job_id(self) -> Optional[str]:
        return self.job_id_file.read_text().strip() if self.job_id_file.is_file() else None

    def write_job_id(self, job_id: str) -> None:
        atomic_write_text(self.job_id_file, f"{job_id}\n")

    def sample_grid(self, experience: int, step: int) -> Path:
        """Where the engine saves the sample grid of ``step`` (in experience ``experience``)."""
        return self.samples / f"exp{experience:02d}_step{step:07d}.png"

    def sample_grids(self) -> list[tuple[int, int, Path]]:
        """(experience, step, path) of every grid the engine saved, in order."""
        found = [(GRID.fullmatch(path.name), path) for path in self.samples.glob("exp*_step*.png")]
        return sorted((int(m.group(1)), int(m.group(2)), path) for m, path in found if m)


def find_runs(paths: Iterable[str | Path], require: tuple[str, ...] = ()) -> list[Path]:
    """Every run directory at or below ``paths`` (a folder holding ``config.yaml`` or ``results.csv``),
    keeping those that hold every file in ``require`` (``"config"``, ``"results"``). A path that does
    not exist is a :class:`UserError`."""
    found: set[Path] = set()
    for path in map(Path, paths):
        if not path.exists():
            raise UserError(f"no such run directory: {path}")
        found.update(file.parent for name in (CONFIG, RESULTS) for file in path.rglob(name))
    return sorted(run for run in found if all(getattr(RunDir(run), name).exists() for name in require))
