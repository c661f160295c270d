"""Focused training curves: per setting, FID, IS, classes or modes covered and discriminator forgetting
against step, one line (mean over seeds) and confidence band per variant, one colour per variant across
the whole report and a single legend under the panels."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from memgan_bench.metrics.names import header
from memgan_bench.registry import REPORT_SECTIONS
from reports import ReportOptions, settings, slug
from reports.page import Part, figure_part, pyplot
from reports.stats import mean_interval

FOCUS = ("fid", "is_mean", "classes_covered", "modes_covered", "d_forgetting/mean_forgetting")


def variant_colors(df: pd.DataFrame) -> dict[str, tuple]:
    """One colour per variant of the whole report (sorted labels → the seaborn palette)."""
    import seaborn as sns

    variants = sorted(df["variant"].unique())
    return dict(zip(variants, sns.color_palette(n_colors=len(variants))))


def band(rows: pd.DataFrame, x: str, options: ReportOptions) -> pd.DataFrame:
    """Per ``x`` value: mean and CI of ``value`` over the runs (NaN interval where one run)."""
    stats = [(at, *mean_interval(group["value"].to_numpy(float), options.ci, options.confidence))
             for at, group in rows.groupby(x)]
    return pd.DataFrame(stats, columns=[x, "mean", "low", "high"])


def draw_bands(ax, rows: pd.DataFrame, colors: dict, options: ReportOptions, x: str = "step") -> None:
    for variant, variant_rows in rows.groupby("variant"):
        line = band(variant_rows, x, options)
        ax.plot(line[x], line["mean"], color=colors[variant], marker="o" if len(line) < 12 else None, ms=3)
        ax.fill_between(line[x], line["low"], line["high"], color=colors[variant], alpha=0.2, linewidth=0)


def panel_grid(metrics: list[str], columns: int, width: float = 4.0, height: float = 3.0):
    plt = pyplot()
    columns = min(columns, len(metrics))
    rows = -(-len(metrics) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(width * columns, height * rows), squeeze=False)
    for ax in list(axes.flat)[len(metrics):]:
        ax.set_visible(False)
    return fig, list(axes.flat)[: len(metrics)]


def legend_below(fig, variants: list[str], colors: dict) -> None:
    from matplotlib.lines import Line2D

    fig.tight_layout()
    handles = [Line2D([], [], color=colors[v], lw=2) for v in variants]
    fig.legend(handles, variants, loc="upper center", bbox_to_anchor=(0.5, 0), ncol=min(3, len(variants)),
               frameon=False)


def curve_figure(rows: pd.DataFrame, metrics: list[str], colors: dict, options: ReportOptions, title_of,
                 columns: int):
    fig, axes = panel_grid(metrics, columns)
    for ax, metric in zip(axes, metrics):
        draw_bands(ax, rows[rows["metric"] == metric], colors, options)
        ax.set(title=title_of(metric), xlabel="step")
        ax.grid(alpha=0.3)
    legend_below(fig, sorted(rows["variant"].unique()), colors)
    return fig


def curve_metrics(rows: pd.DataFrame, candidates) -> list[str]:
    """The candidates logged at more than one step, in the candidates' order."""
    steps = rows.groupby("metric")["step"].nunique()
    return [m for m in candidates if steps.get(m, 0) > 1]


@REPORT_SECTIONS.register("curves")
def write_curves(df: pd.DataFrame, out: Path, options: ReportOptions = ReportOptions()) -> list[Part]:
    colors = variant_colors(df)
    parts = []
    level = f"{options.confidence * 100:g} %"
    for title, rows in settings(df):
        metrics = curve_metrics(rows, FOCUS)
        if not metrics:
            continue
        fig = curve_figure(rows, metrics, colors, options, header, columns=4)
        parts.append(figure_part(fig, out / f"curves_{slug(title)}.png", "Training curves",
                                 f"Mean over seeds with {level} confidence band ({options.ci}).", title))
    return parts
