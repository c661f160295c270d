"""Class-incremental report: accuracy matrices, forgetting and FID against experience, sample grids and
one summary table (Markdown + LaTeX), from the ``cl/*`` rows of the ``continual_eval`` plugin.

Runs are labelled by method, with "+ewc" when the EWC plugin was on and "JT" for cumulative streams
(joint training on every class seen so far), read from each run's ``config.yaml``, then by any other
config keys in which runs of that label differ (``reports.variant_labels``: an EWC weight sweep stays
apart). Seeds of a label are averaged (matrices, table: mean ± std) or drawn as a band (min–max) in the
curves.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from memgan_bench.atomic import atomic_write_text
from reports import SECTIONS, run_config, variant_labels
from reports.curves import save_figure

CURVES = ["cl/acc_avg", "cl/acc_forgetting_max", "cl/acc_forgetting_last", "cl/acc_bwt", "cl/reverse_acc",
          "cl/d_forgetting_past", "cl/share_past", "cl/seen_coverage"]
FIDELITY = ["cl/fid", "cl/kid", "cl/fid_forgetting_max", "cl/fid_bwt"]
TABLE = {"cl/acc_avg": "final acc", "cl/acc_forgetting_max": "forgetting (max)",
         "cl/acc_forgetting_last": "forgetting (last)", "cl/acc_bwt": "BWT", "cl/reverse_acc": "reverse acc",
         "cl/fid": "FID", "cl/d_forgetting_past": "D forgetting"}


def run_label(run_dir: str | Path) -> str:
    """method[+plugins that change training][ JT] from the run's saved config."""
    cfg = run_config(run_dir)
    label = cfg.get("method", "?")
    if "ewc" in (cfg.get("plugins") or {}):
        label += "+ewc"
    if (cfg.get("scenario") or {}).get("cumulative"):
        label += " JT"
    return label


def with_labels(df: pd.DataFrame) -> pd.DataFrame:
    run_dirs = [Path(run_dir) for run_dir in df["run_dir"].unique()]
    labels = variant_labels(run_dirs, {run_dir: run_label(run_dir) for run_dir in run_dirs})
    return df.assign(label=df["run_dir"].map({str(run_dir): label for run_dir, label in labels.items()}))


def accuracy_matrix(df: pd.DataFrame) -> pd.DataFrame:
    """R[i, j]: mean over runs of ``cl/acc/task_j`` after experience i (rows i, columns j)."""
    rows = df[df["metric"].str.fullmatch(r"cl/acc/task_\d+")]
    rows = rows.assign(task=rows["metric"].str.rsplit("_", n=1).str[1].astype(int))
    return rows.pivot_table(index="experience", columns="task", values="value", aggfunc="mean")


def summary_table(df: pd.DataFrame) -> pd.DataFrame:
    """Per label: each TABLE metric at the last experience, 'mean ± std' over seeds."""
    last = df[df["experience"] == df.groupby("run_dir")["experience"].transform("max")]
    last = last[last["metric"].isin(TABLE)]
    stats = last.groupby(["label", "metric"])["value"].agg(["mean", "std", "count"]).reset_index()
    stats["cell"] = [f"{m:.3f}" if n == 1 or pd.isna(s) else f"{m:.3f} ± {s:.3f}"
                     for m, s, n in zip(stats["mean"], stats["std"], stats["count"])]
    table = stats.pivot(index="label", columns="metric", values="cell")
    table = table[[m for m in TABLE if m in table.columns]].rename(columns=TABLE)
    table.insert(0, "seeds", last.groupby("label")["run_dir"].nunique())
    return table.reset_index().rename(columns={"label": "method"})


