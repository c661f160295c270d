import math
import re

import pandas as pd
import pytest
import yaml

from memgan_bench.errors import UserError
from reports import ReportOptions, load_runs, resolve_reference, write_report
from reports.tables import half_width, headline, statistics, summary_table, write_tables


def write_run(path, seed, values, method="m", status="finished", dataset="d", config=None):
    """A run directory whose results.csv holds ``values``: metric -> [(step, value), ...]."""
    path.mkdir(parents=True)
    rows = [dict(run_id=path.name, method=method, scenario="unsupervised", dataset=dataset, seed=seed, step=step,
                 experience=0, metric=metric, value=value)
            for metric, points in values.items() for step, value in points]
    pd.DataFrame(rows).to_csv(path / "results.csv", index=False)
    (path / "status").write_text(status + "\n")
    if config is not None:
        (path / "config.yaml").write_text(yaml.safe_dump({"method": method, "seed": seed, **config}))


def test_cells_are_final_values_with_t_intervals_over_seeds(tmp_path):
    write_run(tmp_path / "a", 0, {"fid": [(10, 50.0), (20, 10.0)]})
    write_run(tmp_path / "b", 1, {"fid": [(10, 40.0), (20, 14.0)]})
    df = load_runs([tmp_path])
    stat = statistics(df).iloc[0]
    # final values 10 and 14: mean 12, s = 2 sqrt 2, half-width t_{0.975,1} s / sqrt 2 = 12.7062 * 2
    assert (stat["n"], stat["mean"]) == (2, 12.0)
    assert stat["ci_high"] - stat["mean"] == pytest.approx(2 * 12.7062, abs=1e-3)
    table = summary_table(df)
    assert table.loc[0, "FID ↓"] == "12 ± 25" and table.loc[0, "n"] == 2  # one variant: nothing bold
    written = write_report(df, tmp_path / "report")
    assert {p.name for p in written} >= {"table.csv", "table.md", "table_d_unsupervised.md",
                                          "table_d_unsupervised.tex", "index.html"}


def test_best_mean_per_column_is_bold_by_direction(tmp_path):
    # a: lower FID (better), lower IS (worse); b the opposite.
    for variant, fid, inception in (("a", 10.0, 2.0), ("b", 20.0, 5.0)):
        for seed in (0, 1):
            write_run(tmp_path / f"{variant}{seed}", seed, {"fid": [(5, fid + seed)], "is_mean": [(5, inception + seed)]},
                      method=variant)
    table = summary_table(load_runs([tmp_path])).set_index("Method")
    assert list(table.columns) == ["setting", "n", "FID ↓", "IS ↑"]
    assert table.loc["a", "FID ↓"].startswith("**") and not table.loc["b", "FID ↓"].startswith("**")
    assert table.loc["b", "IS ↑"].startswith("**") and not table.loc["a", "IS ↑"].startswith("**")


def test_dagger_marks_variants_that_differ_from_the_reference_after_holm(tmp_path):
    values = {"ref": [10.0, 10.1, 9.9], "far": [20.0, 20.1, 19.9], "near": [10.0, 10.2, 9.9]}
    for method, fids in values.items():
        for seed, fid in enumerate(fids):
            write_run(tmp_path / f"{method}{seed}", seed, {"fid": [(5, fid)]}, method=method)
    df = load_runs([tmp_path])
    options = ReportOptions(reference="ref")
    stats = statistics(df, options).set_index("variant")
    # two comparisons: Holm doubles the smaller p (far: p ~ 1e-5) and leaves the larger (near)
    assert stats.loc["far", "p_holm"] == pytest.approx(min(1.0, 2 * stats.loc["far", "p"]))
    assert stats.loc["near", "p_holm"] == pytest.approx(stats.loc["near", "p"])
    assert bool(stats.loc["far", "significant"]) and not stats.loc["near", "significant"]
    assert math.isnan(stats.loc["ref", "p"])
    table = summary_table(df, options).set_index("Method")
    assert table.loc["far", "FID ↓"].endswith("†") and not table.loc["near", "FID ↓"].endswith("†")
    assert "ref (ref.)" in table.index
    parts = write_tables(df, tmp_path / "report", options)
    note = parts[0].notes[0]
    assert "Welch's t-test" in note and "Holm-corrected across the 2 variants" in note
    tex = (tmp_path / "report" / "table_d_unsupervised.tex").read_text()
    assert r"\toprule" in tex and r"\textbf{10 $\pm$ 0.25}" in tex and r"$^\dagger$" in tex
    assert r"FID $\downarrow$" in tex


