"""``sweep`` writes its report with the function ``report`` uses, and passes it the same options."""

import shutil

import yaml

from memgan_bench.cli import main
from memgan_bench.registry import REPORTS


def test_sweep_and_report_call_one_writer_with_the_same_options(tmp_path, finished_tiny_run, tiny_dcgan_config,
                                                                monkeypatch, capsys):
    calls = []

    def writer(paths, out, **options):
        calls.append(([str(p) for p in paths], str(out), options))
        out.mkdir(parents=True, exist_ok=True)
        (out / "table.md").write_text("| table |\n")
        (out / "statistics.csv").write_text("setting,variant,metric,n,mean,ci_low,ci_high,best,significant,reference\n")
        return []

    REPORTS.names()  # discover first, so the stand-in is not overwritten
    monkeypatch.setitem(REPORTS._items, "report", writer)
    config = tmp_path / "tiny.yaml"
    config.write_text(yaml.safe_dump(tiny_dcgan_config))
    out = tmp_path / "out"
    shutil.copytree(finished_tiny_run, out / f"tiny-s{tiny_dcgan_config['seed']}")  # finished: nothing trains
    options = ["--ci", "bootstrap", "--reference", "dcgan"]
    assert main(["sweep", str(config), "--out", str(out), "--resume", *options]) == 0
    assert main(["report", str(out), *options]) == 0
    assert calls == [([str(out)], str(out / "report"), {"ci": "bootstrap", "reference": ("dcgan",)})] * 2
    assert capsys.readouterr().out.count("| table |") == 2
