"""The unit of work every executor runs in a fresh process: one run directory brought to an end state.

Thread counts are set before torch is imported (``OMP_NUM_THREADS``) and again through
``torch.set_num_threads``, so P runs of T threads share P·T cores without oversubscription.
"""

from __future__ import annotations

import os
from pathlib import Path


def run_one(run_dir: str | Path, threads: int) -> str:
    """Train or resume the run in ``run_dir``; returns its final status (finished / diverged)."""
    os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = str(threads)
    import torch

    from memgan_bench.engine.runner import bring_to_finished

    torch.set_num_threads(threads)
    return bring_to_finished(run_dir).status()
