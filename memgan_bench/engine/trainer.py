"""The train loop: experiences → steps, with logging, evaluation, checkpoints, resume and divergence.

Order at every step boundary: log (the only host sync, every ``log_every`` steps) → evaluate (every
``eval_every`` steps and at each experience end) → checkpoint. Evaluation runs in eval mode, without
gradients and under a forked RNG seeded by (seed, step), so it never perturbs training: a run's
trajectory does not depend on how often it is evaluated, and a resumed run's final parameters equal an
uninterrupted run's bit for bit on CPU.
"""

from __future__ import annotations

import math
from pathlib import Path

import torch
from tqdm import tqdm

from memgan_bench.atomic import atomic_write_text
from memgan_bench.config import RunConfig, config_to_yaml, load_config
from memgan_bench.data import DataSpec, load_dataset
from memgan_bench.engine.checkpoint import (check_identity, check_progress, check_rng, config_sha256, load_checkpoint,
                                            save_checkpoint)
from memgan_bench.engine.context import RunContext
from memgan_bench.engine.grids import save_grid
from memgan_bench.engine.seeding import pick_device, rng_state, seed_everything, seeded_rng, set_rng_state
from memgan_bench.errors import UserError
from memgan_bench.method import OUTPUT_PREFIXES, evaluation_mode
from memgan_bench.registry import METHODS, PLUGINS, SCENARIOS
from memgan_bench.results import ResultsLog
from memgan_bench.rundir import FINAL_STATUSES, RunDir


class Diverged(Exception):
    """A logged loss was NaN or infinite."""


def train(cfg: RunConfig, out_dir: str | Path, resume: bool = False, progress: bool = True) -> RunDir:
    """Train ``cfg`` into ``out_dir`` from step 0, or with ``resume`` continue from its checkpoint;
    returns the run directory. Executors call :func:`memgan_bench.engine.runner.bring_to_finished`,
    which holds the directory's lease and picks between the two."""
    run = RunDir(out_dir)
    if resume and run.status() == "finished":
        return run
    if resume:
        if not run.last_checkpoint.exists():
            raise UserError(f"nothing to resume in {run.path}: no {run.last_checkpoint.relative_to(run.path)}")
        saved = load_config(run.config)
        if config_to_yaml(saved) != config_to_yaml(cfg):
            raise UserError(f"config differs from the one saved in {run.config}; resume with the same config")
    elif run.last_checkpoint.exists() or run.status() in FINAL_STATUSES:
        raise UserError(f"run directory {run.path} already holds a run (use --resume or another --out)")

    seed_everything(cfg.seed)
    device = pick_device(cfg.device)
    state = load_checkpoint(run.last_checkpoint, map_location=device) if resume else None
    if resume:
        check_identity(state, run.last_checkpoint, cfg)
    train_data = load_dataset(cfg.data.name, "train", cfg.data.root, cfg.seed)
    test_data = load_dataset(cfg.data.name, "test", cfg.data.root, cfg.seed)
    experiences = SCENARIOS.get(cfg.scenario_name)(cfg.scenario, cfg.seed).experiences(train_data, test_data)
    method = METHODS.get(cfg.method)(cfg.model, DataSpec.of(train_data)).to(device)
    plugins = {name: PLUGINS.get(name)(options) for name, options in cfg.plugins.items()}
    if resume:
        check_progress(state, run, cfg.train.steps, len(experiences))
        check_rng(state, run.last_checkpoint, device)
    identity = {"run_id": run.run_id(cfg), "method": cfg.method, "scenario": cfg.scenario_name,
                "dataset": cfg.data.name, "seed": cfg.seed}
    # rows logged after the checkpoint (or by an attempt that never checkpointed) are dropped
    results = ResultsLog(run.results, identity, keep=state["results_rows"] if resume else 0)
    ctx = RunContext(cfg=cfg, run=run, results=results, method=method,
                     train_data=train_data, test_data=test_data, experiences=experiences, device=device,
                     plugins=list(plugins.values()))

    start_experience, start_step = 0, 0
    if resume:
        restore(state, ctx, plugins)
        start_experience, start_step = state["experience"], state["step_in_experience"]
    else:
        atomic_write_text(run.config, config_to_yaml(cfg))
    method.prepare_optimizers()  # after any restore: a checkpoint's param groups carry their own flags
    run.set_status("running")
    loop = Loop(ctx, plugins, progress)
    if resume:
        loop.restore_log_window(state["log_window"])
    try:
        for plugin in plugins.values():
            plugin.before_training(ctx)
        for experience in experiences[start_experience:]:
            first = start_step if experience.index == start_experience else 0
            loop.run_experience(experience, first)
        for plugin in plugins.values():
            plugin.after_training(ctx)
    except Diverged:
        run.set_status("diverged")
        return run
    except BaseException:
        run.set_status("failed")
        raise
    finally:
        loop.close()
    run.set_status("finished")
    return run


def restore(state: dict, ctx: RunContext, plugins: dict) -> None:
    try:
        ctx.method.load_state_dict(state["method"])
        for name, plugin in plugins.items():
            plugin.load_state_dict(state["plugins"].get(name, {}))
        set_rng_state(state["rng"], ctx.device)
    except (KeyError, RuntimeError, ValueError, TypeError, AttributeError) as err:
        raise UserError(f"checkpoint {ctx.run.last_checkpoint} does not match this run: "
                        f"{str(err).splitlines()[0][:200]}") from None
    ctx.step = state["step"]


