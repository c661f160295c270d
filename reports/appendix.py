"""Appendix: every metric logged at more than one step, per setting, as the curves of
:mod:`reports.curves`: headline metrics first, then the other evaluation metrics, the methods' losses
(``loss/*``) and their diagnostics (``diag/*``). Written to ``appendix_<setting>.png``; folded away at
the end of the setting's part of the page."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from memgan_bench.metrics.names import HEADLINE, family, human
from memgan_bench.registry import REPORT_SECTIONS
from reports import ReportOptions, settings, slug
from reports.curves import curve_figure, curve_metrics, variant_colors
from reports.page import Part, figure_part

FAMILIES = ("metric", "loss", "diagnostic")


def appendix_metrics(rows: pd.DataFrame) -> list[str]:
    """The metrics of ``rows`` logged at more than one step, in the appendix's order."""
    order = lambda m: (FAMILIES.index(family(m)), m not in HEADLINE, HEADLINE.index(m) if m in HEADLINE else 0, m)
    return curve_metrics(rows, sorted(rows["metric"].unique(), key=order))


@REPORT_SECTIONS.register("appendix")
def write_appendix(df: pd.DataFrame, out: Path, options: ReportOptions = ReportOptions()) -> list[Part]:
    colors = variant_colors(df)
    parts = []
    for title, rows in settings(df):
        metrics = appendix_metrics(rows)
        if not metrics:
            continue
        label = lambda m: m if human(m) == m else f"{human(m)} ({m})"
        fig = curve_figure(rows, metrics, colors, options, label, columns=5)
        part = figure_part(fig, out / f"appendix_{slug(title)}.png", "Appendix: every metric",
                           "Headline metrics, other evaluation metrics, losses (loss/*), diagnostics (diag/*).", title)
        part.html = f"<details><summary>show all {len(metrics)} panels</summary>{part.html}</details>"
        parts.append(part)
    return parts
