"""``memgan-bench sweep``: configs × seeds, one run directory each, on an executor, then the report.

The whole plan is validated and every run's config written before anything is submitted
(:mod:`memgan_bench.sweep_plan`). Each run then goes to the executor (``local``, ``ray``, ``slurm``:
:mod:`memgan_bench.executors`) as "bring this run directory to an end", in a fresh process. A run that
diverges ends ``diverged``; one that crashes is reported and the sweep goes on (exit code 1 at the end).
``--resume`` continues a sweep: finished and diverged runs stay as they are, every other run resumes
from its checkpoint or restarts, and the report is written.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

from memgan_bench.commands.report import add_report_options, write
from memgan_bench.commands.run import add_override_argument
from memgan_bench.errors import UserError
from memgan_bench.executors import WorkerError, default_parallel
from memgan_bench.lease import LeaseHeld
from memgan_bench.registry import EXECUTORS

HELP = "run configs × seeds on a process pool, Ray or SLURM (continuing past diverged/failed runs), then report"


def positive(kind=int):
    def parse(text: str):
        value = kind(text)
        if not value > 0:
            raise ValueError(text)
        return value

    parse.__name__ = f"positive {kind.__name__}"
    return parse


def add_arguments(parser) -> None:
    parser.add_argument("configs", nargs="+", help="YAML files or folders of them")
    parser.add_argument("--out", required=True, type=Path, help="folder for the run directories and report/")
    parser.add_argument("--seeds", type=int, nargs="+", default=None, help="seeds (default: each config's)")
    parser.add_argument("--resume", action="store_true",
                        help="continue the sweep in --out: keep finished/diverged runs, resume or retry the rest")
    add_override_argument(parser)
    parser.add_argument("--no-report", action="store_true",
                        help="skip the report at the end (e.g. when `memgan-bench report` runs after several sweeps)")
    add_report_options(parser)
    add_executor_arguments(parser)


def add_executor_arguments(parser) -> None:
    """Where and how many runs execute: the options every command that runs a sweep shares."""
    parser.add_argument("--executor", choices=EXECUTORS.names(), default="local", help="where runs execute")
    parser.add_argument("--max-parallel", type=positive(), default=None,
                        help="runs at once (default: local: cores ÷ threads per run; ray/slurm: all)")
    parser.add_argument("--threads-per-run", type=positive(), default=1, help="torch threads of each run")
    parser.add_argument("--cpus-per-run", type=positive(), default=None,
                        help="CPUs each ray task / slurm job asks for (default: --threads-per-run)")
    parser.add_argument("--gpus-per-run", type=int, default=0, help="GPUs each ray task / slurm job asks for")
    ray = parser.add_argument_group("ray")
    ray.add_argument("--ray-address", default=None,
                     help="'auto' or HOST:PORT joins a running cluster (default, or 'local': start a local one)")
    ray.add_argument("--ray-connect-timeout-s", type=positive(float), default=5.0,
                     help="seconds the cluster's address has to accept a connection before the sweep stops")
    ray.add_argument("--retries", type=int, default=3, help="reruns of a task whose worker or node died")
    slurm = parser.add_argument_group("slurm")
    slurm.add_argument("--slurm-partition")
    slurm.add_argument("--slurm-account")
    slurm.add_argument("--slurm-qos")
    slurm.add_argument("--slurm-time-min", type=positive(float), default=60.0,
                       help="time limit per job (minutes); a job that reaches it is requeued and resumes")
    slurm.add_argument("--slurm-signal-delay-s", type=int, default=90,
                       help="seconds before the time limit at which the job checkpoints and requeues")
    slurm.add_argument("--slurm-requeues", type=int, default=3, help="requeues allowed after time limits, per job")
    slurm.add_argument("--slurm-cluster", choices=("local",), default=None,
                       help="run the jobs as processes on this machine (submitit's LocalExecutor), no SLURM needed")


def run(args) -> int:
    from memgan_bench.sweep_plan import plan_sweep, write_plan

    if min(args.gpus_per_run, args.retries, args.slurm_requeues, args.slurm_signal_delay_s) < 0:
        raise UserError("--gpus-per-run, --retries, --slurm-requeues and --slurm-signal-delay-s must be >= 0")
    executor = EXECUTORS.get(args.executor).load()  # a missing optional package fails here, before validation
    plan = plan_sweep(args.configs, args.out, args.seeds, args.overrides)
    pending = write_plan(plan, args.resume)
    args.cpus_per_run = args.cpus_per_run or args.threads_per_run
    args.max_parallel = args.max_parallel or (
        default_parallel(args.threads_per_run) if args.executor == "local" else max(1, len(pending)))
    print(f"sweep: {len(plan)} runs, {len(pending)} to run on '{args.executor}' "
          f"({len(plan) - len(pending)} already ended)", file=sys.stderr)
    failed: list[str] = []

    def record(run, status, error) -> None:
        if error is None:
            print(f"{status}: {run.path}", file=sys.stderr)
            return
        if isinstance(error, LeaseHeld):  # another process is training it: not ours to count
            print(f"skipped: {run.path}: {error}", file=sys.stderr)
            return
        failed.append(str(run.path))
        if not isinstance(error, (UserError, WorkerError)):
            traceback.print_exception(error)
        last_line = [line for line in str(error).splitlines() if line.strip()][-1:] or [type(error).__name__]
        print(f"failed: {run.path}: {last_line[0].strip()}; continuing", file=sys.stderr)

    if pending:
        executor.run_all(pending, args, record)
    if not args.no_report:
        write_sweep_report(args, [planned.run for planned in plan])
    if failed:
        print(f"sweep: {len(failed)} run(s) failed: {', '.join(failed)} (sweep --resume retries them)",
              file=sys.stderr)
    return 1 if failed else 0


def write_sweep_report(args, runs) -> None:
    """The report over every run below ``--out`` (as ``memgan-bench report OUT``), when a run of the plan
    logged rows."""
    if not any(run.results.exists() for run in runs):
        print("sweep: no run logged results; no report", file=sys.stderr)
        return
    write([args.out], args.out / "report", args)
