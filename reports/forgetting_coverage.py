"""Does discriminator forgetting go with worse mode coverage? Spearman rank correlations, over runs, between
each run's final ``d_forgetting/mean_forgetting`` and its final coverage metrics, over all runs and within
each variant, with the two-sided p-value of ρ = 0 (SciPy's ``spearmanr``; null when a metric is constant).
Prints JSON.

    .venv/bin/python -m reports.forgetting_coverage runs/bench2d-cpu
"""

from __future__ import annotations

import argparse
import json
import math
import sys

from scipy.stats import spearmanr

from memgan_bench.errors import UserError
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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args(argv)
    try:
        table = final_table(load_runs(args.paths))
        missing = [m for m in (FORGETTING, *COVERAGE) if m not in table.columns]
        if missing:
            raise UserError(f"the runs log no {', '.join(missing)} (need the coverage and d_forgetting plugins)")
    except UserError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(json.dumps(correlations(table), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
