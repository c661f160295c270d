"""Time MemoryGAN's memory alone: one batched update (top-k, labelled top-k, EM/LRU, last-writer-wins
writes), one lookup (D(x) of eq. 4), and the memory work of one whole train step (``step_ms``: the D step's
lookup of 2B queries with its backward to the queries, the update that reuses that lookup, the G step's
lookup of B queries with its backward), on the current device. Prints JSON.

    python bench/memory_update.py [--batch 64] [--repeats 20] [--threads T] [--device auto|cpu|cuda]
"""

from __future__ import annotations

import argparse
import itertools
import json
import platform
import statistics
import time

import torch
import torch.nn.functional as F

from methods.memorygan.memory import VMFMemory


def timed(fn, device: torch.device, repeats: int) -> float:
    """Median wall time of ``fn`` in milliseconds (CUDA work synchronised before reading the clock)."""
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    for _ in range(3):
        fn()
    sync()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        sync()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device("cuda" if args.device == "auto" and torch.cuda.is_available() else
                          ("cpu" if args.device == "auto" else args.device))
    rows = []
    for (size, key_dim, k), fidelity in itertools.product(
        [(n, m, k) for n in (4096, 16384) for m in (256, 512) for k in (128, 256)], ("paper", "official")
    ):
        fresh = lambda: warm_memory(size, key_dim, k, fidelity, device)  # each timing starts from one state
        gen = torch.Generator(device=device).manual_seed(1)
        q = F.normalize(torch.randn(args.batch, key_dim, device=device, generator=gen), dim=1)
        y = (torch.rand(args.batch, device=device, generator=gen) < 0.5).float()
        q_d = F.normalize(torch.randn(2 * args.batch, key_dim, device=device, generator=gen), dim=1)
        y_d = torch.cat([torch.ones(args.batch, device=device), torch.zeros(args.batch, device=device)])
        rows.append({
            "N": size, "M": key_dim, "k": k, "fidelity": fidelity, "batch": args.batch,
            "update_ms": round(timed(lambda m=fresh(): m.update(q, y), device, args.repeats), 3),
            "lookup_ms": round(timed(lambda m=fresh(): m.output(q), device, args.repeats), 3),
            "step_ms": round(timed(lambda m=fresh(): train_step_memory_work(m, q_d, y_d, q), device, args.repeats),
                             3),
        })
    print(json.dumps({
        "benchmark": "memorygan_memory", "device": str(device),
        "device_name": torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor(),
        "torch_threads": torch.get_num_threads(), "torch": torch.__version__, "results": rows,
    }, indent=1))


if __name__ == "__main__":
    main()
