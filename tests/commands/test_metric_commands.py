import csv

import pytest

from memgan_bench.cli import main


@pytest.fixture
def tiny(monkeypatch, tiny_classifier, tmp_path):
    import memgan_bench.evaluation.classifier as classifier

    monkeypatch.setenv("MEMGAN_BENCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(classifier, "load_or_train_classifier", lambda *args, **kwargs: tiny_classifier)
    return tiny_classifier


def test_classifier_command_prints_identity_and_accuracy(tiny, capsys):
    assert main(["classifier", "--dataset", "fashion-mnist", "--arch", "tiny"]) == 0
    assert capsys.readouterr().out.strip() == f"{tiny.identity}\ttest_accuracy={tiny.test_accuracy:.4f}"


def test_classifier_command_unknown_dataset_is_one_line_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MEMGAN_BENCH_CACHE", str(tmp_path))
    assert main(["classifier", "--dataset", "no-such-data"]) == 2
    err = capsys.readouterr().err.strip()
    assert "unknown dataset 'no-such-data'" in err and len(err.splitlines()) == 1


@pytest.mark.parametrize("command", ["classifier", "real"])
def test_metric_commands_refuse_an_unknown_device_in_one_line(command, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MEMGAN_BENCH_CACHE", str(tmp_path))
    assert main([command, "--dataset", "fashion-mnist", "--device", "tpu"]) == 2
    err = capsys.readouterr().err.strip()
    assert "unknown device 'tpu'" in err and len(err.splitlines()) == 1


def test_real_command_scores_the_ceiling_and_writes_rows(tiny, tmp_path, capsys):
    out = tmp_path / "real"
    assert main(["real", "--dataset", "fashion-mnist", "--num-samples", "400", "--device", "cpu",
                 "--out", str(out)]) == 0
    printed = dict(line.split() for line in capsys.readouterr().out.strip().splitlines())
    assert float(printed["is_mean"]) > 2.5 and float(printed["fid"]) < 1.0
    assert printed["classes_covered"] == "10"
    with open(out / "results.csv") as handle:
        rows = {row["metric"]: row for row in csv.DictReader(handle)}
    assert rows["classifier_test_acc"]["method"] == "real"
    assert float(rows["classifier_test_acc"]["value"]) == pytest.approx(tiny.test_accuracy)
    assert main(["real", "--dataset", "fashion-mnist", "--out", str(out)]) == 2  # refuses to overwrite


def test_real_command_missing_inception_weights(tiny, capsys):
    assert main(["real", "--dataset", "fashion-mnist", "--num-samples", "20", "--device", "cpu",
                 "--inception-weights", "/nonexistent.pth"]) == 2
    assert "inception weights file not found" in capsys.readouterr().err


def test_real_command_on_a_2d_mixture_reports_mode_coverage(capsys):
    assert main(["real", "--dataset", "ring8", "--num-samples", "2500"]) == 0
    printed = dict(line.split() for line in capsys.readouterr().out.strip().splitlines())
    assert printed["modes_covered"] == "8" and float(printed["high_quality"]) > 0.98
    assert float(printed["reverse_kl"]) < 0.01  # multinomial noise: E KL ≈ (K − 1) / 2N = 0.0014
