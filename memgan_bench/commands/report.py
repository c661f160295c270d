"""``memgan-bench report RUN_DIR…``: headline tables, figures and ``index.html`` from any set of runs."""

from __future__ import annotations

from pathlib import Path

HELP = "aggregate run directories into headline tables (Markdown, LaTeX, HTML), figures and index.html"


def add_arguments(parser) -> None:
    parser.add_argument("runs", nargs="+", help="run directories, or folders holding them")
    parser.add_argument("--out", help="report folder (default: <first run folder>/report)")
    parser.add_argument("--ci", choices=("t", "bootstrap"), default="t",
                        help="confidence intervals over seeds: Student t (default) or percentile bootstrap")
    parser.add_argument("--reference", metavar="VARIANT",
                        help="mark variants that differ from this one (a method or variant label; "
                             "Welch's t-test, Holm-corrected)")


def run(args) -> int:
    from reports import ReportOptions, load_runs, write_report

    options = ReportOptions(ci=args.ci, reference=args.reference)
    df = load_runs(args.runs)
    out = Path(args.out) if args.out else Path(args.runs[0]) / "report"
    written = write_report(df, out, options)
    print((out / "table.md").read_text())
    for path in written:
        print(f"wrote {path}")
    return 0
