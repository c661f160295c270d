"""Killing a run mid-way and resuming it gives bit-identical final parameters and result rows (CPU)."""

import os
import signal
import subprocess
import sys
import time

import torch
import yaml

from memgan_bench.engine.checkpoint import load_checkpoint


def start(config_path, out, *extra):
    cmd = [sys.executable, "-m", "memgan_bench.cli", "run", "--config", str(config_path), "--out", str(out), *extra]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def final_modules(out):
    return load_checkpoint(out / "checkpoints" / "last.pt")["method"]


def test_resume_after_kill_matches_uninterrupted_run_bit_for_bit(tmp_path, tiny_dcgan_config):
    # log windows of 15 steps span the checkpoints every 10: the resumed run must average the same steps
    config = dict(tiny_dcgan_config, train=dict(tiny_dcgan_config["train"], steps=150, checkpoint_every=10,
                                                 log_every=15, eval_every=30))
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(config))

    reference = start(path, tmp_path / "full")
    assert reference.wait(timeout=300) == 0, reference.stderr.read().decode()

    victim = start(path, tmp_path / "killed")
    checkpoint = tmp_path / "killed" / "checkpoints" / "last.pt"
    deadline = time.time() + 120
    while not checkpoint.exists() and time.time() < deadline:
        time.sleep(0.005)
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()
    killed_at = load_checkpoint(checkpoint)["step"]
    assert 0 < killed_at < 150, "the run must have been interrupted mid-way"
    assert (tmp_path / "killed" / "status").read_text().strip() == "running"

    resumed = start(path, tmp_path / "killed", "--resume")
    assert resumed.wait(timeout=300) == 0, resumed.stderr.read().decode()
    assert (tmp_path / "killed" / "status").read_text().strip() == "finished"

    full, again = final_modules(tmp_path / "full"), final_modules(tmp_path / "killed")
    assert full["modules"].keys() == again["modules"].keys()
    for key, value in full["modules"].items():
        assert torch.equal(value, again["modules"][key]), key
    for name, opt in full["optimizers"].items():
        for index, slot in opt["state"].items():
            for key, value in slot.items():
                assert torch.equal(value, again["optimizers"][name]["state"][index][key]), (name, index, key)

    rows = lambda d: [line.split(",")[5:] for line in (d / "results.csv").read_text().splitlines()[1:]]
    assert rows(tmp_path / "full") == rows(tmp_path / "killed"), "no row lost or duplicated by the kill"
