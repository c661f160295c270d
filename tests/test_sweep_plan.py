"""A sweep's plan is refused as a whole, before anything is written or trained, when any run could not
start or two runs would collide."""

import pytest
import yaml

from memgan_bench.cli import main
from memgan_bench.errors import UserError
from memgan_bench.sweep_plan import plan_sweep, write_plan


def write(path, config):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config))
    return str(path)


def refused(capsys, argv, match):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and match in err, err


def test_configs_with_one_file_stem_are_refused(tmp_path, tiny_dcgan_config, capsys):
    a = write(tmp_path / "a" / "dcgan.yaml", tiny_dcgan_config)
    b = write(tmp_path / "b" / "dcgan.yaml", dict(tiny_dcgan_config, seed=4))
    refused(capsys, ["sweep", a, b, "--out", str(tmp_path / "out")], "share a file stem")
    assert not (tmp_path / "out").exists()


def test_a_repeated_seed_is_refused(tmp_path, tiny_dcgan_config, capsys):
    a = write(tmp_path / "a.yaml", tiny_dcgan_config)
    refused(capsys, ["sweep", a, "--seeds", "0", "0", "--out", str(tmp_path / "out")], "--seeds repeats 0")
    assert not (tmp_path / "out").exists()


def test_one_run_name_for_several_seeds_is_refused(tmp_path, tiny_dcgan_config):
    a = write(tmp_path / "a.yaml", dict(tiny_dcgan_config, name="same"))
    with pytest.raises(UserError, match="'same' is given to several runs"):
        plan_sweep([a], tmp_path / "out", [0, 1], [])


@pytest.mark.parametrize("bad, match", [
    ({"method": "memorygan", "model": {"memory_size": 4, "k": 8, "z_dim": 8, "width": 8, "key_dim": 4}},
     "must not exceed model.memory_size"),
    ({"plugins": {"fidelity": {"metrics": ["is", "ppl"]}}}, "plugins.fidelity.metrics"),
    ({"data": {"name": "mnist", "root": "/nonexistent"}}, "mnist not found"),
    ({"scenario": {"name": "class-incremental", "class_order": [0, 11]}}, "outside 0..9"),
    ({"train": {"steps": 0}}, "must be >= 1"),
])
def test_one_bad_config_among_good_ones_stops_the_sweep_before_anything_runs(tmp_path, tiny_dcgan_config, capsys,
                                                                             bad, match):
    good = [write(tmp_path / f"{name}.yaml", tiny_dcgan_config) for name in ("a_good", "c_good")]
    broken = write(tmp_path / "b_bad.yaml", dict(tiny_dcgan_config, **bad))
    refused(capsys, ["sweep", *good, broken, "--out", str(tmp_path / "out")], match)
    assert not (tmp_path / "out").exists(), "nothing written, nothing trained"


def test_plan_writes_every_config_and_refuses_a_changed_one_on_resume(tmp_path, tiny_dcgan_config, capsys):
    a = write(tmp_path / "a.yaml", tiny_dcgan_config)
    plan = plan_sweep([a], tmp_path / "out", [0, 1], [])
    pending = write_plan(plan, resume=False)
    assert [run.path.name for run in pending] == ["a-s0", "a-s1"]
    saved = yaml.safe_load((tmp_path / "out" / "a-s1" / "config.yaml").read_text())
    assert saved["seed"] == 1 and saved["model"]["width"] == 8
    assert write_plan(plan_sweep([a], tmp_path / "out", [0, 1], []), resume=False), "same plan again: accepted"
    refused(capsys, ["sweep", a, "--seeds", "0", "1", "--out", str(tmp_path / "out"), "--set", "model.width=16",
                     "--resume"], "holds a different config")
    (tmp_path / "out" / "a-s0" / "status").write_text("finished\n")
    refused(capsys, ["sweep", a, "--seeds", "0", "1", "--out", str(tmp_path / "out")], "already holds a run")
    assert [run.path.name for run in write_plan(plan, resume=True)] == ["a-s1"], "a finished run is final"
