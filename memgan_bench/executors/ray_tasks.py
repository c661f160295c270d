"""``--executor ray``: one Ray core task per run (not Ray Tune, which imposes its own trial directories).

``--ray-address``: none starts a local Ray instance with this machine's cores; ``auto`` (or an address)
joins a running cluster, whose nodes must see the run directories (shared file system) and have
memgan-bench installed. Each task asks for ``--cpus-per-run`` CPUs and ``--gpus-per-run`` GPUs and runs in
a worker process used for that one run (``max_calls=1``). ``--retries`` reruns a task whose worker or
node died; the rerun resumes the run from its checkpoint. At most ``--max-parallel`` tasks are in flight.
"""

from __future__ import annotations

from memgan_bench.errors import UserError
from memgan_bench.executors import Executor, usable_cores
from memgan_bench.executors.worker import run_one
from memgan_bench.registry import EXECUTORS


def connect(address) -> None:
    import ray

    if address is None:
        ray.init(address="local", num_cpus=usable_cores(), include_dashboard=False, log_to_driver=True)
        return
    try:
        ray.init(address=address, log_to_driver=True)
    except (ConnectionError, RuntimeError, ValueError) as err:
        raise UserError(f"cannot join the Ray cluster at --ray-address {address}: {str(err).splitlines()[0]}") from None


def check_feasible(cpus: float, gpus: float) -> None:
    """Refuse a per-run request no live node can meet (Ray would keep such a task pending forever)."""
    import ray

    nodes = [node["Resources"] for node in ray.nodes() if node.get("Alive")]
    if not any(node.get("CPU", 0) >= cpus and node.get("GPU", 0) >= gpus for node in nodes):
        offered = ", ".join(f"{node.get('CPU', 0):g} CPU/{node.get('GPU', 0):g} GPU" for node in nodes) or "none"
        raise UserError(f"no Ray node offers {cpus:g} CPU and {gpus:g} GPU per run (nodes: {offered})")


def run_all(runs, options, record) -> None:
    import ray

    connect(options.ray_address)
    try:
        check_feasible(options.cpus_per_run, options.gpus_per_run)
        task = ray.remote(num_cpus=options.cpus_per_run, num_gpus=options.gpus_per_run,
                          max_retries=options.retries, max_calls=1)(run_one)
        waiting, in_flight = list(runs), {}
        while waiting or in_flight:
            while waiting and len(in_flight) < options.max_parallel:
                run = waiting.pop(0)
                in_flight[task.remote(str(run.path), options.threads_per_run)] = run
            [done], _ = ray.wait(list(in_flight), num_returns=1)
            run = in_flight.pop(done)
            try:
                status, error = ray.get(done), None
            except Exception as err:  # the run raised (RayTaskError), or its worker died more than --retries times
                status, error = None, err
            record(run, status, error)
    finally:
        ray.shutdown()


EXECUTORS.register("ray")(Executor(run_all, needs=("ray", "ray")))
