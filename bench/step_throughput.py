"""Train-step throughput: the harness's step (engine + method) beside a plain-PyTorch DCGAN step.

Prints JSON: steps/s and images/s of each method's step run through the real engine (timed by a
plugin between a warm-up step and the last step, so data loading and model building are excluded), the
same for a hand-written PyTorch loop over the same DCGAN networks and losses, the harness overhead
ratio (harness DCGAN time / plain time; goal ≤ 1.05 on CPU) and each method's time relative to DCGAN.
Repeats are interleaved and the median is reported. ``real_per_step`` is the number of real rows a method's
step consumes (a gan-ensemble takes one batch per component: K × batch size), and images/s counts those.
A method may carry model overrides (``memorygan:fidelity=official,k=64``, values parsed as YAML);
``--compile`` runs the engine with ``train.compile`` (torch.compile, mode reduce-overhead: CUDA graphs on a
GPU). ``--clock process-cpu`` times the process's CPU time instead of wall time (with ``--threads 1``: the
steps' own cost on a shared, loaded machine). ``--dataset`` takes any dataset name, e.g. ``ring8`` /
``grid25`` for the 2-D mixtures.

    python bench/step_throughput.py --dataset fashion-mnist --batch-size 64 --steps 100 \
        --methods dcgan memorygan memorygan:fidelity=official [--device cuda --compile]
    python bench/step_throughput.py --methods dcgan mgan gan-ensemble gan-ensemble:components=3
    python bench/step_throughput.py --dataset ring8 --batch-size 100 --width 200 --threads 1 --clock process-cpu \
        --methods dcgan memorygan:memory_size=1024,key_dim=64,k=32
    python bench/step_throughput.py --tiny     # width 8, batch 8, 2 steps, 1 repeat
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass

import torch
import torch.nn.functional as F
import yaml

from memgan_bench.config import resolve
from memgan_bench.data import DataSpec, load_dataset
from memgan_bench.engine.seeding import pick_device
from memgan_bench.engine.trainer import train
from memgan_bench.errors import UserError
from memgan_bench.plugin import Plugin
from memgan_bench.registry import PLUGINS
from methods.common.nets import build_generator, build_trunk, init_weights

CLOCKS = {"wall": time.perf_counter, "process-cpu": time.process_time}


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


@PLUGINS.register("bench-step-timer")
class StepTimer(Plugin):
    """Records wall time between the end of step ``warmup`` and the end of the last step."""

    @dataclass
    class Config:
        warmup: int = 5
        clock: str = "wall"  # a key of CLOCKS

    def before_training(self, ctx):
        self.start = self.end = None

    def after_train_step(self, ctx):
        if ctx.step == self.cfg.warmup or ctx.step == ctx.cfg.train.steps:
            synchronize(ctx.device)
            now = CLOCKS[self.cfg.clock]()
            self.start, self.end = (now, self.end) if ctx.step == self.cfg.warmup else (self.start, now)

    def evaluate(self, ctx):
        ctx.run.path.joinpath("bench_seconds").write_text(str(self.end - self.start))
        schedule = ctx.method.batch_schedule(ctx.experience, ctx.cfg.train.batch_size, ctx.cfg.seed, ctx.device)
        ctx.run.path.joinpath("bench_real_per_step").write_text(str(len(schedule.batch(0).x)))


def parse_method(spec: str) -> tuple[str, dict]:
    """``name[:key=value,...]`` → (name, model overrides)."""
    name, _, options = spec.partition(":")
    items = [item for item in options.split(",") if item]
    if any("=" not in item for item in items):
        raise UserError(f"method spec {spec!r}: expected name[:key=value,...]")
    return name, {key: yaml.safe_load(value) for key, value in (item.split("=", 1) for item in items)}


def harness_config(spec: str, args) -> dict:
    method, overrides = parse_method(spec)
    return {"method": method, "model": {"width": args.width, **overrides}, "data": {"name": args.dataset},
            "device": args.device,
            "train": {"steps": args.steps + args.warmup, "batch_size": args.batch_size, "compile": args.compile,
                      "log_every": args.log_every, "checkpoint_every": 0, "sample_grid": 0},
            "plugins": {"bench-step-timer": {"warmup": args.warmup, "clock": args.clock}}}


def harness_seconds(spec: str, args) -> tuple[float, int]:
    """Seconds of the timed steps and real rows per step."""
    with tempfile.TemporaryDirectory() as tmp:
        run = train(resolve(harness_config(spec, args)), f"{tmp}/run", progress=False)
        read = run.path.joinpath
        return float(read("bench_seconds").read_text()), int(read("bench_real_per_step").read_text())


def plain_seconds(args, device: torch.device, width: int, z_dim: int) -> float:
    """The same DCGAN networks, Adam and non-saturating losses, written as a bare PyTorch loop (D frozen in
    the G step, so neither loop forms D's weight gradients there)."""
    data = load_dataset(args.dataset)
    images = data.images.to(device)
    spec = DataSpec.of(data)
    generator, discriminator = build_generator(z_dim, spec, width).to(device), build_trunk(spec, 1, width).to(device)
    init_weights(generator)
    init_weights(discriminator)
    opt_g = torch.optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    clock, start = CLOCKS[args.clock], None
    for step in range(args.steps + args.warmup):
        if step == args.warmup:
            synchronize(device)
            start = clock()
        x = images[torch.randint(len(images), (args.batch_size,), device=device)]
        fake = generator(torch.randn(args.batch_size, z_dim, device=device))
        d_loss = F.softplus(-discriminator(x)).mean() + F.softplus(discriminator(fake.detach())).mean()
        opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        opt_d.step()
        discriminator.requires_grad_(False)
        g_loss = F.softplus(-discriminator(fake)).mean()
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        opt_g.step()
        discriminator.requires_grad_(True)
    synchronize(device)
    return clock() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="fashion-mnist")
    parser.add_argument("--methods", nargs="+", default=["dcgan"])
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--log-every", type=int, default=50)
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--compile", action="store_true", help="train.compile for the harness runs")
    parser.add_argument("--clock", default="wall", choices=sorted(CLOCKS))
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    parser.add_argument("--tiny", action="store_true", help="width 8, batch 8, 2 steps after 1 warm-up, 1 repeat")
    args = parser.parse_args()
    if args.tiny:
        args.width, args.batch_size, args.steps, args.warmup, args.repeats, args.log_every = 8, 8, 2, 1, 1, 1
    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        for spec in args.methods:
            resolve(harness_config(spec, args))
    except UserError as err:
        print(f"error: {err}", file=sys.stderr)
        raise SystemExit(2) from None
    device = pick_device(args.device)
    torch.manual_seed(0)

    times: dict[str, list[float]] = {name: [] for name in ["plain-dcgan", *args.methods]}
    real_per_step = {"plain-dcgan": args.batch_size}
    for _ in range(args.repeats):
        times["plain-dcgan"].append(plain_seconds(args, device, args.width, 100))
        for method in args.methods:
            seconds, real_per_step[method] = harness_seconds(method, args)
            times[method].append(seconds)

    def rate(name: str, seconds: float) -> dict:
        return {"seconds": round(seconds, 4), "steps_per_s": round(args.steps / seconds, 2),
                "real_per_step": real_per_step[name],
                "images_per_s": round(args.steps * real_per_step[name] / seconds, 1)}

    median = {name: statistics.median(values) for name, values in times.items()}
    report = {
        "device": str(device) if device.type == "cpu" else torch.cuda.get_device_name(device),
        "torch_threads": torch.get_num_threads(),
        "dataset": args.dataset, "batch_size": args.batch_size, "steps": args.steps, "repeats": args.repeats,
        "width": args.width, "compile": args.compile, "clock": args.clock,
        "results": {name: rate(name, seconds) for name, seconds in median.items()},
    }
    if "dcgan" in median:
        report["harness_overhead_ratio"] = round(median["dcgan"] / median["plain-dcgan"], 4)
        report["relative_to_dcgan"] = {m: round(median[m] / median["dcgan"], 4) for m in args.methods}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
