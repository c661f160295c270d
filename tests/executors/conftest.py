import pytest
import yaml

from memgan_bench.engine.checkpoint import load_checkpoint
from memgan_bench.results import read_rows


@pytest.fixture
def write_configs(tmp_path, tiny_dcgan_config):
    """``write_configs(n)``: n tiny DCGAN configs (distinct widths) in one folder; returns the folder."""

    def write(count):
        folder = tmp_path / "configs"
        folder.mkdir(exist_ok=True)
        for index in range(count):
            model = dict(tiny_dcgan_config["model"], width=8 + 4 * index)
            (folder / f"c{index}.yaml").write_text(yaml.safe_dump(dict(tiny_dcgan_config, model=model)))
        return folder

    return write


@pytest.fixture
def run_outcome():
    """``run_outcome(run_dir)``: (status, result rows, final parameters) of a run, for comparing runs."""

    def outcome(run_dir):
        state = load_checkpoint(run_dir / "checkpoints" / "last.pt")
        return (run_dir.joinpath("status").read_text(), read_rows(run_dir / "results.csv"),
                {key: value.tolist() for key, value in state["method"]["modules"].items()})

    return outcome
