"""``memgan-bench status DIR``: one row per run below DIR, read from the run directories alone."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from memgan_bench.errors import UserError

HELP = "show each run's status, step / total, host, job id, elapsed, ETA and last metric (any executor)"


def add_arguments(parser) -> None:
    parser.add_argument("dir", type=Path, help="a sweep's --out folder, or one run directory")
    parser.add_argument("--watch", type=float, nargs="?", const=5.0, default=None, metavar="SECONDS",
                        help="redraw every SECONDS (default 5) until no run is pending or running (a killed "
                             "run shows as stale, a broken one as unreadable: neither is waited for)")


def label(run_dir: Path, root: Path) -> str:
    relative = run_dir.relative_to(root).as_posix()
    return run_dir.resolve().name if relative == "." else relative


def run(args) -> int:
    from memgan_bench.run_progress import LIVE, progress, table
    from memgan_bench.rundir import find_runs

    if not args.dir.is_dir():
        raise UserError(f"no such folder: {args.dir}")
    if args.watch is not None and not args.watch > 0:
        raise UserError("--watch needs a positive number of seconds")
    while True:
        rows = [progress(run_dir, label(run_dir, args.dir)) for run_dir in find_runs([args.dir])]
        if args.watch is not None and sys.stdout.isatty():
            print("\033[H\033[2J", end="")
        print(table(rows), flush=True)
        if args.watch is None or not any(row.status in LIVE for row in rows):
            return 0
        time.sleep(args.watch)
