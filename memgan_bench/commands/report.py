"""``memgan-bench report RUN_DIR…``: one table and plots from any set of runs."""

from __future__ import annotations

from pathlib import Path

HELP = "aggregate run directories into a results table (CSV/Markdown) and seaborn plots"


def add_arguments(parser) -> None:
    parser.add_argument("runs", nargs="+", help="run directories, or folders holding them")
    parser.add_argument("--out", help="report folder (default: <first run folder>/report)")


def run(args) -> int:
    from reports import load_runs, write_report
    from reports.tables import headline, markdown, summary_table

    df = load_runs(args.runs)
    out = Path(args.out) if args.out else Path(args.runs[0]) / "report"
    written = write_report(df, out)
    print(markdown(summary_table(headline(df))))
    for path in written:
        print(f"wrote {path}")
    return 0
