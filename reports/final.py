"""Final metrics as points: per setting and headline metric, each run's final value (small dots) and the
mean with its confidence interval (bar) per variant, the numbers of the headline table drawn."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pandas as pd

from memgan_bench.metrics.names import METRICS, header
from memgan_bench.registry import REPORT_SECTIONS
from reports import ReportOptions, settings, slug
from reports.curves import legend_below, panel_grid, variant_colors
from reports.page import Part, figure_part
from reports.tables import final_values, statistics


LABEL_WIDTH = 32  # characters per line of a y-axis variant label


@REPORT_SECTIONS.register("final")
def write_final(df: pd.DataFrame, out: Path, options: ReportOptions = ReportOptions()) -> list[Part]:
    colors = variant_colors(df)
    stats = statistics(df, ReportOptions(ci=options.ci, confidence=options.confidence))
    final = final_values(df)
    parts = []
    level = f"{options.confidence * 100:g} %"
    for title, rows in settings(final):
        present = set(stats[stats["setting"] == title]["metric"])
        metrics = [m for m in METRICS if m in present]
        if not metrics:
            continue
        variants = sorted(rows["variant"].unique())
        labels = [textwrap.fill(variant, LABEL_WIDTH) for variant in variants]  # long variant labels wrap
        lines = max(label.count("\n") + 1 for label in labels)
        fig, axes = panel_grid(metrics, columns=4, width=3.6, height=1.0 + 0.5 * len(variants) * max(1.0, 0.45 * lines))
        for ax, metric in zip(axes, metrics):
            for y, variant in enumerate(variants):
                runs = rows[(rows["metric"] == metric) & (rows["variant"] == variant)]["value"]
                stat = stats[(stats["setting"] == title) & (stats["metric"] == metric) & (stats["variant"] == variant)]
                ax.scatter(runs, [y + 0.22] * len(runs), s=14, color=colors[variant], alpha=0.6, linewidths=0)
                if len(stat):
                    s = stat.iloc[0]
                    error = [[s["mean"] - s["ci_low"]], [s["ci_high"] - s["mean"]]] if s["n"] > 1 else None
                    ax.errorbar([s["mean"]], [y], xerr=error, fmt="D", ms=6, capsize=4, color=colors[variant])
            ax.set_yticks(range(len(variants)), labels if ax.get_subplotspec().is_first_col() else [""] * len(variants))
            ax.set_ylim(-0.6, len(variants) - 0.4)
            ax.invert_yaxis()
            ax.set_title(header(metric))
            ax.ticklabel_format(axis="x", useOffset=False)
            low, high = ax.get_xlim()
            if high - low < 1e-6 * max(1.0, abs(low)):  # runs that agree to rounding: a readable span around them
                pad = 0.05 * max(abs(low), 1e-3)
                ax.set_xlim(low - pad, high + pad)
            ax.grid(axis="x", alpha=0.3)
        legend_below(fig, variants, colors)
        parts.append(figure_part(fig, out / f"final_{slug(title)}.png", "Final metrics",
                                 f"Dots (below each bar): runs; diamonds and bars: mean and {level} confidence interval "
                                 f"({options.ci}).", title))
    return parts
