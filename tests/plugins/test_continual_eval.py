"""The continual evaluation plugin on a stream where what the generator remembers is set by hand."""

from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from torch import nn

from memgan_bench.data.base import DataSpec, ImageData
from memgan_bench.method import GANMethod, LatentSpec
from memgan_bench.plugins.continual_eval import ContinualEval, task_classes
from memgan_bench.registry import SCENARIOS
from memgan_bench.typed import build

K = 3
LEVELS = torch.linspace(-1, 1, K)  # class c = the constant image at LEVELS[c]


def constant_images(labels):
    return LEVELS[labels].view(-1, 1, 1, 1).expand(-1, 1, 8, 8).clone()


class LevelClassifier(nn.Module):
    """Oracle: the class whose level is nearest the image's mean."""

    def predict(self, x):
        return (x.mean(dim=(1, 2, 3))[:, None] - LEVELS.to(x.device)).abs().argmin(dim=1)


class Scripted(GANMethod):
    """G(z, c) = the image of class produces[c]; D(x) = 1 on images of the classes in ``known``."""

    conditional = True

    def __init__(self):
        super().__init__(None, DataSpec((1, 8, 8), K))
        self.register_buffer("produces", torch.arange(K))
        self.register_buffer("known", torch.zeros(K, dtype=torch.bool))

    def latent_spec(self):
        return LatentSpec(2, "normal", (K,))

    def sample_codes(self, n, labels=None):
        return labels.view(n, 1)

    def generate(self, z, codes):
        return constant_images(self.produces[codes[:, 0]])

    def discriminate(self, x):
        return self.known[LevelClassifier().predict(x)].float()


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny nets: threads only contend on the shared 2-core machine
    yield
    torch.set_num_threads(threads)


def stream():
    labels = torch.arange(K).repeat(20)
    data = ImageData("levels", constant_images(labels), labels, [str(c) for c in range(K)])
    cls = SCENARIOS.get("class-incremental")
    return data, cls(build(cls.Config, {"class_order": [2, 0, 1]}), 0).experiences(data, data)


def test_accuracy_matrix_forgetting_reverse_accuracy_and_discriminator_probes():
    data, experiences = stream()
    plugin = ContinualEval(build(ContinualEval.Config, {
        "samples_per_class": 10, "fid_samples": 0, "fid_samples_per_task": 0, "reverse_samples_per_class": 200,
        "reverse_steps": 40, "probe_per_class": 5}))
    plugin.classifier = LevelClassifier()
    method = Scripted()
    records = []
    ctx = SimpleNamespace(cfg=SimpleNamespace(train=SimpleNamespace(steps=10), seed=0), method=method,
                          experiences=experiences, test_data=data, train_data=data, device=torch.device("cpu"),
                          step=0, record=lambda values: records.append(values))
    # exp 0 learns class 2, exp 1 class 0, exp 2 class 1 while G and D forget class 2 (G draws class 0 for it)
    for experience, known, produces in zip(experiences, ([2], [2, 0], [0, 1]), ([0, 1, 2], [0, 1, 2], [0, 1, 0])):
        ctx.experience = experience
        plugin.before_experience(ctx)
        ctx.step += 10
        method.known[:] = False
        method.known[known] = True
        method.produces[:] = torch.tensor(produces)
        plugin.evaluate(ctx)
    assert [set(r) >= {"cl/acc_avg", "cl/reverse_acc"} for r in records] == [True] * 3
    last = records[-1]
    assert [last[f"cl/acc/task_{j}"] for j in range(3)] == [0.0, 1.0, 1.0]  # task 0 = class 2, forgotten
    assert last["cl/acc_avg"] == pytest.approx(2 / 3)
    assert last["cl/acc_forgetting_max"] == pytest.approx(0.5) and last["cl/acc_bwt"] == pytest.approx(-0.5)
    assert records[1]["cl/acc_forgetting_max"] == 0.0
    # a classifier trained on the generator's samples: perfect while G is; once G draws class 0 for label 2
    # it never sees a class-2 image, so at most the other two thirds of the real test set are right
    assert records[1]["cl/reverse_acc"] == pytest.approx(1.0)
    assert last["cl/reverse_acc"] <= 2 / 3 + 1e-6
    assert last["cl/d_acc/class_2"] == 0.0 and last["cl/d_forgetting/class_2"] == 1.0
    assert last["cl/d_acc/class_0"] == 1.0 and "cl/d_acc/class_1" not in last  # class 1 is current, not past
    assert last["cl/d_forgetting_past"] == pytest.approx(0.5)
    restored = ContinualEval(plugin.cfg)
    restored.load_state_dict(plugin.state_dict())
    assert restored.rows == plugin.rows and restored.tracker.probes.keys() == plugin.tracker.probes.keys()


def test_evaluations_inside_an_experience_record_nothing():
    data, experiences = stream()
    plugin = ContinualEval(build(ContinualEval.Config, {"fid_samples": 0, "reverse_samples_per_class": 0}))
    records = []
    ctx = SimpleNamespace(cfg=SimpleNamespace(train=SimpleNamespace(steps=10)), experience=experiences[0], step=5,
                          record=records.append)
    plugin.evaluate(ctx)
    assert records == []


def test_task_classes_of_a_cumulative_stream_are_the_new_classes():
    cls = SCENARIOS.get("class-incremental")
    data, _ = stream()
    cumulative = cls(build(cls.Config, {"class_order": [2, 0, 1], "cumulative": True}), 0).experiences(data, data)
    assert task_classes(cumulative) == [(2,), (0,), (1,)]


def test_a_stream_over_a_mixtures_modes_is_scored_by_nearest_mode(tmp_path, capsys):
    """The main job's ring8 stream, 4 experiences of 6 steps: every seen mode gets an accuracy in [0, 1]
    after every experience (none before it arrives), and image-only measurements are refused in one line."""
    import yaml

    from memgan_bench.cli import main
    from memgan_bench.results import read_rows

    config = str(Path(__file__).resolve().parents[2] / "configs" / "main" / "stream" / "stream-sft.yaml")
    short = ["--set", "device=cpu", "--set", "train.steps=6", "--set", "train.log_every=6",
             "--set", "train.checkpoint_every=6"]
    assert main(["run", "--config", config, "--out", str(tmp_path / "run"), *short]) == 0
    rows = read_rows(tmp_path / "run" / "results.csv")
    scenario = yaml.safe_load(open(config))["scenario"]
    order, per = scenario["class_order"], scenario["classes_per_experience"]
    for experience in range(len(order) // per):
        seen = {f"cl/acc/class_{c}" for c in order[: per * (experience + 1)]}
        logged = {r["metric"]: float(r["value"]) for r in rows
                  if r["metric"].startswith("cl/acc/class_") and int(r["experience"]) == experience}
        assert set(logged) == seen and all(0 <= v <= 1 for v in logged.values())
    assert main(["run", "--config", config, "--out", str(tmp_path / "refused"), *short,
                 "--set", "plugins.continual_eval.reverse_samples_per_class=10"]) == 2
    assert "set fid_samples_per_task and reverse_samples_per_class to 0" in capsys.readouterr().err
