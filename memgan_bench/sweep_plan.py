"""A sweep's plan: configs × seeds → run directories, validated completely before anything trains.

Validation resolves every config (types, ranges, plugin options), refuses plans whose runs would collide
(two configs with one file stem, a repeated seed, one run name twice) and, once per config file, builds
what a run builds before its first step: both dataset splits, the scenario's experiences and the method's
networks (its constraints, e.g. MemoryGAN's ``k ≤ memory_size``, live in its constructor). Only then is each
run's resolved config written; a run directory that already holds a different config is refused.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from memgan_bench.atomic import atomic_write_text
from memgan_bench.config import RunConfig, config_to_yaml, load_config
from memgan_bench.data import DataSpec, read_split
from memgan_bench.errors import UserError
from memgan_bench.registry import METHODS, PLUGINS, SCENARIOS
from memgan_bench.rundir import FINAL_STATUSES, RunDir



@dataclass
class PlannedRun:
    source: Path  # the config file
    run: RunDir
    cfg: RunConfig

    @property
    def run_id(self) -> str:
        return self.run.run_id(self.cfg)


def config_files(paths: list[str]) -> list[Path]:
    """YAML files named directly or found (``*.yaml``, sorted) in the folders named."""
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


def repeated(values) -> list:
    return sorted({value for value, count in Counter(values).items() if count > 1}, key=str)


def plan_sweep(paths: list[str], out: str | Path, seeds: Optional[list[int]], overrides: list[str]) -> list[PlannedRun]:
    """One :class:`PlannedRun` per config × seed, run directory ``OUT/<config stem>-s<seed>``; raises
    :class:`UserError` before anything is written if any run could not start or two runs would collide."""
    files = config_files(paths)
    stems = repeated(path.stem for path in files)
    if stems:
        clashing = [str(path) for path in files if path.stem in stems]
        raise UserError(f"configs share a file stem, so their runs would share a run directory: {', '.join(clashing)}")
    if seeds is not None and repeated(seeds):
        raise UserError(f"--seeds repeats {', '.join(map(str, repeated(seeds)))}; each seed is one run")
    plan, splits = [], {}
    for path in files:
        runs = [PlannedRun(path, run_dir_of(out, path, cfg.seed), cfg)
                for cfg in configs_of(path, seeds, overrides)]
        check_buildable(runs[0], splits)
        plan += runs
    names = repeated(planned.run_id for planned in plan)
    if names:
        raise UserError(f"run name {names[0]!r} is given to several runs (config key 'name'); runs need distinct names")
    return plan


def run_dir_of(out: str | Path, config: Path, seed: int) -> RunDir:
    """The run directory of ``config`` with ``seed`` in a sweep into ``out``: ``OUT/<config stem>-s<seed>``."""
    return RunDir(Path(out) / f"{Path(config).stem}-s{seed}")


def configs_of(path: Path, seeds: Optional[list[int]], overrides: list[str]) -> list[RunConfig]:
    """The config file resolved once per seed (its own seed when ``seeds`` is None)."""
    seed_overrides = [[]] if seeds is None else [[f"seed={seed}"] for seed in seeds]
    try:
        return [load_config(path, list(overrides) + extra) for extra in seed_overrides]
    except UserError as err:
        raise UserError(f"{path}: {err}") from None


def check_buildable(planned: PlannedRun, splits: dict) -> None:
    """Build what a run builds before its first step (datasets, experiences, method). ``splits`` keeps the
    dataset splits loaded for the plan's earlier configs (dropped with the plan, unlike the per-process cache
    of :func:`memgan_bench.data.load_dataset`, which would hold them for the whole sweep)."""
    cfg = planned.cfg
    try:
        key = (cfg.data.name, cfg.data.root, cfg.seed)
        if key not in splits:
            splits[key] = tuple(read_split(cfg.data.name, split, cfg.data.root, cfg.seed)
                                for split in ("train", "test"))
        train, test = splits[key]
        SCENARIOS.get(cfg.scenario_name)(cfg.scenario, cfg.seed).experiences(train, test)
        METHODS.get(cfg.method)(cfg.model, DataSpec.of(train))
        for name, options in cfg.plugins.items():
            PLUGINS.get(name)(options)
    except UserError as err:
        raise UserError(f"{planned.source}: {err}") from None


def write_plan(plan: list[PlannedRun], resume: bool) -> list[RunDir]:
    """Write each run's config; returns the runs left to bring to an end (all but finished and
    diverged ones with ``resume``). Checks every run directory before writing any."""
    for planned in plan:
        check_run_dir(planned, resume)
    pending = []
    for planned in plan:
        if not planned.run.config.exists():
            atomic_write_text(planned.run.config, config_to_yaml(planned.cfg))
        if planned.run.status() not in FINAL_STATUSES:
            pending.append(planned.run)
    return pending


def check_run_dir(planned: PlannedRun, resume: bool) -> None:
    run = planned.run
    if run.path.exists() and not run.path.is_dir():
        raise UserError(f"{run.path} exists and is not a directory")
    started = run.results.exists() or run.last_checkpoint.exists() or run.status_file.exists()
    if not run.config.exists():
        if started:
            raise UserError(f"{run.path} holds run files but no {run.config.name}; use another --out")
        return
    try:
        saved = config_to_yaml(load_config(run.config))
    except UserError as err:
        raise UserError(f"{run.config}: {err}") from None
    if saved != config_to_yaml(planned.cfg):
        raise UserError(f"{run.config} holds a different config than {planned.source} plans; use another --out")
    if started and not resume:
        raise UserError(f"run directory {run.path} already holds a run (add --resume to continue the sweep)")
