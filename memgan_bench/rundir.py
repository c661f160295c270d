"""A run directory: the one place that knows the names of a run's files (reference: docs/runs.md).

Layout: ``config.yaml`` (resolved config), ``results.csv`` (rows, :mod:`memgan_bench.results`), ``status``
(running / finished / diverged / failed; ``pending`` while there is none), ``lease`` and ``lease.takeover``
(while a process trains it, :mod:`memgan_bench.lease`), ``job_id`` (written by the slurm executor),
``checkpoints/last.pt``, ``samples/`` (PNG grids ``expXX_stepYYYYYYY.png``, and ``sample_last.png`` of
``memgan-bench sample``), ``tensorboard/`` (event files of the ``tensorboard`` plugin). A folder holding
``config.yaml`` or ``results.csv`` is a run directory.

Commands read a run's files only through :class:`RunDir` (:meth:`RunDir.status`, :meth:`RunDir.rows`,
:meth:`RunDir.saved_config`, :meth:`RunDir.lease_holder`, :meth:`RunDir.job_id`,
:meth:`RunDir.grid_pixels`): content that cannot be
read (not UTF-8, a folder where a file should be, a status that is no status, a malformed row) is a
one-line :class:`UserError` naming the file, which commands over many runs turn into a run listed as
``unreadable``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable, Optional

from memgan_bench.atomic import atomic_write_text
from memgan_bench.config import read_yaml
from memgan_bench.errors import UserError
from memgan_bench.results import read_rows

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

    def text(self, path: Path) -> Optional[str]:
        """The UTF-8 text of one of this run's files, None when it does not exist."""
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as err:
            raise UserError(f"cannot read {path}: {err.strerror or err}") from None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as err:
            raise UserError(f"{path} is not UTF-8 text (byte {err.start})") from None

    def status(self) -> str:
        """The status the trainer wrote (one of :data:`STATUSES`), :data:`NO_STATUS` before it wrote one."""
        text = self.text(self.status_file)
        if text is None:
            return NO_STATUS
        if text.strip() not in STATUSES:
            raise UserError(f"{self.status_file} holds {text.strip()[:40]!r}, not a run status "
                            f"({', '.join(STATUSES)})")
        return text.strip()

    def rows(self) -> list[dict]:
        """The complete rows of the run's results (none before it logged any)."""
        return read_rows(self.results) if self.results.exists() else []

    def lease_holder(self) -> Optional[dict]:
        """The lease's record of the process training the run (:func:`memgan_bench.lease.read_lease`), if any."""
        from memgan_bench.lease import read_lease  # the lease module names its files through RunDir

        if self.lease.exists() and not self.lease.is_file():
            raise UserError(f"{self.lease} is not a file")
        return read_lease(self.lease)

    def saved_config(self) -> dict:
        """The config the run saved, as a mapping ({} when it has none)."""
        return read_yaml(self.config) if self.config.exists() else {}

    def job_id(self) -> Optional[str]:
        text = self.text(self.job_id_file)
        return text.strip() if text is not None else None

    def write_job_id(self, job_id: str) -> None:
        atomic_write_text(self.job_id_file, f"{job_id}\n")

    def sample_grid(self, experience: int, step: int) -> Path:
        """Where the engine saves the sample grid of ``step`` (in experience ``experience``)."""
        return self.samples / f"exp{experience:02d}_step{step:07d}.png"

    @staticmethod
    def grid_pixels(path: Path):
        """The RGB pixels (uint8 [H, W, 3] array) of one of a run's sample grids."""
        import numpy as np
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(path) as image:
                return np.asarray(image.convert("RGB"))
        except (OSError, UnidentifiedImageError, ValueError) as err:  # Pillow's errors for damaged images
            raise UserError(f"cannot read sample grid {path}: {str(err).splitlines()[0][:200]}") from None

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
