"""Does discriminator forgetting go with worse mode coverage? Spearman rank correlations, over runs, between
each run's final ``d_forgetting/mean_forgetting`` and its final coverage metrics, over all runs and within
each variant, with the two-sided p-value of ρ = 0 (SciPy's ``spearmanr``; null when a metric is constant).
Run as ``memgan-bench analyze forgetting-coverage RUN_DIR_OR_PARENT...`` (prints JSON).
"""

from __future__ import annotations

import json
import math

from scipy.stats import spearmanr

from memgan_bench.errors import UserError
from memgan_bench.registry import REPORTS
from reports import load_runs
from reports.tables import final_values

FORGETTING = "d_forgetting/mean_forgetting"
COVERAGE = ("modes_covered", "high_quality", "reverse_kl")


def final_table(df):
    """One row per run, one column per metric: the runs' final values (``reports.tables.final_values``)."""
    last = final_values(df[df["metric"].isin((FORGETTING, *COVERAGE))])
    return last.pivot_table(index=["variant", "run_dir"], columns="metric", values="value")


def correlations(table) -> dict:
    def spearman(frame):
        out = {}
        for metric in COVERAGE:
            pair = frame[[FORGETTING, metric]].dropna()
            constant = pair.nunique().min() < 2
            rho, p = (math.nan, math.nan) if constant else spearmanr(pair[FORGETTING], pair[metric])
            out[metric] = None if constant else {"rho": round(float(rho), 3), "p": round(float(p), 4)}
        return out

    return {"n_runs": len(table), "all_runs": spearman(table),
            "within_variant": {v: {"n": len(g), **spearman(g)} for v, g in table.groupby(level="variant")}}


@REPORTS.register("forgetting-coverage")
def analyze(paths) -> str:
    """The correlations (JSON) over the runs below ``paths``."""
    table = final_table(load_runs(paths))
    missing = [m for m in (FORGETTING, *COVERAGE) if m not in table.columns]
    if missing:
        raise UserError(f"the runs log no {', '.join(missing)} (need the coverage and d_forgetting plugins)")
    return json.dumps(correlations(table), indent=1)
