"""Time MemoryGAN's memory alone against its floor, on the current device. Prints JSON.

Per scale (N slots, key dim M, k, batch B) and fidelity, medians over interleaved repeats of:

* ``update_ms``: one batched update of B queries (top-k, labelled top-k, EM/LRU, last-writer-wins writes);
* ``lookup_ms``: one lookup and D(x) output (eq. 4) of B queries;
* ``step_ms``: the memory work of one whole train step: the D step's lookup of 2B queries with its backward
  to the queries, the update that reuses that lookup, the G step's lookup of B queries with its backward
  (``official`` also updates with the G step's queries);
* ``floor_ms``: what that step fundamentally needs, as bare float32 ops of the same shapes: the similarity
  products q Kᵀ ([2B, M] × [M, N] and [B, M] × [M, N]) and the ``torch.topk`` calls (S and S_y of the 2B
  D-step queries, S of the B G-step queries, S_y of those in ``official``; the oldest-slot top-k of each
  update);
* ``floor_ratio`` = step_ms / floor_ms;
* ``floor_two_level_ms`` / ``floor_two_level_ratio``: the same floor with the memory's own exact two-level
  top-k (``ranking.top_slots``, faster than one ``torch.topk`` of the row on CPU) in place of ``torch.topk``
  for the [B, N] selections: how far the step is from its floor once both select alike.

Scales: ``fashion-mnist`` (N 4096, M 256, k 128, B 64: the paper's setting), ``2d`` (N 1024, M 64, k 32,
B 100: a memory for the 2-D mixtures, ~40 slots per mode of grid25 and k = N/32 as on Fashion-MNIST, at
PacGAN's batch), ``cifar10`` (N 16384, M 512, k 256, B 64).

    python bench/memory_update.py [--scales fashion-mnist 2d] [--repeats 30] [--threads T] [--device auto|cpu|cuda]
        [--clock wall|thread-cpu]
    python bench/memory_update.py --tiny    # the 2d scale, 1 repeat
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time

import torch
import torch.nn.functional as F

from methods.memorygan.memory import FIDELITIES, VMFMemory
from methods.memorygan.ranking import top_slots

CLOCKS = {"wall": time.perf_counter, "thread-cpu": time.thread_time}
SCALES = {"fashion-mnist": (4096, 256, 128, 64), "2d": (1024, 64, 32, 100), "cifar10": (16384, 512, 256, 64)}


def interleaved_medians(fns: dict, device: torch.device, repeats: int, clock) -> dict[str, float]:
    """Median time of each of ``fns`` in milliseconds on ``clock``, the calls interleaved (one call of each
    per round) so that load changes on a shared machine hit all of them alike; CUDA work is synchronised
    before reading the clock."""
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    for fn in fns.values():
        for _ in range(3):
            fn()
    sync()
    times = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = clock()
            fn()
            sync()
            times[name].append((clock() - start) * 1e3)
    return {name: statistics.median(values) for name, values in times.items()}


def warm_memory(size: int, key_dim: int, k: int, fidelity: str, device: torch.device) -> VMFMemory:
    """A memory in a trained-looking state: unit keys, spread histogram, half real slots, distinct ages."""
    memory = VMFMemory(size, key_dim, k, fidelity=fidelity).to(device)
    gen = torch.Generator(device=device).manual_seed(0)
    memory.keys.copy_(F.normalize(torch.randn(size, key_dim, device=device, generator=gen), dim=1))
    memory.hist.copy_(torch.rand(size, device=device, generator=gen) * 10)
    memory.ages.copy_(torch.randperm(size, device=device, generator=gen))
    return memory


def train_step_memory_work(memory: VMFMemory, q_d: torch.Tensor, y: torch.Tensor, q_g: torch.Tensor) -> None:
    """The memory calls of one ``MemoryGAN.train_step``, gradients to the queries included (``official``
    also updates the memory with the G step's fake queries)."""
    q = q_d.detach().requires_grad_()
    read = memory.lookup(q)
    memory.output(read).log().sum().backward()
    memory.update(q.detach(), y, read)
    q = q_g.detach().requires_grad_()
    read = memory.lookup(q)
    memory.output(read).log().sum().backward()
    if memory.fidelity == "official":
        memory.update(q.detach(), torch.zeros_like(q[:, 0]), read)


def plain_top_k(scores: torch.Tensor, k: int) -> torch.Tensor:
    return torch.topk(scores, k).indices


def floor_work(keys: torch.Tensor, ages: torch.Tensor, q_d: torch.Tensor, q_g: torch.Tensor, k: int,
               fidelity: str, select=plain_top_k) -> None:
    """The float32 similarity products and top-k selections (``select``) one train step needs (see the
    docstring)."""
    sim_d, sim_g = q_d @ keys.T, q_g @ keys.T
    select(sim_d, k)  # S of the D step
    select(sim_d, k)  # S_y of its update
    torch.topk(ages, min(q_d.shape[0], ages.shape[0]))  # its oldest slots
    select(sim_g, k)  # S of the G step
    if fidelity == "official":  # the update with the G step's queries
        select(sim_g, k)
        torch.topk(ages, min(q_g.shape[0], ages.shape[0]))


def measure(scale: str, fidelity: str, device: torch.device, repeats: int, clock) -> dict:
    size, key_dim, k, batch = SCALES[scale]
    fresh = lambda: warm_memory(size, key_dim, k, fidelity, device)  # each timing starts from one state
    gen = torch.Generator(device=device).manual_seed(1)
    q = F.normalize(torch.randn(batch, key_dim, device=device, generator=gen), dim=1)
    y = (torch.rand(batch, device=device, generator=gen) < 0.5).float()
    q_d = F.normalize(torch.randn(2 * batch, key_dim, device=device, generator=gen), dim=1)
    y_d = torch.cat([torch.ones(batch, device=device), torch.zeros(batch, device=device)])
    floor_memory = fresh()
    ms = interleaved_medians({
        "update_ms": lambda m=fresh(): m.update(q, y),
        "lookup_ms": lambda m=fresh(): m.output(q),
        "step_ms": lambda m=fresh(): train_step_memory_work(m, q_d, y_d, q),
        "floor_ms": lambda: floor_work(floor_memory.keys, floor_memory.ages, q_d, q, k, fidelity),
        "floor_two_level_ms": lambda: floor_work(floor_memory.keys, floor_memory.ages, q_d, q, k, fidelity,
                                                 select=top_slots),
    }, device, repeats, clock)
    return {"scale": scale, "N": size, "M": key_dim, "k": k, "batch": batch, "fidelity": fidelity,
            **{name: round(value, 3) for name, value in ms.items()},
            "floor_ratio": round(ms["step_ms"] / ms["floor_ms"], 3),
            "floor_two_level_ratio": round(ms["step_ms"] / ms["floor_two_level_ms"], 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", nargs="+", default=["fashion-mnist", "2d"], choices=sorted(SCALES))
    parser.add_argument("--fidelities", nargs="+", default=list(FIDELITIES), choices=FIDELITIES)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    parser.add_argument("--clock", default="wall", choices=sorted(CLOCKS),
                        help="wall time, or this thread's CPU time (with --threads 1 on a CPU: the time the work "
                             "computed, without the time other processes of a shared machine took)")
    parser.add_argument("--tiny", action="store_true", help="the 2d scale only, 1 repeat")
    args = parser.parse_args()
    if args.tiny:
        args.scales, args.repeats = ["2d"], 1
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device("cuda" if args.device == "auto" and torch.cuda.is_available() else
                          ("cpu" if args.device == "auto" else args.device))
    if args.clock == "thread-cpu" and (args.threads != 1 or device.type == "cuda"):
        parser.error("--clock thread-cpu needs --threads 1 and the CPU")
    rows = [measure(scale, fidelity, device, args.repeats, CLOCKS[args.clock])
            for scale in args.scales for fidelity in args.fidelities]
    print(json.dumps({
        "benchmark": "memorygan_memory", "device": str(device),
        "device_name": torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor(),
        "torch_threads": torch.get_num_threads(), "clock": args.clock, "torch": torch.__version__, "results": rows,
    }, indent=1))


if __name__ == "__main__":
    main()
