"""Reports: read any set of run directories into one long-format pandas DataFrame, then write tables
and seaborn plots. Each report section is a module of this package registered in ``SECTIONS``; a
section writes what applies to the runs it is given and returns the paths it wrote."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable

import pandas as pd

from memgan_bench.errors import UserError
from memgan_bench.registry import Registry

Section = Callable[[pd.DataFrame, Path], list[Path]]
SECTIONS: Registry[Section] = Registry("report section", ("reports",))


def find_run_dirs(paths: Iterable[str | Path]) -> list[Path]:
    """Every run directory (a folder with results.csv) at or below the given paths."""
    found: list[Path] = []
    for path in map(Path, paths):
        if not path.exists():
            raise UserError(f"no such run directory: {path}")
        found += sorted(p.parent for p in path.rglob("results.csv"))
    return sorted(set(found))


def load_runs(paths: Iterable[str | Path]) -> pd.DataFrame:
    """All rows of all runs below ``paths`` with the run's ``status`` and directory added."""
    frames = []
    for run_dir in find_run_dirs(paths):
        frame = pd.read_csv(run_dir / "results.csv", dtype={"run_id": str, "seed": int})
        status_file = run_dir / "status"
        frame["status"] = status_file.read_text().strip() if status_file.exists() else "unknown"
        frame["run_dir"] = str(run_dir)
        frames.append(frame)
    if not frames:
        raise UserError(f"no runs (results.csv) found under {', '.join(map(str, paths))}")
    return pd.concat(frames, ignore_index=True)


def write_report(df: pd.DataFrame, out_dir: str | Path) -> list[Path]:
    """Run every report section; returns the files written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name in SECTIONS.names():
        written += SECTIONS.get(name)(df, out)
    return written
