"""Report section: the verdict of a reproduction entry, when the runs come from ``memgan-bench reproduce``.

The command writes the verdict beside the run directories (``OUT/reproduction.json``, see
:func:`write_verdict`); this section puts every such verdict found next to the report's runs on the page,
so a later ``memgan-bench report OUT`` shows it too."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pandas as pd

from memgan_bench.atomic import atomic_write_text
from reports import SECTIONS, ReportOptions
from reports.page import Part

VERDICT_FILE = "reproduction.json"
HEADING = "Reproduction"  # the page's first heading: sections come in reports.ORDER, this one first


def write_verdict(folder: Path, record: dict) -> Path:
    """``folder/reproduction.json``: the entry's verdict (:meth:`EntryVerdict.to_dict`) plus its title,
    source, claim and command."""
    path = Path(folder) / VERDICT_FILE
    atomic_write_text(path, json.dumps(record, indent=1, allow_nan=True) + "\n")
    return path


def verdict_html(record: dict) -> str:
    from reports.tables import html_table
    from reports.verdicts import Estimate, cell

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


@SECTIONS.register("reproduction")
def write_reproduction(df: pd.DataFrame, out: Path, options: ReportOptions = ReportOptions()) -> list[Part]:
    parts = []
    for folder in sorted({Path(run_dir).parent for run_dir in df["run_dir"].unique()}):
        path = folder / VERDICT_FILE
        if path.is_file():
            record = json.loads(path.read_text())
            parts.append(Part(f"{record['name']}: {record['verdict']}", [path], verdict_html(record), HEADING))
    return parts