def test_bootstrap_cells_show_the_interval(tmp_path):
    write_run(tmp_path / "a", 0, {"fid": [(5, 0.0)]})
    write_run(tmp_path / "b", 1, {"fid": [(5, 1.0)]})
    table = summary_table(load_runs([tmp_path]), ReportOptions(ci="bootstrap"))
    assert table.loc[0, "FID ↓"] == "0.5 [0, 1]"


def test_half_width_is_no_finer_than_the_mean():
    assert half_width(45.5, 2.63) == "2.6" and half_width(1.02, 0.0172) == "0.017"
    assert half_width(0.11, 1.2e-8) == "0" and half_width(0.0, 0.0123) == "0.012"


def test_unknown_reference_is_a_user_error(tmp_path):
    write_run(tmp_path / "a", 0, {"fid": [(5, 1.0)]}, method="dcgan")
    with pytest.raises(UserError, match="--reference 'wgan' is no variant"):
        write_report(load_runs([tmp_path]), tmp_path / "report", ReportOptions(reference="wgan"))
    assert not (tmp_path / "report").exists()


def test_headline_keeps_named_scores_and_drops_losses_diagnostics_and_detail_rows():
    metrics = ["fid", "is_mean", "loss/d_loss", "diag/d_real", "cl/acc/e0", "class_share/3", "d_forgetting/acc/s100",
               "d_forgetting/mean_forgetting", "is_std"]
    kept = headline(pd.DataFrame({"metric": metrics}))["metric"].tolist()
    assert kept == ["fid", "is_mean", "d_forgetting/mean_forgetting"]


def test_configs_of_one_method_are_separate_rows_and_seeds_are_averaged(tmp_path):
    """Ablations (same method, different config) must not be averaged as if they were seeds."""
    for variant, update in (("full", "em"), ("no-em", "kaiser")):
        for seed, fid in ((0, 10.0), (1, 12.0)):
            write_run(tmp_path / f"{variant}-s{seed}", seed, {"fid": [(5, fid + (update == "kaiser"))]},
                      config={"model": {"update": update, "k": 8}, "device": "cpu"})
    table = summary_table(load_runs([tmp_path])).set_index("Method")
    assert sorted(table.index) == ["m [model.update=em]", "m [model.update=kaiser]"]
    assert table.loc["m [model.update=em]", "FID ↓"] == "**11 ± 13**"
    assert table.loc["m [model.update=kaiser]", "FID ↓"] == "12 ± 13"
    assert (table["n"] == 2).all()


def test_packed_dcgan_is_labelled_pacgan_apart_from_plain_dcgan(tmp_path):
    for pack in (1, 2):
        for seed in (0, 1):
            write_run(tmp_path / f"p{pack}-s{seed}", seed, {"fid": [(5, 10.0 + pack + seed)]}, method="dcgan",
                      config={"model": {"pack": pack, "width": 8}})
    write_run(tmp_path / "plain", 0, {"fid": [(5, 11.0)]}, method="dcgan", config={"model": {"width": 9}})
    df = load_runs([tmp_path])
    assert sorted(df["variant"].unique()) == ["dcgan [model.pack=-, model.width=9]",
                                              "dcgan [model.pack=1, model.width=8]", "pacgan2"]
    table = summary_table(df).set_index("Method")
    assert table.loc["pacgan2", "n"] == 2


def test_memorygan_rows_name_the_paper_text_reading_and_leave_the_authors_code_plain(tmp_path):
    runs = {"off": {"fidelity": "official", "update": "em"}, "pap": {"fidelity": "paper", "update": "em"},
            "pap-no-em": {"fidelity": "paper", "update": "kaiser"}}
    for name, model in runs.items():
        for seed in (0, 1):
            write_run(tmp_path / f"{name}-s{seed}", seed, {"fid": [(5, 10.0 + seed)]}, method="memorygan",
                      config={"model": model})
    df = load_runs([tmp_path])
    assert sorted(df["variant"].unique()) == ["memorygan", "memorygan (paper text) [model.update=em]",
                                              "memorygan (paper text) [model.update=kaiser]"]
    table = summary_table(df, ReportOptions(reference="memorygan")).set_index("Method")
    assert table.loc["memorygan (ref.)", "n"] == 2


