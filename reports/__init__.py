"""Reports: read any set of run directories into one long-format pandas DataFrame, then write tables
and seaborn plots. Each report section is a module of this package registered in ``SECTIONS``; a
section writes what applies to the runs it is given and returns the paths it wrote."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable

import pandas as pd

from memgan_bench.config import read_yaml
from memgan_bench.errors import UserError
from memgan_bench.results import ROW_FIELDS, read_rows
from memgan_bench.registry import Registry

Section = Callable[[pd.DataFrame, Path], list[Path]]
SECTIONS: Registry[Section] = Registry("report section", ("reports",))
NOT_VARIANT_KEYS = ("seed", "name", "device")  # runs that differ only in these are repeats of one config


def _flat(tree: dict, prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        if isinstance(value, dict) and value:
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = str(value)
    return flat


def run_config(run_dir: str | Path) -> dict:
    """The config a run saved (``config.yaml``), or {} when it has none."""
    path = Path(run_dir) / "config.yaml"
    return read_yaml(path) if path.exists() else {}


def variant_labels(run_dirs: list[Path], methods: dict[Path, str]) -> dict[Path, str]:
    """A label per run: its name in ``methods`` (the method, or a coarser label), followed by the config
    keys (from each run's ``config.yaml``) in which runs of that name differ, seeds aside, e.g.
    ``memorygan [model.mcgn=False, model.update=em]``. Runs of one config share a label, so tables
    average seeds and never ablations."""
    configs = {run_dir: {k: v for k, v in _flat(run_config(run_dir)).items() if k not in NOT_VARIANT_KEYS}
               for run_dir in run_dirs}
    labels = {}
    for run_dir in run_dirs:
        peers = [configs[d] for d in run_dirs if methods[d] == methods[run_dir]]
        keys = sorted({k for c in peers for k in c if any(c.get(k) != p.get(k) for p in peers)})
        own = configs[run_dir]
        details = ", ".join(f"{k}={own.get(k, '-')}" for k in keys)
        labels[run_dir] = f"{methods[run_dir]} [{details}]" if details else methods[run_dir]
    return labels


def find_run_dirs(paths: Iterable[str | Path]) -> list[Path]:
    """Every run directory (a folder with results.csv) at or below the given paths."""
    found: list[Path] = []
    for path in map(Path, paths):
        if not path.exists():
            raise UserError(f"no such run directory: {path}")
        found += sorted(p.parent for p in path.rglob("results.csv"))
    return sorted(set(found))


def load_runs(paths: Iterable[str | Path]) -> pd.DataFrame:
    """All rows of all runs below ``paths`` with the run's ``status``, directory and ``variant`` label
    (:func:`variant_labels`) added."""
    frames = []
    run_dirs = find_run_dirs(paths)
    for run_dir in run_dirs:
        frame = pd.DataFrame(read_rows(run_dir / "results.csv"), columns=ROW_FIELDS).astype(
            {"seed": int, "step": int, "experience": int, "value": float})
        status_file = run_dir / "status"
        frame["status"] = status_file.read_text().strip() if status_file.exists() else "unknown"
        frame["run_dir"] = str(run_dir)
        frames.append(frame)
    if not frames:
        raise UserError(f"no runs (results.csv) found under {', '.join(map(str, paths))}")
    df = pd.concat(frames, ignore_index=True)
    methods = {run_dir: str(frame["method"].iloc[0]) for run_dir, frame in zip(run_dirs, frames) if len(frame)}
    labels = variant_labels(list(methods), methods)
    return df.assign(variant=df["run_dir"].map({str(d): label for d, label in labels.items()}))


def write_report(df: pd.DataFrame, out_dir: str | Path) -> list[Path]:
    """Run every report section; returns the files written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name in SECTIONS.names():
        written += SECTIONS.get(name)(df, out)
    return written
