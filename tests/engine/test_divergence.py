"""A NaN loss marks the run diverged, stops it cleanly and keeps its rows; a sweep goes on."""

from dataclasses import dataclass

import pandas as pd
import pytest
import torch
import yaml

from memgan_bench.cli import main
from memgan_bench.config import resolve
from memgan_bench.engine.trainer import train
from memgan_bench.registry import METHODS
from methods.dcgan import DCGAN


class NanAfterFive(DCGAN):
    """DCGAN whose reported loss becomes NaN from its 6th step on (a counter buffer, no host sync)."""

    @dataclass
    class Config(DCGAN.Config):
        pass

    def __init__(self, cfg, spec):
        super().__init__(cfg, spec)
        self.register_buffer("steps", torch.zeros((), dtype=torch.long))

    def train_step(self, batch):
        losses = super().train_step(batch)
        self.steps += 1
        poison = torch.where(self.steps > 5, torch.tensor(float("nan")), torch.tensor(0.0))
        return {**losses, "loss/d_loss": losses["loss/d_loss"] + poison}


@pytest.fixture(autouse=True)
def nan_method(scoped_registries):
    METHODS.register("test-nan-after-5")(NanAfterFive)


def test_nan_marks_run_diverged_and_keeps_rows(tmp_path, tiny_dcgan_config):
    cfg = resolve(dict(tiny_dcgan_config, method="test-nan-after-5",
                       train=dict(tiny_dcgan_config["train"], steps=20, log_every=4)))
    run = train(cfg, tmp_path / "run", progress=False)
    assert run.status() == "diverged"
    rows = pd.read_csv(run.results)
    assert rows[rows.metric == "loss/d_loss"].step.tolist() == [4, 8]
    assert rows[rows.metric == "diverged"].step.tolist() == [8]
    assert rows.step.max() == 8, "training stopped at the first log point that saw the NaN"


def test_sweep_goes_on_after_a_diverged_run(tmp_path, tiny_dcgan_config, capsys):
    # sweep runs train in fresh processes, which know only the shipped methods: a learning rate of 1e30
    # overflows DCGAN's weights in its first Adam steps, so its first log row (step 4) is NaN
    configs = tmp_path / "configs"
    configs.mkdir()
    overflowing = dict(tiny_dcgan_config["model"], lr=1e30)
    (configs / "a_nan.yaml").write_text(yaml.safe_dump(dict(tiny_dcgan_config, model=overflowing)))
    (configs / "b_ok.yaml").write_text(yaml.safe_dump(tiny_dcgan_config))
    assert main(["sweep", str(configs), "--out", str(tmp_path / "sweep")]) == 0
    assert (tmp_path / "sweep" / "a_nan-s3" / "status").read_text().strip() == "diverged"
    assert (tmp_path / "sweep" / "b_ok-s3" / "status").read_text().strip() == "finished"
    table = pd.read_csv(tmp_path / "sweep" / "report" / "table.csv")
    assert sorted(table.status) == ["diverged", "finished"]
    diverged_rows = (tmp_path / "sweep" / "a_nan-s3" / "results.csv").read_text()
    assert main(["sweep", str(configs), "--out", str(tmp_path / "sweep"), "--resume"]) == 0
    assert "0 to run" in capsys.readouterr().err, "finished and diverged runs are final"
    assert (tmp_path / "sweep" / "a_nan-s3" / "results.csv").read_text() == diverged_rows
