"""Side-by-side samples: per setting, one row per variant and one column per seed that every variant ran
(at most ``MAX_SEEDS``), each cell the run's last sample grid. For 2-D mixtures that
grid is the engine's scatter of generated points over the true mode centres (red ×), so the same figure
is the mode-coverage picture."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import pandas as pd

from memgan_bench.registry import REPORT_SECTIONS
from memgan_bench.rundir import RunDir
from reports import ReportOptions, settings, slug
from reports.page import Part, figure_part, pyplot, show_grid

MAX_SEEDS = 3


def last_sample(run_dir: str | Path) -> Optional[Path]:
    """The last grid the engine saved in a run (of its last experience, at its last step)."""
    grids = RunDir(run_dir).sample_grids()
    return grids[-1][2] if grids else None


def sample_table(rows: pd.DataFrame) -> dict[str, dict[int, Path]]:
    """variant → seed → last sample grid, over the seeds every variant has a grid for."""
    runs = rows.drop_duplicates("run_dir")
    grids: dict[str, dict[int, Path]] = {}
    for run in runs.itertuples():
        grid = last_sample(run.run_dir)
        if grid is not None:
            grids.setdefault(run.variant, {}).setdefault(int(run.seed), grid)
    common = set.intersection(*(set(by_seed) for by_seed in grids.values())) if grids else set()
    seeds = sorted(common)[:MAX_SEEDS]
    return {variant: {s: by_seed[s] for s in seeds} for variant, by_seed in sorted(grids.items())} if seeds else {}


@REPORT_SECTIONS.register("samples")
def write_samples(df: pd.DataFrame, out: Path, options: ReportOptions = ReportOptions()) -> list[Part]:
    plt = pyplot()
    parts = []
    for title, rows in settings(df):
        grids = sample_table(rows)
        if not grids:
            continue
        seeds = sorted(next(iter(grids.values())))
        fig, axes = plt.subplots(len(grids), len(seeds), figsize=(3.2 * len(seeds), 3.4 * len(grids)),
                                 squeeze=False)
        for row, (variant, by_seed) in zip(axes, grids.items()):
            for ax, seed in zip(row, seeds):
                show_grid(ax, by_seed[seed])
                ax.set_title(f"{variant} · seed {seed}", fontsize=9)
                ax.axis("off")
        fig.tight_layout()
        two_d = rows["metric"].eq("modes_covered").any()
        parts.append(figure_part(
            fig, out / f"samples_{slug(title)}.png", "Samples over the true modes" if two_d else "Samples",
            "Each run's last sample grid; rows: variants, columns: the same seeds"
            + (" (generated points in blue, true mode centres as red ×)." if two_d else "."), title))
    return parts
