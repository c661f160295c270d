"""Class-incremental report, per setting: accuracy matrices, forgetting and FID against experience and
the sample grids after each experience, from the ``cl/*`` rows of the ``continual_eval`` plugin (their
final values are columns of the headline table, :mod:`reports.tables`).

Runs are the variants of :func:`reports.load_runs` (the stream names SFT, EWC, JT, MeRGAN-RA, ..., then
the config keys in which runs of that label differ: an EWC weight sweep stays apart). Seeds of a variant
are averaged (matrices) or drawn as mean and confidence band (curves).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from memgan_bench.metrics.names import header
from memgan_bench.registry import REPORT_SECTIONS
from memgan_bench.rundir import RunDir
from reports import ReportOptions, settings, slug
from reports.curves import draw_bands, legend_below, panel_grid, variant_colors
from reports.page import Part, figure_part, pyplot, show_grid

CURVES = ["cl/acc_avg", "cl/acc_forgetting_max", "cl/acc_forgetting_last", "cl/acc_bwt", "cl/reverse_acc",
          "cl/d_forgetting_past", "cl/share_past", "cl/seen_coverage"]
FIDELITY = ["cl/fid", "cl/kid", "cl/fid_forgetting_max", "cl/fid_bwt"]


def accuracy_matrix(df: pd.DataFrame) -> pd.DataFrame:
    """R[i, j]: mean over runs of ``cl/acc/task_j`` after experience i (rows i, columns j)."""
    rows = df[df["metric"].str.fullmatch(r"cl/acc/task_\d+")]
    rows = rows.assign(task=rows["metric"].str.rsplit("_", n=1).str[1].astype(int))
    return rows.pivot_table(index="experience", columns="task", values="value", aggfunc="mean")


def last_grids(run_dir: str | Path) -> dict[int, Path]:
    """The last sample grid the engine saved in each experience."""
    return {experience: path for experience, _step, path in RunDir(run_dir).sample_grids()}


@REPORT_SECTIONS.register("continual")
def write_continual(df: pd.DataFrame, out: Path, options: ReportOptions = ReportOptions()) -> list[Part]:
    colors = variant_colors(df)
    df = df[df["metric"].str.startswith("cl/")]
    if df.empty:
        return []
    import seaborn as sns

    plt = pyplot()
    parts = []
    for title, rows in settings(df):
        name = slug(title)
        variants = sorted(rows["variant"].unique())
        matrices = {v: accuracy_matrix(rows[rows["variant"] == v]) for v in variants}
        matrices = {v: m for v, m in matrices.items() if not m.empty}
        if matrices:
            fig, axes = plt.subplots(1, len(matrices), figsize=(3.6 * len(matrices), 3.2), squeeze=False)
            for ax, (variant, matrix) in zip(axes.flat, matrices.items()):
                sns.heatmap(matrix, vmin=0, vmax=1, annot=True, fmt=".2f", cmap="viridis", cbar=False, ax=ax)
                ax.set(title=variant, xlabel="task j", ylabel="after experience i")
            fig.tight_layout()
            parts.append(figure_part(fig, out / f"continual_accuracy_matrix_{name}.png", "Accuracy matrices",
                                     "R[i, j]: accuracy of the evaluation classifier on samples of task j after "
                                     "experience i, mean over seeds.", title))

        for file, heading, metrics in (("continual_forgetting", "Continual metrics per experience", CURVES),
                                       ("continual_fid", "FID per experience", FIDELITY)):
            present = [m for m in metrics if m in set(rows["metric"])]
            if not present:
                continue
            fig, axes = panel_grid(present, columns=4, width=3.8, height=3.2)
            for ax, metric in zip(axes, present):
                draw_bands(ax, rows[rows["metric"] == metric], colors, options, x="experience")
                ax.set(title=header(metric), xlabel="experience")
                ax.xaxis.get_major_locator().set_params(integer=True)
            legend_below(fig, variants, colors)
            parts.append(figure_part(fig, out / f"{file}_{name}.png", heading,
                                     f"Mean over seeds with {options.confidence * 100:g} % confidence band.", title))

        runs = {v: sorted(rows[rows["variant"] == v]["run_dir"].unique())[0] for v in variants}
        grids = {v: g for v, g in ((v, last_grids(run_dir)) for v, run_dir in runs.items()) if g}
        if grids:
            columns = max(len(g) for g in grids.values())
            fig, axes = plt.subplots(len(grids), columns, figsize=(2.6 * columns, 2.8 * len(grids)), squeeze=False)
            for row, (variant, by_experience) in zip(axes, grids.items()):
                for ax, i in zip(row, range(columns)):
                    ax.axis("off")
                    if i in by_experience:
                        show_grid(ax, by_experience[i])
                        ax.set_title(f"{variant}, after exp {i}", fontsize=8)
            fig.tight_layout()
            parts.append(figure_part(fig, out / f"continual_samples_{name}.png", "Samples after each experience",
                                     "The first run of each variant.", title))
    return parts
