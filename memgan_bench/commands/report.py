"""``memgan-bench report RUN_DIR…``: headline tables, figures and ``index.html`` from any set of runs."""

from __future__ import annotations

from pathlib import Path

HELP = "aggregate run directories into headline tables (Markdown, LaTeX, HTML), figures and index.html"


def add_report_options(parser) -> None:
    """The options of the report, shared by ``report`` and ``sweep``."""
    parser.add_argument("--ci", choices=("t", "bootstrap"), default="t",
                        help="confidence intervals over seeds: Student t (default) or percentile bootstrap")
    parser.add_argument("--reference", metavar="VARIANT", action="append",
                        help="mark variants that differ from this one (a method or variant label; "
                             "Welch's t-test, Holm-corrected); repeat it for settings of other methods, "
                             "each setting taking the first it has (e.g. --reference dcgan --reference SFT)")


def add_arguments(parser) -> None:
    parser.add_argument("runs", nargs="+", help="run directories, or folders holding them")
    parser.add_argument("--out", help="report folder (default: <first run folder>/report)")
    add_report_options(parser)


def write(runs, out: Path, args) -> None:
    """The report of the runs below ``runs`` in ``out`` with the options in ``args``; prints its tables, the
    files written, a sentence per setting of what the numbers show and where the page is. ``report`` and
    ``sweep`` both write their report with this."""
    from memgan_bench.registry import REPORTS

    reference = tuple(args.reference) if args.reference else None
    written = REPORTS.get("report")(runs, out, ci=args.ci, reference=reference)
    print((out / "table.md").read_text())
    for path in written:
        print(f"wrote {path}")
    print("\nIn one sentence per setting:")
    for text in REPORTS.get("summary")(out / "statistics.csv"):
        print(f"- {text}")
    print(f"\nThe report: {out / 'index.html'}")


def run(args) -> int:
    write(args.runs, Path(args.out) if args.out else Path(args.runs[0]) / "report", args)
    return 0
