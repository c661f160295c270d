"""A run directory and its long-format results log.

Layout: ``config.yaml`` (resolved config), ``results.csv`` (one row per measurement:
``run_id, method, scenario, dataset, seed, step, experience, metric, value``), ``status``
(running / finished / diverged / failed), ``checkpoints/``, ``samples/`` (PNG grids). Every file is
replaced atomically, so a killed run loses no row it had written.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from memgan_bench.atomic import atomic_write_text

ROW_FIELDS = ("run_id", "method", "scenario", "dataset", "seed", "step", "experience", "metric", "value")
STATUSES = ("running", "finished", "diverged", "failed")


class RunDir:
    def __init__(self, path: str | Path):
        self.path = Path(path)

    config = property(lambda self: self.path / "config.yaml")
    results = property(lambda self: self.path / "results.csv")
    status_file = property(lambda self: self.path / "status")
    checkpoints = property(lambda self: self.path / "checkpoints")
    samples = property(lambda self: self.path / "samples")
    last_checkpoint = property(lambda self: self.path / "checkpoints" / "last.pt")

    def set_status(self, status: str) -> None:
        assert status in STATUSES, status
        atomic_write_text(self.status_file, status + "\n")

    def status(self) -> str:
        return self.status_file.read_text().strip() if self.status_file.exists() else "unknown"


class ResultsLog:
    """Rows of one run; every ``add`` rewrites ``results.csv`` atomically with all rows so far."""

    def __init__(self, path: str | Path, identity: dict):
        self.path = Path(path)
        self.identity = {key: identity[key] for key in ("run_id", "method", "scenario", "dataset", "seed")}
        self.rows: list[dict] = read_rows(self.path) if self.path.exists() else []

    def add(self, step: int, experience: int, values: dict[str, float]) -> None:
        for metric, value in values.items():
            self.rows.append({**self.identity, "step": int(step), "experience": int(experience),
                              "metric": metric, "value": float(value)})
        self._write()

    def drop_after(self, step: int) -> None:
        """Forget rows logged after ``step`` (a resumed run logs them again)."""
        self.rows = [row for row in self.rows if int(row["step"]) <= step]
        self._write()

    def _write(self) -> None:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=ROW_FIELDS)
        writer.writeheader()
        writer.writerows(self.rows)
        atomic_write_text(self.path, buffer.getvalue())


def read_rows(path: str | Path) -> list[dict]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))
