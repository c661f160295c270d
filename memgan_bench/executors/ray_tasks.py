"""``--executor ray``: one Ray core task per run (not Ray Tune, which imposes its own trial directories).

``--ray-address``: none (or ``local``) starts a local Ray instance with this machine's cores; ``auto`` (or
HOST:PORT, or ``ray://HOST:PORT``) joins a running cluster, whose nodes must see the run directories (shared
file system) and have memgan-bench installed. Before joining, the cluster's address must accept a TCP
connection within ``--ray-connect-timeout-s`` seconds; otherwise the sweep stops with one line (Ray itself
would retry for minutes). Each task asks for ``--cpus-per-run`` CPUs and ``--gpus-per-run`` GPUs and runs in
a worker process used for that one run (``max_calls=1``). ``--retries`` reruns a task whose worker or
node died; the rerun resumes the run from its checkpoint. At most ``--max-parallel`` tasks are in flight.
"""

from __future__ import annotations

import socket
import time

from memgan_bench.errors import UserError
from memgan_bench.executors import Executor, usable_cores
from memgan_bench.executors.worker import run_one
from memgan_bench.registry import EXECUTORS


def connect(address, timeout_s: float) -> None:
    import ray

    if address in (None, "local"):
        ray.init(address="local", num_cpus=usable_cores(), include_dashboard=False, log_to_driver=True)
        return
    try:
        host, port = endpoint(address)
        wait_for_listener(address, host, port, timeout_s)
        ray.init(address=address, log_to_driver=True)
    except (ConnectionError, RuntimeError, ValueError) as err:
        raise UserError(f"cannot join the Ray cluster at --ray-address {address}: {str(err).splitlines()[0]}") from None


def endpoint(address: str) -> tuple[str, int]:
    """(host, port) a cluster at ``address`` listens on; ``auto``: the cluster Ray recorded on this machine
    (``RAY_ADDRESS``, else its temp directory), a ConnectionError when there is none."""
    if address == "auto":
        from ray._private.services import canonicalize_bootstrap_address

        address = canonicalize_bootstrap_address("auto")
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"expected HOST:PORT, ray://HOST:PORT, auto or local, got '{address}'")
    return host.strip("[]"), int(port)


def wait_for_listener(address: str, host: str, port: int, timeout_s: float) -> None:
    """Return once ``host:port`` accepts a TCP connection; after ``timeout_s`` seconds, a one-line UserError."""
    deadline = time.monotonic() + timeout_s
    while True:
        left = deadline - time.monotonic()
        try:
            socket.create_connection((host, port), timeout=max(left, 0.01)).close()
            return
        except OSError as err:
            if time.monotonic() + 0.2 >= deadline:
                raise UserError(
                    f"no Ray cluster at --ray-address {address}: nothing accepted a connection at {host}:{port} "
                    f"within {timeout_s:g} s ({err.strerror or err}); start one there with `ray start --head "
                    f"--port={port}`, or leave out --ray-address (or give --ray-address local) to run on a Ray "
                    "instance of this machine") from None
            time.sleep(0.2)


def check_feasible(cpus: float, gpus: float) -> None:
    """Refuse a per-run request no live node can meet (Ray would keep such a task pending forever)."""
    import ray

    nodes = [node["Resources"] for node in ray.nodes() if node.get("Alive")]
    if not any(node.get("CPU", 0) >= cpus and node.get("GPU", 0) >= gpus for node in nodes):
        offered = ", ".join(f"{node.get('CPU', 0):g} CPU/{node.get('GPU', 0):g} GPU" for node in nodes) or "none"
        raise UserError(f"no Ray node offers {cpus:g} CPU and {gpus:g} GPU per run (nodes: {offered})")


def run_all(runs, options, record) -> None:
    import ray

    connect(options.ray_address, options.ray_connect_timeout_s)
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
