"""``--executor slurm``: the runs as one submitit job array (``map_array``), at most ``--max-parallel`` at once.

Each array task runs :class:`RunJob`, checkpointable in submitit's sense (it has a ``checkpoint`` method):
when SLURM preempts it or its time limit nears (``--slurm-signal-delay-s`` before it, SLURM sends USR2),
submitit requeues the same task, which resumes the run from its checkpoint. Each run's job id is written to
its run directory. submitit's logs and pickles go to ``OUT/.submitit``. ``--slurm-requeues`` bounds the
requeues after time limits. ``--slurm-cluster local`` runs the tasks as processes on this machine (submitit's
LocalExecutor, with its time limits and requeues; in waves of ``--max-parallel``), for trying a sweep without
SLURM.
"""

from __future__ import annotations

import math

from memgan_bench.errors import UserError
from memgan_bench.executors import Executor
from memgan_bench.executors.worker import run_one
from memgan_bench.registry import EXECUTORS


class RunJob:
    """One run; ``checkpoint`` resubmits the same call (as ``submitit.helpers.Checkpointable`` does), which
    resumes from the run's checkpoint."""

    def __call__(self, run_dir: str, threads: int) -> str:
        return run_one(run_dir, threads)

    def checkpoint(self, *args, **kwargs):
        import submitit

        return submitit.helpers.DelayedSubmission(self, *args, **kwargs)


def make_executor(options, folder):
    """submitit's SLURM executor, or its local stand-in (which takes a time limit in fractional minutes)."""
    import submitit

    if options.slurm_cluster == "local":
        executor = submitit.LocalExecutor(folder, max_num_timeout=options.slurm_requeues)
        executor.update_parameters(timeout_min=options.slurm_time_min, signal_delay_s=options.slurm_signal_delay_s,
                                   gpus_per_node=options.gpus_per_run)
        return executor
    try:
        executor = submitit.AutoExecutor(folder=folder, cluster="slurm", slurm_max_num_timeout=options.slurm_requeues)
    except RuntimeError as err:  # submitit checks for srun
        raise UserError(f"no SLURM on this machine ({err}); --slurm-cluster local runs the jobs here") from None
    executor.update_parameters(
        name="memgan-bench", timeout_min=math.ceil(options.slurm_time_min), cpus_per_task=options.cpus_per_run,
        gpus_per_node=options.gpus_per_run, slurm_array_parallelism=options.max_parallel,
        slurm_signal_delay_s=options.slurm_signal_delay_s, slurm_partition=options.slurm_partition,
        slurm_account=options.slurm_account, slurm_qos=options.slurm_qos)  # None values are left unset
    return executor


def run_all(runs, options, record) -> None:
    executor = make_executor(options, options.out / ".submitit")
    wave = len(runs) if options.slurm_cluster is None else options.max_parallel
    for start in range(0, len(runs), wave):
        batch = runs[start : start + wave]
        jobs = executor.map_array(RunJob(), [str(run.path) for run in batch], [options.threads_per_run] * len(batch))
        for run, job in zip(batch, jobs):
            run.write_job_id(job.job_id)
        for run, job in zip(batch, jobs):
            try:
                status, error = job.result(), None
            except Exception as err:  # submitit.core.utils.FailedJobError / UncompletedJobError
                status, error = None, err
            record(run, status, error)


EXECUTORS.register("slurm")(Executor(run_all, needs=("submitit", "slurm")))
