"""Appendix: every metric logged at more than one step, per setting, as the curves of
:mod:`reports.curves`: evaluation metrics first, then the methods' losses (``loss/*``), then their
diagnostics (``diag/*``). Written to ``appendix_<setting>.png``; folded away at the end of the setting's part
of the page."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from reports import SECTIONS, ReportOptions, settings, slug
from reports.curves import curve_figure, curve_metrics, variant_colors
from reports.names import family, human
from reports.page import Part, figure_part

FAMILIES = ("metric", "loss", "diagnostic")


@SECTIONS.register("appendix")
def write_appendix(df: pd.DataFrame, out: Path, options: ReportOptions = ReportOptions()) -> list[Part]:
    colors = variant_colors(df)
    parts = []
    for title, rows in settings(df):
        metrics = sorted(rows["metric"].unique(), key=lambda m: (FAMILIES.index(family(m)), m))
        metrics = curve_metrics(rows, metrics)
        if not metrics:
            continue
        label = lambda m: m if human(m) == m else f"{human(m)} ({m})"
        fig = curve_figure(rows, metrics, colors, options, label, columns=5)
        part = figure_part(fig, out / f"appendix_{slug(title)}.png", "Appendix: every metric",
                           "Evaluation metrics, then losses (loss/*), then diagnostics (diag/*).", title)
        part.html = f"<details><summary>show all {len(metrics)} panels</summary>{part.html}</details>"
        parts.append(part)
    return parts
