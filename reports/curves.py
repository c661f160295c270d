"""Training curves: every metric against step, one line per variant (seeds as a band), one colour per
variant across all panels and a single legend under the grid."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from memgan_bench.atomic import atomic_write
from reports import SECTIONS


def save_figure(fig, path: Path) -> Path:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    atomic_write(path, lambda handle: handle.write(buffer.getvalue()))
    return path


@SECTIONS.register("curves")
def write_curves(df: pd.DataFrame, out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import seaborn as sns
    from matplotlib.lines import Line2D

    metrics = sorted(m for m in df["metric"].unique() if df[df["metric"] == m]["step"].nunique() > 1)
    if not metrics:
        return []
    columns = min(4, len(metrics))
    rows = -(-len(metrics) // columns)
    variants = sorted(df["variant"].unique())
    palette = dict(zip(variants, sns.color_palette(n_colors=len(variants))))
    fig, axes = plt.subplots(rows, columns, figsize=(4 * columns, 3 * rows), squeeze=False)
    for ax, metric in zip(axes.flat, metrics):
        sns.lineplot(data=df[df["metric"] == metric], x="step", y="value", hue="variant", palette=palette,
                     errorbar=("pi", 100), ax=ax, legend=False)
        ax.set_title(metric)
        ax.set_ylabel("")
    for ax in list(axes.flat)[len(metrics):]:
        ax.set_visible(False)
    fig.tight_layout()
    handles = [Line2D([], [], color=palette[v]) for v in variants]
    fig.legend(handles, variants, loc="upper center", bbox_to_anchor=(0.5, 0), ncol=min(2, len(variants)),
               frameon=False)
    path = save_figure(fig, out / "curves.png")
    plt.close(fig)
    return [path]
