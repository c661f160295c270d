"""Where each run of a folder stands, read from the run directories alone (so it works for every executor).

Per run: ``status`` (``pending`` until the trainer writes one), step / total (the last logged step of its
results; total = ``train.steps`` × experiences of its saved config, unknown for a class-incremental
stream that leaves its class order to the data), host and job id (the lease of the process that
holds the run, the job id written by the slurm executor), elapsed (since the lease's ``started``, else
since the current attempt wrote ``status: running``), ETA (the remaining steps at the attempt's pace, which counts the steps
logged before a resume as done in this attempt, so it is optimistic for resumed runs) and the last
headline metric (the report's headline rows; the last loss for a run that logs none).

A run whose status says ``running`` but whose lease holder is gone (:func:`memgan_bench.lease.is_stale`:
a dead pid on this host, an old heartbeat) or that has no lease is shown as ``stale``: it was killed and
waits for ``--resume``. A run whose files cannot be read is shown as ``unreadable``, with the reason in
place of its last metric.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from memgan_bench.errors import UserError
from memgan_bench.lease import is_stale
from memgan_bench.metrics.names import METRICS
from memgan_bench.rundir import RunDir


@dataclass
class Progress:
    run: str
    status: str
    step: int
    total: Optional[int]
    host: str
    job_id: str
    elapsed_s: Optional[float]
    eta_s: Optional[float]
    metric: str


def experience_count(scenario: dict) -> Optional[int]:
    """Experiences a run's scenario section gives without looking at the data (None when it needs it)."""
    if scenario.get("name", "unsupervised") == "unsupervised":
        return 1
    if scenario.get("num_experiences"):
        return int(scenario["num_experiences"])
    if scenario.get("class_order"):
        return len(scenario["class_order"]) // int(scenario.get("classes_per_experience") or 1)
    return None


def last_metric(rows: list[dict]) -> str:
    """The last row of a headline metric (:data:`memgan_bench.metrics.names.METRICS`), else the last row."""
    headline = [row for row in rows if row["metric"] in METRICS]
    last = (headline or rows or [None])[-1]
    return f"{last['metric']}={float(last['value']):.4g}" if last else "-"


LIVE = ("pending", "running")  # statuses a run may still leave without a --resume
STALE, UNREADABLE = "stale", "unreadable"


def progress(run_dir: str | Path, label: Optional[str] = None, now: Optional[float] = None) -> Progress:
    """Where the run stands; a run whose files cannot be read is one of status ``unreadable``."""
    try:
        return read_progress(RunDir(run_dir), label, now)
    except UserError as err:
        return Progress(run=label or Path(run_dir).name, status=UNREADABLE, step=0, total=None, host="-",
                        job_id="-", elapsed_s=None, eta_s=None, metric=str(err))


def read_progress(run: RunDir, label: Optional[str], now: Optional[float]) -> Progress:
    now = time.time() if now is None else now
    try:
        cfg = run.saved_config()
    except UserError:  # unreadable: the row shows what it can without it
        cfg = {}
    experiences = experience_count(cfg.get("scenario") or {})
    steps = (cfg.get("train") or {}).get("steps")
    total = steps * experiences if steps and experiences else None
    rows = run.rows()
    step = max((int(row["step"]) for row in rows), default=0)
    status = run.status()
    holder = run.lease_holder()
    lease = holder or {}
    if status == "running" and (holder is None or is_stale(holder, run.lease, now)):
        status = STALE
    elapsed = eta = None
    if status == "running":
        started = lease.get("started")
        elapsed = now - (started if isinstance(started, (int, float)) else run.status_file.stat().st_mtime)
        if total and step:
            eta = elapsed / step * (total - step)
    job_id = run.job_id() or str(lease.get("job_id") or "-")
    return Progress(run=label or run.path.name, status=status, step=step, total=total, host=str(lease.get("host") or "-"),
                    job_id=job_id, elapsed_s=elapsed, eta_s=eta, metric=last_metric(rows))


def duration(seconds: Optional[float]) -> str:
    if seconds is None:
        return "-"
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def table(rows: list[Progress]) -> str:
    """Aligned text table, one line per run, then the count per status."""
    header = ("run", "status", "step/total", "host", "job", "elapsed", "eta", "last metric")
    lines = [header] + [
        (p.run, p.status, f"{p.step}/{p.total if p.total is not None else '?'}", p.host, p.job_id,
         duration(p.elapsed_s), duration(p.eta_s), p.metric)
        for p in rows
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = ["  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip() for line in lines]
    counts: dict[str, int] = {}
    for p in rows:
        counts[p.status] = counts.get(p.status, 0) + 1
    text.append(", ".join(f"{count} {status}" for status, count in sorted(counts.items())) or "no runs")
    return "\n".join(text)
