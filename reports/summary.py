"""One sentence per setting saying what its headline numbers show: which variant leads each of the summary
metrics (mean ± half-width of the 95 % interval over seeds) and which variants differ from the reference
(Welch's t-test, Holm-corrected, the † of the headline table). Printed by ``report`` and ``sweep`` after the
tables, so a run of the main job ends with it."""

from __future__ import annotations

import math

from pathlib import Path

import pandas as pd

from memgan_bench.metrics.names import human
from memgan_bench.registry import REPORTS
from reports.tables import half_width, number

# The metrics a sentence speaks of, in this order, when the setting logged them.
SUMMARY_METRICS = ("cl/acc_avg", "cl/acc_forgetting_max", "fid", "is_mean", "classes_covered", "modes_covered",
                   "high_quality", "reverse_kl", "d_forgetting/mean_forgetting")


def value(stat: pd.Series) -> str:
    """``mean ± half-width`` of one row of the statistics (the mean alone for n = 1)."""
    mean, low, high = stat["mean"], stat["ci_low"], stat["ci_high"]
    return number(mean) if math.isnan(low) else f"{number(mean)} ± {half_width(mean, (high - low) / 2)}"


def sentence(setting: str, stats: pd.DataFrame) -> str | None:
    """The sentence of one setting from its rows of :func:`reports.tables.statistics`; None when no summary
    metric has a leader (two or more variants, not all tied)."""
    rows = stats[stats["metric"].isin(SUMMARY_METRICS)]
    leads: dict[str, list[str]] = {}
    for metric in SUMMARY_METRICS:
        metric_rows = rows[rows["metric"] == metric]
        best = metric_rows[metric_rows["best"].astype(bool)]
        if metric_rows["variant"].nunique() < 2 or best.empty or len(best) == len(metric_rows):
            continue
        names = sorted(best["variant"])
        leader = names[0] + " leads" if len(names) == 1 else ", ".join(names[:-1]) + f" and {names[-1]} lead"
        leads.setdefault(leader, []).append(f"{human(metric)} ({value(best.iloc[0])})")
    if not leads:
        return None
    n = int(rows["n"].max())
    text = f"{setting} (up to {n} seed{'s' if n > 1 else ''}): " + \
        "; ".join(f"{leader} on {', '.join(items)}" for leader, items in leads.items())
    references = [r for r in rows["reference"] if isinstance(r, str) and r]
    if references:
        differ = rows[rows["significant"].astype(bool)]
        if len(differ):
            which = differ.groupby("variant")["metric"].agg(lambda m: ", ".join(human(x) for x in m))
            text += f"; differ from {references[0]} (Welch, Holm, α 0.05): " + \
                "; ".join(f"{variant} on {names}" for variant, names in which.items())
        else:
            text += f"; no variant differs from {references[0]} at this n (Welch, Holm, α 0.05)"
    return text + "."


def sentences(stats: pd.DataFrame) -> list[str]:
    """A sentence per setting of ``stats`` (see :func:`sentence`), settings in order."""
    return [s for setting, rows in stats.groupby("setting", sort=True) if (s := sentence(setting, rows))]


@REPORTS.register("summary")
def summarize(statistics_csv: Path) -> list[str]:
    """:func:`sentences` of a report's ``statistics.csv``."""
    return sentences(pd.read_csv(statistics_csv))