def test_index_page_is_self_contained_and_holds_every_setting(tmp_path):
    for dataset in ("d1", "d2"):
        for seed in (0, 1):
            write_run(tmp_path / f"{dataset}-{seed}", seed, {"fid": [(5, 3.0 + seed), (10, 2.0 + seed)],
                                                            "loss/g_loss": [(5, 1.0), (10, 0.5)],
                                                            "diag/d_real": [(5, 0.9), (10, 0.8)]}, dataset=dataset)
    written = write_report(load_runs([tmp_path]), tmp_path / "report")
    page = (tmp_path / "report" / "index.html").read_text()
    sources = re.findall(r'src="([^"]*)"', page)
    pngs = [p for p in written if p.suffix == ".png"]
    assert {p.name for p in pngs} == {f"{kind}_{d}_unsupervised.png" for kind in ("curves", "final", "appendix")
                                       for d in ("d1", "d2")}
    assert len(sources) == len(pngs) and all(s.startswith("data:image/png;base64,") for s in sources)
    assert "<h2>d1 · unsupervised</h2>" in page and "<h2>d2 · unsupervised</h2>" in page
    assert page.count("<table>") == 2


def test_variants_are_told_apart_within_a_setting_only(tmp_path):
    """The same method on two datasets differs in data.name and model size: no label should say so."""
    for dataset, width in (("d1", 8), ("d2", 16)):
        write_run(tmp_path / f"{dataset}", 0, {"fid": [(5, 1.0)]}, dataset=dataset,
                  config={"data": {"name": dataset}, "model": {"width": width}})
    assert set(load_runs([tmp_path])["variant"]) == {"m"}


def test_report_command_options_and_its_one_line_errors(tmp_path, capsys):
    from memgan_bench.cli import main

    for seed in (0, 1):
        write_run(tmp_path / "runs" / f"a{seed}", seed, {"fid": [(5, 10.0 + seed)]}, method="dcgan")
        write_run(tmp_path / "runs" / f"b{seed}", seed, {"fid": [(5, 20.0 + seed)]}, method="wgan")
    assert main(["report", str(tmp_path / "runs"), "--reference", "dcgan", "--ci", "bootstrap"]) == 0
    printed = capsys.readouterr().out
    assert "| dcgan (ref.) | 2 | **10.5 [10, 11]** |" in printed and "differs from dcgan" in printed
    assert (tmp_path / "runs" / "report" / "index.html").exists()
    for bad in (["--reference", "gan"], ["--ci", "normal"]):
        assert main(["report", str(tmp_path / "runs"), *bad]) == 2
        error = capsys.readouterr().err
        assert error.count("\n") == 1 and error.startswith("memgan-bench: error:")


def test_appendix_orders_headline_metrics_other_metrics_losses_then_diagnostics():
    from reports.appendix import appendix_metrics

    metrics = ["diag/d_real", "loss/g_loss", "is_std", "is_mean", "fid", "once"]
    rows = pd.DataFrame([dict(metric=m, step=step) for m in metrics for step in ((5,) if m == "once" else (5, 10))])
    assert appendix_metrics(rows) == ["fid", "is_mean", "is_std", "loss/g_loss", "diag/d_real"]


def test_table_md_holds_every_settings_table_with_or_without_headline_metrics(tmp_path):
    write_run(tmp_path / "a", 0, {"fid": [(5, 50.0)], "loss/d": [(5, 1.0)]}, dataset="fashion-mnist")
    write_run(tmp_path / "b", 0, {"loss/d": [(5, 0.7)]}, dataset="ring8")
    write_run(tmp_path / "c", 0, {"loss/d": [(5, 0.9)], "loss/g": [(5, 2.5)]}, dataset="grid25")
    write_report(load_runs([tmp_path]), tmp_path / "report")
    combined = (tmp_path / "report" / "table.md").read_text()
    titles = re.findall(r"^## (.+)$", combined, flags=re.M)
    assert titles == ["fashion-mnist · unsupervised", "grid25 · unsupervised", "ring8 · unsupervised"]
    for title, part in zip(titles, re.split(r"^## .+$", combined, flags=re.M)[1:]):
        own = (tmp_path / "report" / f"table_{title.replace(' · ', '_')}.md").read_text()
        assert own.split("\n", 2)[2].strip() == part.strip(), title  # the setting's own file, same table
    assert "| m | 1 | FID ↓" not in combined and "| m | 1 | 50 |" in combined  # headline only where there is one
    assert "| m | 1 | 0.9 | 2.5 |" in combined and "| m | 1 | 0.7 |" in combined  # every metric where there is none
    assert combined.count("No headline metric in this setting") == 2