def markdown(table: pd.DataFrame) -> str:
    lines = ["| " + " | ".join(map(str, table.columns)) + " |", "|" + "---|" * len(table.columns)]
    lines += ["| " + " | ".join("" if pd.isna(v) else str(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join(lines) + "\n"


def latex(table: pd.DataFrame) -> str:
    escape = lambda v: "" if pd.isna(v) else str(v).replace("±", r"$\pm$").replace("_", r"\_").replace("&", r"\&")
    lines = [r"\begin{tabular}{l" + "r" * (len(table.columns) - 1) + "}", r"\toprule",
             " & ".join(escape(c) for c in table.columns) + r" \\", r"\midrule"]
    lines += [" & ".join(escape(v) for v in row) + r" \\" for row in table.itertuples(index=False)]
    return "\n".join(lines + [r"\bottomrule", r"\end{tabular}"]) + "\n"


def last_grids(run_dir: str | Path) -> dict[int, Path]:
    """The last sample grid the engine saved in each experience (``samples/expXX_stepYYYYYYY.png``)."""
    grids: dict[int, Path] = {}
    for path in sorted(Path(run_dir, "samples").glob("exp*_step*.png")):
        grids[int(re.match(r"exp(\d+)_", path.name).group(1))] = path
    return grids


@SECTIONS.register("continual")
def write_continual(df: pd.DataFrame, out: Path) -> list[Path]:
    df = df[df["metric"].str.startswith("cl/")]
    if df.empty:
        return []
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import seaborn as sns

    df = with_labels(df)
    labels = sorted(df["label"].unique())
    written = []

    matrices = {label: accuracy_matrix(df[df["label"] == label]) for label in labels}
    matrices = {label: m for label, m in matrices.items() if not m.empty}
    if matrices:
        fig, axes = plt.subplots(1, len(matrices), figsize=(3.6 * len(matrices), 3.2), squeeze=False)
        for ax, (label, matrix) in zip(axes.flat, matrices.items()):
            sns.heatmap(matrix, vmin=0, vmax=1, annot=True, fmt=".2f", cmap="viridis", cbar=False, ax=ax)
            ax.set(title=label, xlabel="task j", ylabel="after experience i")
        fig.tight_layout()
        written.append(save_figure(fig, out / "continual_accuracy_matrix.png"))
        plt.close(fig)

    for name, metrics in (("continual_forgetting.png", CURVES), ("continual_fid.png", FIDELITY)):
        present = [m for m in metrics if m in set(df["metric"])]
        if not present:
            continue
        columns = min(4, len(present))
        rows = -(-len(present) // columns)
        fig, axes = plt.subplots(rows, columns, figsize=(3.8 * columns, 3.2 * rows), squeeze=False)
        for k, (ax, metric) in enumerate(zip(axes.flat, present)):
            sns.lineplot(data=df[df["metric"] == metric], x="experience", y="value", hue="label", marker="o",
                         errorbar=("pi", 100), ax=ax, legend=k == 0)
            ax.set(title=metric, ylabel="")
            ax.xaxis.get_major_locator().set_params(integer=True)
        for ax in list(axes.flat)[len(present):]:
            ax.set_visible(False)
        fig.tight_layout()
        written.append(save_figure(fig, out / name))
        plt.close(fig)

    runs = {label: sorted(df[df["label"] == label]["run_dir"].unique())[0] for label in labels}
    grids = {label: last_grids(run_dir) for label, run_dir in runs.items()}
    grids = {label: g for label, g in grids.items() if g}
    if grids:
        columns = max(len(g) for g in grids.values())
        fig, axes = plt.subplots(len(grids), columns, figsize=(2.6 * columns, 2.8 * len(grids)), squeeze=False)
        for row, (label, by_experience) in zip(axes, grids.items()):
            for ax, i in zip(row, range(columns)):
                ax.axis("off")
                if i in by_experience:
                    ax.imshow(plt.imread(by_experience[i]))
                    ax.set_title(f"{label}, after exp {i}", fontsize=8)
        fig.tight_layout()
        written.append(save_figure(fig, out / "continual_samples.png"))
        plt.close(fig)

    table = summary_table(df)
    atomic_write_text(out / "continual_table.md", markdown(table))
    atomic_write_text(out / "continual_table.tex", latex(table))
    return written + [out / "continual_table.md", out / "continual_table.tex"]
