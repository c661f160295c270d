"""A 3-config × 2-seed sweep gives identical run directories under the local pool (P = 2), a local Ray
cluster and submitit's local executor; a submitit job that reaches its time limit is requeued and resumes."""

import sys

import pytest

from memgan_bench.cli import main

SEEDS = ["--seeds", "0", "1"]
EXECUTORS = {
    "local": ["--executor", "local", "--max-parallel", "2"],
    "ray": ["--executor", "ray", "--max-parallel", "2"],
    "slurm": ["--executor", "slurm", "--slurm-cluster", "local", "--max-parallel", "2"],
}


@pytest.mark.slow
def test_every_executor_gives_the_same_run_directories(tmp_path, write_configs, run_outcome):
    for package in ("ray", "submitit"):
        pytest.importorskip(package)
    configs = write_configs(3)
    outcomes = {}
    for name, options in EXECUTORS.items():
        out = tmp_path / name
        assert main(["sweep", str(configs), *SEEDS, "--out", str(out), *options]) == 0, name
        outcomes[name] = {run: run_outcome(out / run) for run in (f"c{c}-s{s}" for c in range(3) for s in (0, 1))}
    assert outcomes["ray"] == outcomes["local"]
    assert outcomes["slurm"] == outcomes["local"]
    assert all((tmp_path / "slurm" / run / "job_id").read_text().strip() for run in outcomes["slurm"])


@pytest.mark.slow
def test_a_timed_out_submitit_job_is_requeued_and_resumes_from_its_checkpoint(tmp_path, tiny_dcgan_config,
                                                                              run_outcome):
    pytest.importorskip("submitit")
    import yaml

    # long enough that the first attempt cannot finish in the 8 s before its USR2 (time limit 15 s, signal
    # 7 s before it); every attempt resumes from the last checkpoint (every 25 steps)
    config = dict(tiny_dcgan_config, train=dict(tiny_dcgan_config["train"], steps=600, log_every=25,
                                                 checkpoint_every=25, sample_grid=0))
    (tmp_path / "long.yaml").write_text(yaml.safe_dump(config))
    common = [str(tmp_path / "long.yaml"), "--executor", "slurm", "--slurm-cluster", "local"]
    assert main([*common, "--out", str(tmp_path / "reference")]) == 0
    assert main([*common, "--out", str(tmp_path / "requeued"), "--slurm-time-min", "0.25",
                 "--slurm-signal-delay-s", "7", "--slurm-requeues", "20"]) == 0
    job_id = (tmp_path / "requeued" / "long-s3" / "job_id").read_text().strip()
    log = next((tmp_path / "requeued" / ".submitit").glob(f"{job_id}_0_log.err")).read_text()
    assert "Requeued job" in log, log
    assert run_outcome(tmp_path / "requeued" / "long-s3") == run_outcome(tmp_path / "reference" / "long-s3")


def test_an_executor_whose_package_is_missing_names_the_extra(tmp_path, tiny_dcgan_config, monkeypatch, capsys):
    for name, package in (("ray", "ray"), ("slurm", "submitit")):
        monkeypatch.setitem(sys.modules, package, None)  # import fails as if not installed
        monkeypatch.delitem(sys.modules, f"memgan_bench.executors.{'ray_tasks' if name == 'ray' else name}",
                            raising=False)
        assert main(["sweep", "nonexistent.yaml", "--out", str(tmp_path), "--executor", name]) == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and f"pip install 'memgan-bench[{name}]'" in err, err


def test_a_ray_request_no_node_can_meet_fails_at_once(tmp_path, write_configs, capsys):
    pytest.importorskip("ray")
    configs = write_configs(1)
    assert main(["sweep", str(configs), "--out", str(tmp_path / "out"), "--executor", "ray",
                 "--cpus-per-run", "1000"]) == 2
    err = capsys.readouterr().err
    assert "no Ray node offers 1000 CPU and 0 GPU per run" in err.strip().splitlines()[-1], err
    assert not (tmp_path / "out" / "c0-s3" / "results.csv").exists()
