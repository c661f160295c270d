"""``memgan-bench analyze ANALYSIS RUN_DIR…``: analyses over run directories that are not part of the report
(registered in :data:`memgan_bench.registry.REPORTS` by :mod:`reports.absorbing` and
:mod:`reports.forgetting_coverage`; each subcommand's options are the analysis function's keywords)."""

from __future__ import annotations

from pathlib import Path

HELP = "analyses over run directories: absorbing (MemoryGAN's absorbing memory state), forgetting-coverage"


def add_arguments(parser) -> None:
    analyses = parser.add_subparsers(dest="analysis", required=True)
    absorbing = analyses.add_parser(
        "absorbing", help="how often MemoryGAN runs fall into the absorbing memory state (per config and per run)")
    absorbing.add_argument("paths", nargs="+", type=Path, help="run directories, or folders holding them")
    absorbing.add_argument("--json", dest="as_json", action="store_true", help="print JSON instead of Markdown tables")
    coverage = analyses.add_parser(
        "forgetting-coverage", help="Spearman correlations of final D forgetting with final mode coverage (JSON)")
    coverage.add_argument("paths", nargs="+", type=Path, help="run directories, or folders holding them")


def run(args) -> int:
    from memgan_bench.registry import REPORTS

    options = {key: value for key, value in vars(args).items() if key not in ("command", "analysis", "paths")}
    print(REPORTS.get(args.analysis)(args.paths, **options))
    return 0
