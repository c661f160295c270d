"""Training curves: every metric against step, one line per method (seeds as a band)."""

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

    metrics = sorted(m for m in df["metric"].unique() if df[df["metric"] == m]["step"].nunique() > 1)
    if not metrics:
        return []
    columns = min(4, len(metrics))
    rows = -(-len(metrics) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(4 * columns, 3 * rows), squeeze=False)
    for ax, metric in zip(axes.flat, metrics):
        sns.lineplot(data=df[df["metric"] == metric], x="step", y="value", hue="method",
                     errorbar=("pi", 100), ax=ax)
        ax.set_title(metric)
        ax.set_ylabel("")
    for ax in list(axes.flat)[len(metrics):]:
        ax.set_visible(False)
    fig.tight_layout()
    path = save_figure(fig, out / "curves.png")
    plt.close(fig)
    return [path]
