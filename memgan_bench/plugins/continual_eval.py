"""Evaluation after each experience of a class-incremental stream (plugin ``continual_eval``).

Task j = the classes first seen in experience j. At the end of experience i it records (experience
column = i):

- conditional methods: ``cl/acc/class_c`` — accuracy of the evaluation classifier on samples G(z, c)
  for every seen class c (MeRGAN's "Acc."); ``cl/acc/task_j`` — their mean over task j's classes, the
  entry R[i, j] of the accuracy matrix; ``cl/acc_avg``, ``cl/acc_forgetting_max``,
  ``cl/acc_forgetting_last``, ``cl/acc_bwt`` from :mod:`memgan_bench.metrics.continual`;
  ``cl/reverse_acc`` — a fresh small classifier (``tiny``, about ``reverse_steps`` SGD steps of batch
  128) trained on generated samples of the seen classes (labels = the conditioning labels), tested on
  the real test images of those classes (MeRGAN's "Rev acc."); ``cl/fid/task_j`` — FID of samples
  conditioned on task j vs its real test images, and the same summaries of that matrix with the sign
  flipped (``cl/fid_forgetting_*``, ``cl/fid_bwt``);
- every method: ``cl/fid``, ``cl/kid`` of samples from the prior vs the real test images of the seen
  classes; the class histogram of those samples under the classifier: ``cl/share/class_c``,
  ``cl/seen_coverage`` (fraction of seen classes with share ≥ 0.1/|seen|), ``cl/share_past`` and
  ``cl/share_current`` (share predicted as past / current classes);
- discriminator forgetting (:class:`ForgettingTracker`): held-out real test images of each class (the
  probe sets of ``d_forgetting``'s ``per_class_real``) become a probe set when the class arrives;
  ``cl/d_acc/class_c`` and ``cl/d_forgetting/class_c`` per past class and their means
  ``cl/d_acc_past``, ``cl/d_forgetting_past``.

FID/KID use the evaluation classifier's features (see ``fidelity.py``), so they are comparable across
runs with the same classifier identity, not with Inception-based numbers. On a 2-D mixture the nearest-mode
rule (:mod:`memgan_bench.evaluation.modes`) is the classifier: accuracies, histogram and probes are
recorded, FID/KID are not, and per-task FID and reverse accuracy are refused.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Optional

import numpy as np
import torch

from memgan_bench.errors import UserError
from memgan_bench.evaluation.classifier import ClassifierConfig, EvalClassifier, accuracy, batched, train_classifier
from memgan_bench.evaluation.modes import ModeClassifier
from memgan_bench.method import cycled_labels
from memgan_bench.metrics.continual import summary
from memgan_bench.metrics.coverage import class_coverage
from memgan_bench.metrics.fidelity import compute_fidelity
from memgan_bench.metrics.forgetting import ForgettingTracker
from memgan_bench.plugin import Plugin
from memgan_bench.plugins.d_forgetting import add_class_probes
from memgan_bench.registry import PLUGINS


def task_classes(experiences) -> list[tuple[int, ...]]:
    """The classes first seen in each experience (equal to ``classes`` unless the stream is cumulative)."""
    out, before = [], set()
    for experience in experiences:
        out.append(tuple(c for c in experience.seen_classes if c not in before))
        before |= set(experience.seen_classes)
    return out


def score_matrix(rows: dict[int, list[float]], i: int) -> np.ndarray:
    """(i+1)×(i+1) matrix R[l, j] from per-experience rows, NaN above the diagonal."""
    R = np.full((i + 1, i + 1), np.nan)
    for l in range(i + 1):
        R[l, : l + 1] = rows[l][: l + 1]
    return R


def conditional_accuracy(method, classifier, classes, n: int) -> dict[int, float]:
    """Per class c: the share of n samples G(z, c) the classifier assigns to c."""
    labels = torch.tensor(classes).repeat_interleave(n)
    predicted = batched(classifier.predict, method.sample(len(labels), labels), device=method.device)
    hits = (predicted == labels).float().view(len(classes), n).mean(dim=1)
    return dict(zip(classes, hits.tolist()))


@PLUGINS.register("continual_eval")
class ContinualEval(Plugin):
    @dataclass
    class Config(ClassifierConfig):
        samples_per_class: int = field(default=200, metadata={"min": 1})
        fid_samples: int = field(default=1000, metadata={"min": 0})  # 0: no FID/KID/histogram
        fid_samples_per_task: int = field(default=500, metadata={"min": 0})  # 0: no per-task FID
        reverse_samples_per_class: int = field(default=500, metadata={"min": 0})  # 0: no reverse accuracy
        reverse_steps: int = field(default=300, metadata={"min": 1})  # SGD steps of the reverse classifier
        probe_per_class: int = field(default=200, metadata={"min": 0})  # 0: no discriminator probes

    def __init__(self, cfg):
        super().__init__(cfg)
        self.classifier: Optional[EvalClassifier | ModeClassifier] = None
        self.tracker = ForgettingTracker()
        self.rows: dict[str, dict[int, list[float]]] = {"acc": {}, "fid": {}}

    def before_training(self, ctx) -> None:
        if self.classifier is None:
            self.classifier = self.cfg.load_classifier(ctx)
        if isinstance(self.classifier, ModeClassifier) and (self.cfg.fid_samples_per_task
                                                            or self.cfg.reverse_samples_per_class):
            raise UserError("continual_eval on a 2-D mixture scores modes exactly and has no image features: "
                            "set fid_samples_per_task and reverse_samples_per_class to 0")
        self.classifier.to(ctx.device).eval()

    def before_experience(self, ctx) -> None:
        if not self.cfg.probe_per_class:
            return
        add_class_probes(self.tracker, ctx, task_classes(ctx.experiences)[ctx.experience.index],
                         self.cfg.probe_per_class)

    def evaluate(self, ctx) -> None:
        experience = ctx.experience
        if ctx.step != (experience.index + 1) * ctx.cfg.train.steps:
            return  # only at experience ends
        tasks = task_classes(ctx.experiences)[: experience.index + 1]
        values: dict[str, float] = {}
        if ctx.method.conditional:
            values.update(self.accuracy_matrix(ctx, tasks))
            if self.cfg.reverse_samples_per_class:
                values["cl/reverse_acc"] = self.reverse_accuracy(ctx)
            if self.cfg.fid_samples_per_task:
                values.update(self.fid_matrix(ctx, tasks))
        if self.cfg.fid_samples:
            values.update(self.fidelity_and_histogram(ctx, tasks))
        if self.cfg.probe_per_class:
            values.update(self.discriminator_forgetting(ctx, tasks))
        ctx.record(values)

    # --- the measurements --------------------------------------------------------------------------
    def accuracy_matrix(self, ctx, tasks) -> dict[str, float]:
        seen = [c for task in tasks for c in task]
        per_class = conditional_accuracy(ctx.method, self.classifier, seen, self.cfg.samples_per_class)
        row = [float(np.mean([per_class[c] for c in task])) for task in tasks]
        return {**{f"cl/acc/class_{c}": v for c, v in per_class.items()},
                **{f"cl/acc/task_{j}": v for j, v in enumerate(row)},
                **self.summaries("acc", row, ctx.experience.index, higher_is_better=True)}

    def fid_matrix(self, ctx, tasks) -> dict[str, float]:
        row = []
        for task in tasks:
            n = self.cfg.fid_samples_per_task
            samples = ctx.method.sample(n, cycled_labels(task, n))
            real = ctx.test_data.of_classes(task).images
            row.append(compute_fidelity(samples, real, self.classifier, metrics=("fid",), device=ctx.device)["fid"])
        return {**{f"cl/fid/task_{j}": v for j, v in enumerate(row)},
                **self.summaries("fid", row, ctx.experience.index, higher_is_better=False)}

    def summaries(self, name: str, row: list[float], i: int, higher_is_better: bool) -> dict[str, float]:
        self.rows[name][i] = row
        stats = summary(score_matrix(self.rows[name], i), i, higher_is_better)
        return {f"cl/{name}_{'avg' if key == 'average' else key}": v for key, v in stats.items()}

    def reverse_accuracy(self, ctx) -> float:
        seen = list(ctx.experience.seen_classes)
        labels = torch.tensor(seen).repeat_interleave(self.cfg.reverse_samples_per_class)
        samples = ctx.method.sample(len(labels), labels)
        student = EvalClassifier("tiny", samples.shape[1], ctx.train_data.num_classes)
        batch = min(128, len(labels))
        epochs = math.ceil(self.cfg.reverse_steps / (len(labels) // batch))
        with torch.enable_grad():
            train_classifier(student, samples, labels, epochs, ctx.cfg.seed, ctx.device, progress=False,
                             batch_size=batch)
        return accuracy(student, ctx.experience.test.images, ctx.experience.test.labels, ctx.device)

    def fidelity_and_histogram(self, ctx, tasks) -> dict[str, float]:
        samples = ctx.method.sample(self.cfg.fid_samples)
        values = {}
        if not isinstance(self.classifier, ModeClassifier):  # FID/KID need image features
            scores = compute_fidelity(samples, ctx.experience.test.images, self.classifier, metrics=("fid", "kid"),
                                      device=ctx.device)
            values = {"cl/fid": scores["fid"], "cl/kid": scores["kid_mean"]}
        share = class_coverage(samples, self.classifier, ctx.test_data.labels, device=ctx.device)["class_share"]
        seen, current = [c for t in tasks for c in t], tasks[-1]
        values.update({f"cl/share/class_{c}": share[c] for c in range(len(share))})
        values["cl/seen_coverage"] = float(np.mean([share[c] >= 0.1 / len(seen) for c in seen]))
        values["cl/share_current"] = float(sum(share[c] for c in current))
        values["cl/share_past"] = float(sum(share[c] for c in seen if c not in current))
        return values

    def discriminator_forgetting(self, ctx, tasks) -> dict[str, float]:
        rows = self.tracker.evaluate(ctx.method.discriminate, ctx.step, device=ctx.device)
        past = {f"real_c{c}": c for task in tasks[:-1] for c in task}
        values = {}
        for row in rows:
            if row["probe"] in past:
                values[f"cl/d_acc/class_{past[row['probe']]}"] = row["acc"]
                values[f"cl/d_forgetting/class_{past[row['probe']]}"] = row["forgetting"]
        if past:
            values["cl/d_acc_past"] = float(np.mean([r["acc"] for r in rows if r["probe"] in past]))
            values["cl/d_forgetting_past"] = float(np.mean([r["forgetting"] for r in rows if r["probe"] in past]))
        return values

    # --- state ------------------------------------------------------------------------------------
    def state_dict(self) -> dict:
        return {"tracker": self.tracker.state_dict(), "rows": self.rows}

    def load_state_dict(self, state: dict) -> None:
        self.tracker.load_state_dict(state.get("tracker", {}))
        self.rows = state.get("rows", {"acc": {}, "fid": {}})
