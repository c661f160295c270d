"""``tensorboard`` plugin: a run's rows as TensorBoard scalars and its sample grids as images, written to
``<run dir>/tensorboard`` with ``torch.utils.tensorboard`` (view: ``tensorboard --logdir runs/``).

It follows the run's results file from the byte where it left off, so every row any part of the run records
(losses ``loss/*``, diagnostics ``diag/*``, metrics) becomes a scalar tagged with its metric name at its
step, without the engine telling it anything; a step costs one ``stat`` of the file. Events are flushed
at every checkpoint (``state_dict``), and a resumed run purges the events after its checkpoint step, so
a killed run's events end up neither missing nor doubled."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from memgan_bench.plugin import Plugin
from memgan_bench.registry import PLUGINS


@dataclass
class TensorBoardConfig:
    samples: bool = True  # also log the sample grid of every evaluation
    flush_secs: int = field(default=30, metadata={"min": 1})


@PLUGINS.register("tensorboard")
class TensorBoardPlugin(Plugin):
    Config = TensorBoardConfig

    def before_training(self, ctx) -> None:
        from torch.utils.tensorboard import SummaryWriter

        self.writer = SummaryWriter(str(ctx.run.tensorboard), purge_step=ctx.step + 1 if ctx.step else None,
                                    flush_secs=self.cfg.flush_secs)
        self.results: Path = ctx.run.results
        self.offset = self.results.stat().st_size if self.results.exists() else 0  # rows logged before a resume
        self.last_grid = None

    def follow(self) -> None:
        """Log the complete rows appended to the results file since the last call."""
        size = self.results.stat().st_size if self.results.exists() else 0
        if size <= self.offset:
            return
        with open(self.results, "rb") as handle:
            header = handle.readline().decode()
            handle.seek(self.offset)
            chunk = handle.read(size - self.offset)
        complete = chunk[: chunk.rfind(b"\n") + 1]  # a row still being written waits for the next call
        self.offset += len(complete)
        fields = next(csv.reader([header]))
        for row in csv.DictReader(complete.decode().splitlines(), fieldnames=fields):
            if row["metric"] != "metric":  # the header itself, on the first call
                self.writer.add_scalar(row["metric"], float(row["value"]), int(row["step"]))

    def after_train_step(self, ctx) -> None:
        self.follow()

    def evaluate(self, ctx) -> None:
        self.follow()
        grids = sorted(ctx.run.samples.glob("*.png")) if self.cfg.samples else []
        if grids and grids[-1] != self.last_grid:
            import numpy as np
            from PIL import Image

            self.last_grid = grids[-1]
            with Image.open(grids[-1]) as image:
                pixels = np.asarray(image.convert("RGB"))
            self.writer.add_image("samples", pixels, ctx.step, dataformats="HWC")

    def after_experience(self, ctx) -> None:
        self.follow()

    def after_training(self, ctx) -> None:
        self.follow()
        self.writer.close()

    def state_dict(self) -> dict:
        """Called when the run checkpoints: everything up to the checkpoint goes to disk."""
        self.follow()
        self.writer.flush()
        return {}