def test_a_run_with_unreadable_files_is_listed_and_left_out_of_the_report(tmp_path, capsys):
    from memgan_bench.cli import main

    write_run(tmp_path / "good", 0, {"fid": [(5, 50.0)]})
    write_run(tmp_path / "junk-status", 1, {"fid": [(5, 10.0)]})
    (tmp_path / "junk-status" / "status").write_bytes(bytes(range(128, 256)))
    write_run(tmp_path / "folder-status", 2, {"fid": [(5, 20.0)]})
    (tmp_path / "folder-status" / "status").unlink()
    (tmp_path / "folder-status" / "status").mkdir()
    write_run(tmp_path / "not-a-status", 3, {"fid": [(5, 30.0)]}, status="rm -rf /")
    assert main(["report", str(tmp_path), "--out", str(tmp_path / "report")]) == 0
    out, err = capsys.readouterr()
    assert sorted(err.strip().splitlines()) == [
        f"report: left out unreadable run {tmp_path / 'folder-status'}: cannot read {tmp_path / 'folder-status' / 'status'}: "
        "Is a directory",
        f"report: left out unreadable run {tmp_path / 'junk-status'}: {tmp_path / 'junk-status' / 'status'} is not UTF-8 "
        "text (byte 0)",
        f"report: left out unreadable run {tmp_path / 'not-a-status'}: {tmp_path / 'not-a-status' / 'status'} holds "
        "'rm -rf /', not a run status (running, finished, diverged, failed)"]
    table = (tmp_path / "report" / "table.md").read_text()
    assert "| m | 1 | 50 |" in table, "the readable run alone"
    left_out = table.split("Left out, unreadable: ")[1]
    assert all(str(tmp_path / name) in left_out for name in ("junk-status", "folder-status", "not-a-status"))


def test_report_on_only_unreadable_runs_is_one_line(tmp_path, capsys):
    from memgan_bench.cli import main

    write_run(tmp_path / "a", 0, {"fid": [(5, 50.0)]})
    (tmp_path / "a" / "status").write_bytes(b"\xff\xfe")
    assert main(["report", str(tmp_path / "a")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == f"memgan-bench: error: {tmp_path / 'a' / 'status'} is not UTF-8 text (byte 0)"


def test_a_damaged_sample_grid_is_one_line_and_an_empty_cell(tmp_path, finished_tiny_run, capsys):
    import shutil

    from memgan_bench.cli import main
    from memgan_bench.rundir import RunDir

    run = tmp_path / "runs" / "tiny"
    shutil.copytree(finished_tiny_run, run)
    last = RunDir(run).sample_grids()[-1][2]
    last.write_bytes(last.read_bytes()[:40])  # a PNG cut short
    assert main(["report", str(tmp_path / "runs"), "--out", str(tmp_path / "report")]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"report: left out cannot read sample grid {last}: "), err
    assert (tmp_path / "report" / "samples_fashion-mnist_unsupervised.png").is_file()


@pytest.mark.parametrize("content", [b"\xff\xfe", b"{not json", b"[1, 2]", b'{"name": "x"}'])
def test_an_unreadable_reproduction_record_is_one_line_and_left_out(tmp_path, capsys, content):
    from memgan_bench.cli import main

    write_run(tmp_path / "runs" / "a", 0, {"fid": [(5, 50.0)]})
    (tmp_path / "runs" / "reproduction.json").write_bytes(content)
    assert main(["report", str(tmp_path / "runs"), "--out", str(tmp_path / "report")]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(
        f"report: left out unreadable reproduction record {tmp_path / 'runs' / 'reproduction.json'}: "), err
    assert "Reproduction" not in (tmp_path / "report" / "index.html").read_text()


def test_several_references_each_setting_takes_the_first_it_has_and_each_must_exist(tmp_path):
    rows = []
    for dataset, variants in (("ring8", ("dcgan", "mgan")), ("stream", ("SFT", "EWC"))):
        for variant in variants:
            for seed, value in enumerate((1.0, 2.0, 3.0)):
                rows.append(dict(run_dir=f"{dataset}-{variant}-{seed}", run_id="r", seed=seed, status="finished",
                                 variant=variant, dataset=dataset, scenario="s", step=1, experience=0,
                                 metric="fid", value=value))
    df = pd.DataFrame(rows)
    assert resolve_reference(df, ("SFT", "dcgan")) == {"ring8 · s": "dcgan", "stream · s": "SFT"}
    assert resolve_reference(df, "dcgan") == {"ring8 · s": "dcgan"}
    with pytest.raises(UserError, match="--reference 'wgan' is no variant"):
        resolve_reference(df, ("dcgan", "wgan"))
