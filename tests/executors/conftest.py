import hashlib

import pytest
import torch
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


@pytest.fixture(autouse=True)
def one_thread():
    """Executors run each run with one thread (``--threads-per-run 1``); a reference trained in this process
    must too, or its float reductions differ in the last bits."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def run_outcome():
    """``run_outcome(run_dir)``: (status, row count, digest of the result rows, digest of the final
    parameters) of a run, for comparing runs: equal digests mean bit-identical rows and parameters, and a
    mismatch prints in one line (pytest's diff of the full lists takes minutes)."""

    def digest(obj) -> str:
        return hashlib.sha256(repr(obj).encode()).hexdigest()[:16]

    def outcome(run_dir):
        state = load_checkpoint(run_dir / "checkpoints" / "last.pt")
        rows = read_rows(run_dir / "results.csv")
        params = {key: value.tolist() for key, value in state["method"]["modules"].items()}
        return run_dir.joinpath("status").read_text().strip(), len(rows), digest(rows), digest(params)

    return outcome
