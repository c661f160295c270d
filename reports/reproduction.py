"""The verdict of a reproduction entry over its runs (``memgan-bench reproduce``), and its place on the
report page.

:func:`write_reproduction` (registered as the report ``reproduction``) reads the final values of the
entry's finished runs, judges them (:mod:`reports.verdicts`), writes the verdict beside the runs
(``OUT/reproduction.json`` and ``OUT/reproduction.md``) and writes the report of ``OUT``. The report
section ``reproduction`` shows every such verdict found beside a report's runs first on the page, so a
later ``memgan-bench report OUT`` shows it too."""

from __future__ import annotations

import html
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from memgan_bench.atomic import atomic_write_text
from memgan_bench.registry import REPORT_SECTIONS, REPORTS
from memgan_bench.sweep_plan import run_dir_of
from reports import ReportOptions, load_runs, write_report
from reports.page import Part
from reports.tables import final_values, html_table
from reports.verdicts import Estimate, cell, judge, markdown

VERDICT_FILE, VERDICT_TEXT = "reproduction.json", "reproduction.md"
HEADING = "Reproduction"  # the page's first heading: sections come in reports.ORDER, this one first


def final_values_by_label(entry, runs: pd.DataFrame, out: Path) -> tuple[dict, list[str]]:
    """(values[metric][label]: the finite final values of the entry's finished runs in ``out``, the runs
    of the entry left out as not finished, with their status)."""
    labels = {run_dir_of(out, config, seed).path.resolve(): label
              for label, config in entry.runs.items() for seed in entry.seeds}
    final = final_values(runs)
    final = final.assign(label=[labels.get(Path(run_dir).resolve()) for run_dir in final["run_dir"]])
    final = final[final["label"].notna()]
    left_out = sorted({f"{Path(r.run_dir).name} ({r.status})" for r in final.itertuples() if r.status != "finished"})
    final = final[final["status"] == "finished"]
    values: dict[str, dict[str, list[float]]] = {}
    for check in entry.checks:
        rows = final[final["metric"] == check.metric]
        for label in entry.runs:
            x = rows[rows["label"] == label]["value"].to_numpy(float)
            values.setdefault(check.metric, {})[label] = [float(v) for v in x if np.isfinite(v)]
    return values, left_out


@REPORTS.register("reproduction")
def write_reproduction(entry, out: str | Path, command: str) -> tuple[str, list[Path]]:
    """Judge the entry's runs in ``out``, write the verdict beside them and the report of ``out``; returns
    the verdict as Markdown and the files written."""
    out = Path(out)
    runs = load_runs([out])
    values, left_out = final_values_by_label(entry, runs, out)
    result = judge(entry, values)
    text = markdown(entry, result)
    if left_out:
        text += f"\nNot counted (not finished): {', '.join(left_out)}.\n"
    record = {**result.to_dict(), "title": entry.title, "claim": entry.claim, "scale": entry.scale,
              "source": f"{entry.source.paper}, {entry.source.where}", "command": command,
              "seeds": list(entry.seeds)}
    atomic_write_text(out / VERDICT_FILE, json.dumps(record, indent=1) + "\n")
    atomic_write_text(out / VERDICT_TEXT, text)
    written = [out / VERDICT_FILE, out / VERDICT_TEXT] + write_report(runs, out / "report")
    return text, list(dict.fromkeys(written))  # the report lists the verdict file again (its section's file)


def verdict_html(record: dict) -> str:
    rows = []
    for check in record["checks"]:
        for k, (label, measured) in enumerate(check["measured"].items()):
            rows.append([check["claim"] if k == 0 else "", check["metric"] if k == 0 else "", label,
                         check["published"].get(label, "–"), cell(Estimate(**measured)),
                         check["verdict"] if k == 0 else ""])
    table = pd.DataFrame(rows, columns=["Check", "Metric", "Run", "Published", "Measured (mean [95 % CI] (n))",
                                        "Verdict"])
    details = "".join(f"<li>{html.escape(detail)}</li>" for check in record["checks"] for detail in check["details"])
    return (f'<p class="note">{html.escape(record["title"])}. Source: {html.escape(record["source"])}. '
            f'Claim: {html.escape(record["claim"])} Command: <code>{html.escape(record["command"])}</code></p>'
            f"{html_table(table)}<ul class=\"note\">{details}</ul>")


@REPORT_SECTIONS.register("reproduction")
def reproduction_section(df: pd.DataFrame, out: Path, options: ReportOptions = ReportOptions()) -> list[Part]:
    parts = []
    for folder in sorted({Path(run_dir).parent for run_dir in df["run_dir"].unique()}):
        path = folder / VERDICT_FILE
        if path.exists():
            try:
                record = json.loads(path.read_bytes().decode("utf-8"))
                part = Part(f"{record['name']}: {record['verdict']}", [path], verdict_html(record), HEADING)
            except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:  # not the record reproduce writes
                reason = str(err).splitlines()[0][:200] if str(err).strip() else type(err).__name__
                print(f"report: left out unreadable reproduction record {path}: {type(err).__name__}: {reason}",
                      file=sys.stderr)
                continue
            parts.append(part)
    return parts
