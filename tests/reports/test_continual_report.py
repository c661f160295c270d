import pandas as pd
import pytest
import yaml

from reports import load_runs
from reports.continual import accuracy_matrix, write_continual
from reports.tables import summary_table


def write_run(path, seed, method, R, plugins=None, cumulative=False, fid=None):
    """A finished run dir whose cl/acc/task_j rows are the lower triangle of R."""
    path.mkdir(parents=True)
    (path / "config.yaml").write_text(yaml.safe_dump({
        "method": method, "plugins": plugins or {}, "seed": seed,
        "scenario": {"name": "class-incremental", "cumulative": cumulative}}))
    base = dict(run_id=path.name, method=method, scenario="class-incremental", dataset="d", seed=seed)
    rows = []
    for i, row in enumerate(R):
        step = 100 * (i + 1)
        rows += [dict(base, step=step, experience=i, metric=f"cl/acc/task_{j}", value=v) for j, v in enumerate(row[: i + 1])]
        rows.append(dict(base, step=step, experience=i, metric="cl/acc_avg", value=sum(row[: i + 1]) / (i + 1)))
        if fid:
            rows.append(dict(base, step=step, experience=i, metric="cl/fid", value=fid[i]))
    rows.append(dict(base, step=100 * len(R), experience=len(R) - 1, metric="loss/g_loss", value=1.0))
    pd.DataFrame(rows).to_csv(path / "results.csv", index=False)
    (path / "status").write_text("finished\n")
    (path / "samples").mkdir()


def test_matrix_table_and_figures_from_run_directories(tmp_path):
    write_run(tmp_path / "sft0", 0, "acgan", [[1.0], [0.2, 0.9]], fid=[30.0, 50.0])
    write_run(tmp_path / "sft1", 1, "acgan", [[0.8], [0.0, 1.0]], fid=[34.0, 54.0])
    write_run(tmp_path / "jt", 0, "acgan", [[1.0], [1.0, 1.0]], cumulative=True, fid=[30.0, 31.0])
    write_run(tmp_path / "ewc", 0, "acgan", [[1.0], [0.5, 1.0]], plugins={"ewc": {"weight": 10.0}})
    df = load_runs([tmp_path])
    assert sorted(df["variant"].unique()) == ["EWC", "JT", "SFT"]  # the MeRGAN paper's names

    R = accuracy_matrix(df[df["variant"] == "SFT"])  # mean over the two seeds
    assert R.loc[0, 0] == pytest.approx(0.9) and R.loc[1, 0] == pytest.approx(0.1) and pd.isna(R.loc[0, 1])

    # final values over seeds: acc (0.55, 0.5), FID (50, 54); half-width t_{0.975,1} * s / sqrt(2) = 12.7062 * |d| / 2
    table = summary_table(df).set_index("Method")
    assert table.loc["SFT", "Final acc. ↑"] == "0.525 ± 0.32"
    assert table.loc["SFT", "FID ↓"] == "52 ± 25"
    assert table.loc["JT", "Final acc. ↑"] == "**1**" and table.loc["SFT", "n"] == 2

    written = {p.name for part in write_continual(df, tmp_path / "report") for p in part.files}
    assert written == {f"{name}_d_class-incremental.png" for name in
                       ("continual_accuracy_matrix", "continual_forgetting", "continual_fid")}


def test_labels_keep_a_hyperparameter_sweep_apart_and_seeds_together(tmp_path):
    for name, seed, weight in [("weak0", 0, 10.0), ("weak1", 1, 10.0), ("strong", 0, 1000.0)]:
        write_run(tmp_path / name, seed, "acgan", [[1.0]], plugins={"ewc": {"weight": weight}})
    write_run(tmp_path / "sft", 0, "acgan", [[1.0]])
    labels = load_runs([tmp_path]).groupby("variant")["run_dir"].nunique()
    assert labels.to_dict() == {"SFT": 1, "EWC [plugins.ewc.weight=10.0]": 2, "EWC [plugins.ewc.weight=1000.0]": 1}


def test_stream_tables_name_methods_as_the_mergan_paper_and_unsupervised_runs_keep_registry_names(tmp_path):
    write_run(tmp_path / "jtr", 0, "mergan-jtr", [[1.0]])
    write_run(tmp_path / "ra", 0, "mergan-ra", [[1.0]], plugins={"ewc": {"weight": 1.0}})
    write_run(tmp_path / "jt", 0, "mergan-ra", [[1.0]], cumulative=True)
    flat = tmp_path / "flat"
    write_run(flat, 0, "acgan", [[1.0]])
    config = yaml.safe_load((flat / "config.yaml").read_text())
    (flat / "config.yaml").write_text(yaml.safe_dump(dict(config, scenario={"name": "unsupervised"})))
    by_dir = load_runs([tmp_path]).groupby("run_dir")["variant"].first()
    assert {p.rsplit("/", 1)[-1]: v for p, v in by_dir.items()} == {
        "jtr": "MeRGAN-JTR", "ra": "MeRGAN-RA+EWC", "jt": "MeRGAN-RA JT", "flat": "acgan"}


def test_runs_without_continual_rows_write_nothing(tmp_path):
    frame = pd.DataFrame([dict(run_dir="x", variant="m", metric="fid", value=1.0, step=1, experience=0)])
    assert write_continual(frame, tmp_path) == []
