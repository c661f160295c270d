"""The single-run entry of every executor: bring one run directory to a final status.

``bring_to_finished`` claims the directory's lease (:mod:`memgan_bench.lease`), clears temp files of
killed writes, then: a finished or diverged run is final (nothing to do; its saved config must equal
the one given); a run with a last checkpoint resumes from it; any other run (new, or killed before
its first checkpoint, or with ``checkpoint_every: 0``) trains from step 0, dropping an earlier
attempt's rows. The lease is released however training ends. Reference: docs/runs.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from memgan_bench.atomic import remove_temps
from memgan_bench.config import RunConfig, config_to_yaml, load_config
from memgan_bench.errors import UserError
from memgan_bench.lease import Lease
from memgan_bench.rundir import FINAL_STATUSES, RunDir


def bring_to_finished(run_dir: str | Path, cfg: Optional[RunConfig] = None, progress: bool = False,
                      new: bool = False) -> RunDir:
    """Train, resume or leave as is the run in ``run_dir`` (config: ``cfg``, else the one it saved).
    With ``new``, a directory that already holds a checkpoint or a final run is refused instead."""
    from memgan_bench.engine.trainer import train

    run = RunDir(run_dir)
    if run.path.exists() and not run.path.is_dir():
        raise UserError(f"run directory {run.path} is an existing file")
    if cfg is None and not run.config.is_file():
        raise UserError(f"{run.path} is not a run directory: it has no {run.config.name}")
    with Lease.claim(run.path):
        remove_temps(run.path)
        cfg = cfg if cfg is not None else load_config(run.config)
        if run.status() in FINAL_STATUSES and not new:
            if config_to_yaml(load_config(run.config)) != config_to_yaml(cfg):
                raise UserError(f"run {run.path} is already {run.status()} with the config saved in {run.config}; "
                                "the config given differs (use another --out to train it)")
            return run
        return train(cfg, run.path, resume=run.last_checkpoint.exists() and not new, progress=progress)
