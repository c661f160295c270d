import pandas as pd

from reports import load_runs, write_report
from reports.tables import summary_table


def write_run(path, seed, values, status="finished"):
    path.mkdir(parents=True)
    rows = [dict(run_id=path.name, method="m", scenario="unsupervised", dataset="d", seed=seed, step=step,
                 experience=0, metric="fid", value=value) for step, value in values]
    pd.DataFrame(rows).to_csv(path / "results.csv", index=False)
    (path / "status").write_text(status + "\n")


def test_table_takes_final_values_and_aggregates_seeds(tmp_path):
    write_run(tmp_path / "a", 0, [(10, 50.0), (20, 10.0)])
    write_run(tmp_path / "b", 1, [(10, 40.0), (20, 14.0)])
    df = load_runs([tmp_path])
    table = summary_table(df)
    assert len(table) == 1
    assert table.loc[0, "fid"] == "12 ± 2.8 (n=2)"
    assert table.loc[0, "runs"] == 2
    written = write_report(df, tmp_path / "report")
    assert {p.name for p in written} >= {"table.csv", "table.md", "curves.png"}


def test_headline_keeps_scores_and_drops_detail_rows():
    from reports.tables import headline

    metrics = ["fid", "is_mean", "loss/d_loss", "cl/acc/e0", "class_share/3", "d_forgetting/acc/s100",
               "d_forgetting/mean_forgetting"]
    kept = headline(pd.DataFrame({"metric": metrics}))["metric"].tolist()
    assert kept == ["fid", "is_mean", "d_forgetting/mean_forgetting"]


def test_configs_of_one_method_are_separate_rows_and_seeds_are_averaged(tmp_path):
    """Ablations (same method, different config) must not be averaged as if they were seeds."""
    import yaml

    for variant, update in (("full", "em"), ("no-em", "kaiser")):
        for seed, fid in ((0, 10.0), (1, 12.0)):
            run = tmp_path / f"{variant}-s{seed}"
            write_run(run, seed, [(5, fid + (update == "kaiser"))])
            config = {"method": "m", "model": {"update": update, "k": 8}, "seed": seed, "device": "cpu"}
            (run / "config.yaml").write_text(yaml.safe_dump(config))
    table = summary_table(load_runs([tmp_path])).set_index("variant")
    assert sorted(table.index) == ["m [model.update=em]", "m [model.update=kaiser]"]
    assert table.loc["m [model.update=em]", "fid"] == "11 ± 1.4 (n=2)"
    assert table.loc["m [model.update=kaiser]", "fid"] == "12 ± 1.4 (n=2)"
    assert (table["runs"] == 2).all()
