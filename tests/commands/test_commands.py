import yaml
from PIL import Image

from memgan_bench.cli import main


def test_list_names_the_registered_pieces(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "dcgan" in out and "fashion-mnist" in out and "unsupervised" in out


def test_run_then_sample_writes_a_grid_and_resume_of_a_finished_run_is_a_no_op(tmp_path, tiny_dcgan_config, capsys):
    config = tmp_path / "c.yaml"
    config.write_text(yaml.safe_dump(tiny_dcgan_config))
    out = tmp_path / "run"
    assert main(["run", "--config", str(config), "--out", str(out)]) == 0
    assert sorted(p.name for p in (out / "samples").iterdir()) == ["exp00_step0000012.png"]
    rows_before = (out / "results.csv").read_text()
    assert main(["run", "--resume", "--out", str(out)]) == 0
    assert (out / "results.csv").read_text() == rows_before
    assert main(["run", "--config", str(config), "--out", str(out)]) == 2
    assert "already holds a run" in capsys.readouterr().err
    assert main(["sample", str(out), "-n", "9", "--out", str(tmp_path / "g.png")]) == 0
    width, height = Image.open(tmp_path / "g.png").size
    assert width == height and width >= 3 * 28
