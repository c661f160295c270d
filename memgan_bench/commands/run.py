"""``memgan-bench run``: train one configuration."""

from __future__ import annotations

import sys
from pathlib import Path

from memgan_bench.config import load_config
from memgan_bench.errors import UserError

HELP = "train one configuration into a run directory (resumable)"


def add_override_argument(parser) -> None:
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override a config value, e.g. --set train.steps=200 (repeatable)")


def add_config_arguments(parser) -> None:
    add_override_argument(parser)
    parser.add_argument("--progress", action="store_true", default=sys.stderr.isatty(),
                        help="show a progress bar (default: when stderr is a terminal)")


def add_arguments(parser) -> None:
    parser.add_argument("--config", help="YAML config file (configs/...)")
    parser.add_argument("--out", help="run directory (default: runs/<config name>)")
    parser.add_argument("--resume", action="store_true", help="continue the run in --out from its last checkpoint")
    add_config_arguments(parser)


def run(args) -> int:
    from memgan_bench.engine.runner import bring_to_finished
    from memgan_bench.rundir import RunDir

    if args.config is None and not args.resume:
        raise UserError("run needs --config FILE (or --resume with --out DIR)")
    if args.config is None:
        if not args.out:
            raise UserError("--resume without --config needs --out DIR")
        args.config = str(RunDir(args.out).config)
    out = Path(args.out or Path("runs") / Path(args.config).stem)
    cfg = load_config(args.config, args.overrides)
    result = bring_to_finished(out, cfg, progress=args.progress, new=not args.resume)
    print(f"{result.status()}: {result.path}")
    return 0
