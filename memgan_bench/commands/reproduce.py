"""``memgan-bench reproduce``: published claims checked by the harness (entries in ``reproductions/``,
:mod:`memgan_bench.reproductions`; reference: docs/reproductions.md).

``reproduce list`` shows the entries. ``reproduce NAME`` runs the entry's configs × seeds as a sweep
(:mod:`memgan_bench.commands.sweep`: validated before anything trains, resumable with ``--resume``,
leased, parallel, on the local, ray or slurm executor), then judges the finished runs' final values
(the report ``reproduction``, :mod:`reports.reproduction`), prints published against measured with the
verdict, writes it beside the runs (``OUT/reproduction.json``, ``OUT/reproduction.md``) and writes the
report (``OUT/report/index.html``), which shows the verdict first.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from memgan_bench.commands.sweep import add_executor_arguments

HELP = "check a published claim: `reproduce list` shows the entries, `reproduce NAME` runs one and prints its verdict"
DEFAULT_OUT = Path("runs") / "reproductions"


def add_arguments(parser) -> None:
    parser.add_argument("name", help="entry to run (its file name in reproductions/ without .yaml), or `list`")
    parser.add_argument("--out", type=Path, default=None, help=f"folder of its runs (default: {DEFAULT_OUT}/NAME)")
    parser.add_argument("--resume", action="store_true",
                        help="continue the entry's sweep in --out (finished runs are kept, then judged)")
    parser.add_argument("--entries", type=Path, default=None,
                        help="folder of entries (default: the project's reproductions/)")
    add_executor_arguments(parser)


def listing(entries) -> str:
    """The entries as a Markdown table: name, scale, runs × seeds, source, claim."""
    lines = ["| entry | scale | runs × seeds | source | claim |", "|---|---|---|---|---|"]
    for entry in entries:
        lines.append(f"| {entry.name} | {entry.scale} | {len(entry.runs)} × {len(entry.seeds)} | "
                     f"{entry.source.paper}, {entry.source.where} | {entry.claim} |")
    return "\n".join(lines) + "\n"


def run(args) -> int:
    from memgan_bench.commands import sweep
    from memgan_bench.registry import REPORTS
    from memgan_bench.reproductions import ENTRIES, find_entry, load_entries
    from memgan_bench.sweep_plan import run_dir_of

    folder = args.entries or ENTRIES
    if args.name == "list":
        print(listing(load_entries(folder)), end="")
        return 0
    entry = find_entry(args.name, folder)
    out = args.out or DEFAULT_OUT / entry.name
    if entry.scale == "paper" and args.executor == "local" and args.gpus_per_run == 0:
        print(f"reproduce: {entry.name} is a paper-scale entry (hours per run on a CPU; see docs/reproductions.md)",
              file=sys.stderr)
    sweep_args = argparse.Namespace(**{**vars(args), "configs": [str(p) for p in entry.runs.values()], "out": out,
                                       "seeds": list(entry.seeds), "overrides": list(entry.overrides),
                                       "no_report": True})
    status = sweep.run(sweep_args)
    if not any(run_dir_of(out, config, seed).results.exists() for config in entry.runs.values() for seed in entry.seeds):
        print("reproduce: no run logged results; no verdict", file=sys.stderr)
        return status or 1
    command = f"memgan-bench reproduce {entry.name}" + (f" --entries {args.entries}" if args.entries else "")
    text, written = REPORTS.get("reproduction")(entry, out, command)
    print(text)
    for path in written:
        print(f"wrote {path}")
    return status
