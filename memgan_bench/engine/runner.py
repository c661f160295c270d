"""The single-run entry every executor calls: bring one run directory to an end state.

Minimal stand-in until run leases land: resume from ``checkpoints/last.pt`` when it exists, otherwise start
from step 0 (rows of an attempt that died before its first checkpoint are dropped first). Finished and
diverged runs are final and returned as they are.
"""

from __future__ import annotations

from pathlib import Path

from memgan_bench.results import RunDir


def bring_to_finished(run_dir: str | Path, cfg=None, progress: bool = False) -> RunDir:
    """Train (or resume) the run in ``run_dir`` from its saved ``config.yaml`` unless ``cfg`` is given."""
    from memgan_bench.config import load_config
    from memgan_bench.engine.trainer import train

    run = RunDir(run_dir)
    if run.status() in ("finished", "diverged"):
        return run
    if cfg is None:
        cfg = load_config(run.config)
    resume = run.last_checkpoint.exists()
    if not resume:
        run.results.unlink(missing_ok=True)
    return train(cfg, run.path, resume=resume, progress=progress)
