"""The results table: final value of each metric per run, aggregated over seeds as mean ± std."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from memgan_bench.atomic import atomic_write_text
from reports import SECTIONS

GROUP = ["variant", "scenario", "dataset"]
DETAIL_PREFIXES = ("loss/", "cl/", "class_share/", "class_confidence/", "d_forgetting/")
HEADLINE_DETAIL = ("d_forgetting/mean_forgetting",)


def headline(df: pd.DataFrame) -> pd.DataFrame:
    """Rows of headline metrics only: per-class, per-snapshot, loss and stream detail left to table.csv
    and the continual section."""
    keep = ~df["metric"].str.startswith(DETAIL_PREFIXES) | df["metric"].isin(HEADLINE_DETAIL)
    return df[keep]


def final_values(df: pd.DataFrame) -> pd.DataFrame:
    """One row per (run, metric): the value at the run's last logged step of that metric."""
    last = df.sort_values(["step", "experience"]).groupby(["run_dir", "metric"], as_index=False).tail(1)
    return last[GROUP + ["run_id", "seed", "status", "metric", "value"]]


def summary_table(df: pd.DataFrame) -> pd.DataFrame:
    """Rows: variant (method and distinguishing config keys)/scenario/dataset; columns: each metric as
    'mean ± std (n)' over the variant's seeds, plus status."""
    final = final_values(df)
    stats = final.groupby(GROUP + ["metric"])["value"].agg(["mean", "std", "count"]).reset_index()
    stats["cell"] = [
        f"{m:.4g}" if n == 1 or pd.isna(s) else f"{m:.4g} ± {s:.2g} (n={n})"
        for m, s, n in zip(stats["mean"], stats["std"], stats["count"])
    ]
    table = stats.pivot(index=GROUP, columns="metric", values="cell")
    status = final.groupby(GROUP)["status"].agg(lambda s: ",".join(sorted(set(s))))
    table.insert(0, "runs", final.groupby(GROUP)["run_id"].nunique())
    table.insert(1, "status", status)
    return table.reset_index()


def markdown(table: pd.DataFrame) -> str:
    columns = [str(c) for c in table.columns]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in table.itertuples(index=False):
        lines.append("| " + " | ".join("" if pd.isna(v) else str(v) for v in row) + " |")
    return "\n".join(lines) + "\n"


@SECTIONS.register("table")
def write_tables(df: pd.DataFrame, out: Path) -> list[Path]:
    atomic_write_text(out / "table.csv", summary_table(df).to_csv(index=False))
    atomic_write_text(out / "table.md", markdown(summary_table(headline(df))))
    return [out / "table.csv", out / "table.md"]
