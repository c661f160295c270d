"""``memgan-bench sweep``: several configs × seeds, one run directory each, then the report.

All configs are validated before anything trains. A run that diverges is recorded as ``diverged`` and
one that crashes as ``failed``; the sweep goes on with the next. ``--resume`` skips finished runs and
continues unfinished ones, so a killed sweep is restarted with the same command plus ``--resume``.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

from memgan_bench.commands.run import add_config_arguments
from memgan_bench.errors import UserError

HELP = "run configs × seeds (continuing past diverged/failed runs), then write the report"


def add_arguments(parser) -> None:
    parser.add_argument("configs", nargs="+", help="YAML files or folders of them")
    parser.add_argument("--out", required=True, help="folder for the run directories and report/")
    parser.add_argument("--seeds", type=int, nargs="+", default=None, help="seeds (default: each config's)")
    parser.add_argument("--resume", action="store_true", help="skip finished runs, resume unfinished ones")
    add_config_arguments(parser)


def config_files(paths: list[str]) -> list[Path]:
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            files += sorted(path.glob("*.yaml"))
        elif path.is_file():
            files.append(path)
        else:
            raise UserError(f"no such config file or folder: {path}")
    if not files:
        raise UserError(f"no .yaml configs in {', '.join(paths)}")
    return files


def run(args) -> int:
    from memgan_bench.config import load_config
    from memgan_bench.engine.trainer import train
    from memgan_bench.results import RunDir
    from reports import load_runs, write_report
    from reports.tables import headline, markdown, summary_table

    plan = []
    for path in config_files(args.configs):
        seeds = args.seeds if args.seeds is not None else [None]
        for seed in seeds:
            overrides = list(args.overrides) + ([f"seed={seed}"] if seed is not None else [])
            cfg = load_config(path, overrides)
            plan.append((Path(args.out) / f"{path.stem}-s{cfg.seed}", cfg))
    for out, cfg in plan:
        exists = RunDir(out).last_checkpoint.exists()
        print(f"== {out.name}", file=sys.stderr)
        try:
            result = train(cfg, out, resume=args.resume and exists, progress=args.progress)
        except UserError:
            raise
        except Exception:
            traceback.print_exc()
            print(f"run {out.name} failed; continuing", file=sys.stderr)
            continue
        print(f"{result.status()}: {out}", file=sys.stderr)
    df = load_runs([args.out])
    written = write_report(df, Path(args.out) / "report")
    print(markdown(summary_table(headline(df))))
    for path in written:
        print(f"wrote {path}")
    return 0