class Loop:
    """Runs the steps of each experience for one training run."""

    def __init__(self, ctx: RunContext, plugins: dict, show_progress: bool):
        self.ctx = ctx
        self.plugins = plugins
        cfg = ctx.cfg
        self.step_fn = torch.compile(ctx.method.train_step, mode="reduce-overhead") if cfg.train.compile \
            else ctx.method.train_step
        total = cfg.train.steps * len(ctx.experiences)
        self.bar = tqdm(total=total, initial=ctx.step, disable=not show_progress, unit="step", dynamic_ncols=True)
        self.config_sha256 = config_sha256(cfg)  # the checkpoints' record of the config they belong to
        self.sums: dict[str, torch.Tensor] = {}  # losses summed since the last log row (on the device)
        self.since_log = 0

    def restore_log_window(self, window: dict) -> None:
        """The loss sums of a checkpoint, so a log window that spans a resume averages the same steps."""
        self.sums = dict(window.get("sums", {}))
        self.since_log = int(window.get("count", 0))

    def close(self) -> None:
        self.bar.close()

    def run_experience(self, experience, first_step: int) -> None:
        ctx, cfg = self.ctx, self.ctx.cfg
        ctx.experience = experience
        method = ctx.method
        if first_step == 0:
            method.on_experience_start(experience)
            for plugin in self.plugins.values():
                plugin.before_experience(ctx)
        schedule = method.batch_schedule(experience, cfg.train.batch_size, cfg.seed, ctx.device)
        for step in range(first_step, cfg.train.steps):
            losses = self.step_fn(schedule.batch(step))
            for key, value in losses.items():
                self.sums[key] = self.sums[key] + value if key in self.sums else value.clone()
            self.since_log += 1
            ctx.step += 1
            self.bar.update(1)
            for plugin in self.plugins.values():
                plugin.after_train_step(ctx)
            done = step + 1
            if done % cfg.train.log_every == 0 or done == cfg.train.steps:
                self.log({key: value / self.since_log for key, value in self.sums.items()})
                self.sums, self.since_log = {}, 0
            if cfg.train.eval_every and done % cfg.train.eval_every == 0 and done < cfg.train.steps:
                self.evaluate()
            if cfg.train.checkpoint_every and done % cfg.train.checkpoint_every == 0:
                self.checkpoint(experience.index, done)
        self.evaluate()
        for plugin in self.plugins.values():
            plugin.after_experience(ctx)
        method.on_experience_end(experience)
        self.checkpoint(experience.index + 1, 0)

    def log(self, means: dict[str, torch.Tensor]) -> None:
        values = {key: float(value) for key, value in means.items()}  # host sync: once per log_every steps
        unprefixed = [key for key in values if not key.startswith(OUTPUT_PREFIXES)]
        if unprefixed:
            raise TypeError(f"{self.ctx.cfg.method}.train_step returned {unprefixed}: keys must start with "
                            f"{' or '.join(OUTPUT_PREFIXES)}")
        self.ctx.record(values)
        self.bar.set_postfix({key.split("/", 1)[1]: f"{value:.3g}" for key, value in values.items()}, refresh=False)
        if not all(math.isfinite(v) for v in values.values()):
            self.ctx.record({"diverged": 1.0})
            self.bar.write(f"run diverged at step {self.ctx.step}: non-finite loss {values}")
            raise Diverged

    def evaluate(self) -> None:
        """Sample grid and every plugin's ``evaluate``, under a forked RNG and in eval mode."""
        ctx = self.ctx
        with seeded_rng(ctx.device, ctx.cfg.seed, "evaluate", ctx.step), torch.no_grad(), \
                evaluation_mode(ctx.method):
            self.save_samples()
            for plugin in self.plugins.values():
                plugin.evaluate(ctx)

    def save_samples(self) -> None:
        ctx, count = self.ctx, self.ctx.cfg.train.sample_grid
        if not count:
            return
        labels = None
        if ctx.method.conditional:
            seen = torch.tensor(ctx.experience.seen_classes)
            labels = seen.repeat_interleave(math.ceil(count / len(seen)))[:count]  # a block of rows per class
        samples = ctx.method.sample(count, labels)
        path = ctx.run.sample_grid(ctx.experience.index, ctx.step)
        save_grid(samples, path, nrow=int(math.ceil(math.sqrt(count))), reference=ctx.train_data)

    def checkpoint(self, experience: int, step_in_experience: int) -> None:
        ctx = self.ctx
        state = {
            "method_name": ctx.cfg.method,
            "config_sha256": self.config_sha256,
            "step": ctx.step,
            "experience": experience,
            "step_in_experience": step_in_experience,
            "method": ctx.method.state_dict(),
            "plugins": {name: plugin.state_dict() for name, plugin in self.plugins.items()},
            "rng": rng_state(ctx.device),
            "log_window": {"sums": self.sums, "count": self.since_log},
            "results_rows": ctx.results.count,
        }
        save_checkpoint(ctx.run.last_checkpoint, state)
