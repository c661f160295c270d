"""Reproduction entries are read strictly: every bad field is one line naming the file and the field, exit
code 2, before anything runs; the shipped entries all load and their configs resolve; the configs made for
entries differ from the configs they copy only where their headers say, so the methods of an entry share
every other setting."""

import copy

import pytest
import yaml

from memgan_bench.cli import main
from memgan_bench.config import load_config, read_yaml
from memgan_bench.reproductions import ENTRIES, ROOT, load_entries, load_entry

VALID = {
    "title": "PacGAN2 against GAN on the ring",
    "claim": "PacGAN2 covers more modes.",
    "source": {"paper": "Lin et al. 2018", "where": "Table 1, 2D-ring"},
    "scale": "cpu",
    "seeds": [0, 1],
    "runs": {"GAN": "configs/bench2d/ring8/dcgan.yaml", "PacGAN2": "configs/bench2d/ring8/pacgan.yaml"},
    "overrides": ["train.steps=10"],
    "checks": [{"metric": "modes_covered", "order": "PacGAN2 > GAN"},
               {"metric": "high_quality", "run": "GAN", "target": 0.98, "error": 0.002, "tolerance": 0.01}],
}


def mutated(path: str, value):
    """VALID with the field at dotted ``path`` (list items by index) set to ``value`` (``...``: removed)."""
    tree = copy.deepcopy(VALID)
    *parents, last = path.split(".")
    node = tree
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    key = int(last) if isinstance(node, list) else last
    if value is ...:
        del node[key]
    else:
        node[key] = value
    return tree


BAD = [
    ("title", ..., "field 'title' is missing"),
    ("title", 3, "field 'title' must be non-empty text"),
    ("claim", "  ", "field 'claim' must be non-empty text"),
    ("source", "Lin et al.", "field 'source' must be a mapping"),
    ("source.where", ..., "field 'source.where' is missing"),
    ("source.url", "x", "field 'source.url' is not a known field"),
    ("scale", "gpu", "field 'scale' must be one of cpu, paper"),
    ("seeds", [0], "field 'seeds' must be a list of at least 2 seeds"),
    ("seeds", [0, 0], "field 'seeds' repeats a seed"),
    ("seeds", [0, -1], "field 'seeds' must hold integers >= 0"),
    ("seeds", [0, True], "field 'seeds' must hold integers >= 0"),
    ("runs", {}, "field 'runs' must map run labels to config files"),
    ("runs.1GAN", "configs/bench2d/ring8/dcgan.yaml", "field 'runs' has label '1GAN'"),
    ("runs.GAN", "configs/none.yaml", "field 'runs.GAN' names a config that does not exist"),
    ("runs.GAN", "configs/bench2d/ring8", "field 'runs.GAN' must be a .yaml config file"),
    ("runs.PacGAN2", "configs/bench2d/grid25/dcgan.yaml", "field 'runs' has two configs with one file stem"),
    ("overrides", "train.steps=10", "field 'overrides' must be a list"),
    ("overrides", ["train.steps"], "field 'overrides' must hold 'key=value' texts"),
    ("overrides", ["seed=3"], "field 'overrides' may not set 'seed'"),
    ("checks", [], "field 'checks' must be a non-empty list"),
    ("checks.0", "PacGAN2 > GAN", "field 'checks[0]' must be a mapping"),
    ("checks.0.target", 3, "field 'checks[0]' has both 'order' and 'target'"),
    ("checks.0.order", ..., "field 'checks[0]' needs 'order'"),
    ("checks.0.metric", "modes", "field 'checks[0].metric' is 'modes', no headline metric"),
    ("checks.0.order", "PacGAN2 GAN", "field 'checks[0].order' 'PacGAN2 GAN' has no relation"),
    ("checks.0.order", "PacGAN3 > GAN", "field 'checks[0].order' names 'PacGAN3', not a label of 'runs'"),
    ("checks.0.order", "GAN > PacGAN2 > GAN", "field 'checks[0].order' 'GAN > PacGAN2 > GAN' names a run twice"),
    ("checks.0.order", "PacGAN2 ≈ GAN", "field 'checks[0].margin' is missing"),
    ("checks.0.margin", 0.5, "field 'checks[0].margin' is given but the order has no '≈'"),
    ("checks.0.published", {"ALI": 6.6}, "field 'checks[0].published' names 'ALI', not a label of 'runs'"),
    ("checks.0.published", {"GAN": [6.3, 0.5]}, "field 'checks[0].published.GAN' must be a number or text"),
    ("checks.0.alpha", 0.1, "field 'checks[0].alpha' is not a known field"),
    ("checks.1.run", "ALI", "field 'checks[1].run' is 'ALI', not a label of 'runs'"),
    ("checks.1.target", "high", "field 'checks[1].target' must be a finite number"),
    ("checks.1.target", float("nan"), "field 'checks[1].target' must be a finite number"),
    ("checks.1.error", ..., "field 'checks[1].error' is missing"),
    ("checks.1.error", -0.1, "field 'checks[1].error' must be >= 0"),
    ("checks.1.tolerance", 0, "field 'checks[1].tolerance' must be > 0"),
    ("checks.1.tolerance", 0.001, "field 'checks[1].tolerance' (0.001) is below the published error (0.002)"),
    ("seed", 3, "field 'seed' is not a known field"),
]


def one_line_error(capsys, argv) -> str:
    code = main(argv)
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1, err
    return err


@pytest.mark.parametrize("path, value, fragment", BAD, ids=[f"{p}={v!r}" for p, v, _ in BAD])
def test_every_bad_field_is_one_line_naming_file_and_field(capsys, tmp_path, path, value, fragment):
    entry = tmp_path / "entry.yaml"
    entry.write_text(yaml.safe_dump(mutated(path, value), allow_unicode=True))
    for argv in (["reproduce", "list", "--entries", str(tmp_path)],
                 ["reproduce", "entry", "--entries", str(tmp_path), "--out", str(tmp_path / "out")]):
        err = one_line_error(capsys, argv)
        assert f"reproduction entry {entry}: {fragment}" in err, err
    assert not (tmp_path / "out").exists()  # refused before the sweep wrote anything


@pytest.mark.parametrize("name, text, fragment", [
    ("list", yaml.safe_dump(VALID), "no entry name"),
    ("Big_Name", yaml.safe_dump(VALID), "no entry name"),
    ("broken", "title: [unclosed", "is not valid YAML"),
    ("scalar", "just text", "must hold a mapping at the top level"),
])
def test_bad_files_are_one_line_errors(capsys, tmp_path, name, text, fragment):
    (tmp_path / f"{name}.yaml").write_text(text)
    assert fragment in one_line_error(capsys, ["reproduce", "list", "--entries", str(tmp_path)])


def test_unknown_entry_names_the_known_ones(capsys, tmp_path):
    (tmp_path / "ring.yaml").write_text(yaml.safe_dump(VALID, allow_unicode=True))
    err = one_line_error(capsys, ["reproduce", "rign", "--entries", str(tmp_path)])
    assert "no reproduction entry 'rign'" in err and "ring" in err


def test_a_valid_entry_reads_as_written(tmp_path):
    path = tmp_path / "ring.yaml"
    path.write_text(yaml.safe_dump(VALID, allow_unicode=True))
    entry = load_entry(path)
    assert entry.name == "ring" and entry.seeds == (0, 1) and entry.scale == "cpu"
    assert entry.runs == {"GAN": ROOT / "configs/bench2d/ring8/dcgan.yaml",
                          "PacGAN2": ROOT / "configs/bench2d/ring8/pacgan.yaml"}
    assert entry.checks[0].relations == (("PacGAN2", ">", "GAN"),)
    assert (entry.checks[1].run, entry.checks[1].target, entry.checks[1].tolerance) == ("GAN", 0.98, 0.01)


def test_order_chains_split_into_adjacent_pairs(tmp_path):
    tree = mutated("runs.JTR", "configs/bench2d/ring8/mgan.yaml")
    tree["checks"] = [{"metric": "cl/acc_avg", "order": "GAN < PacGAN2~JTR", "margin": 0.05}]
    (tmp_path / "chain.yaml").write_text(yaml.safe_dump(tree, allow_unicode=True))
    check = load_entry(tmp_path / "chain.yaml").checks[0]
    assert check.relations == (("GAN", "<", "PacGAN2"), ("PacGAN2", "≈", "JTR")) and check.margin == 0.05


def test_shipped_entries_load_and_every_config_resolves_with_the_entry_overrides():
    entries = load_entries()
    assert {entry.scale for entry in entries} == {"cpu", "paper"}
    for entry in entries:
        for label, config in entry.runs.items():
            for seed in entry.seeds[:1]:
                cfg = load_config(config, list(entry.overrides) + [f"seed={seed}"])
                assert cfg.seed == seed, (entry.name, label)


def test_reproduce_list_shows_exactly_the_entries_on_disk(capsys):
    assert main(["reproduce", "list"]) == 0
    rows = [line.split("|")[1:-1] for line in capsys.readouterr().out.splitlines()[2:]]
    assert [row[0].strip() for row in rows] == sorted(path.stem for path in ENTRIES.glob("*.yaml"))
    for row, entry in zip(rows, load_entries()):
        assert row[1].strip() == entry.scale and row[2].strip() == f"{len(entry.runs)} × {len(entry.seeds)}"
        assert entry.source.where in row[3]


def test_docs_table_names_every_entry():
    text = (ROOT / "docs" / "reproductions.md").read_text()
    for path in ENTRIES.glob("*.yaml"):
        assert f"`{path.stem}`" in text, path.stem


DERIVED = [  # (config, the config it copies, the model keys that differ)
    *[(f"configs/reproductions/{data}-pacgan{m}.yaml", f"configs/bench2d/{data}/pacgan.yaml", {"pack": m})
      for data in ("ring8", "grid25") for m in (3, 4)],
    ("configs/reproductions/luzi-ring8-ensemble.yaml", "configs/bench2d/ring8/gan-ensemble-kmeans.yaml",
     {"components": 8, "width": 50}),
    ("configs/reproductions/luzi-ring8-single.yaml", "configs/bench2d/ring8/dcgan.yaml",
     {"width": 144, "update": "alternating"}),
]


@pytest.mark.parametrize("config, base, model", DERIVED, ids=[d[0].rsplit("/", 1)[1] for d in DERIVED])
def test_derived_config_is_its_base_but_for_the_stated_model_keys(config, base, model):
    expected = read_yaml(ROOT / base)
    expected["model"] = {**expected["model"], **model}
    assert read_yaml(ROOT / config) == expected


def test_luzi_parameter_budgets_match_within_half_a_percent():
    """The ensemble's and the single GAN's parameter counts, counted on the built networks."""
    from memgan_bench.data.base import DataSpec
    from memgan_bench.registry import METHODS

    spec = DataSpec((2,), 8)
    counts = {}
    for name in ("ensemble", "single"):
        cfg = load_config(ROOT / f"configs/reproductions/luzi-ring8-{name}.yaml")
        counts[name] = sum(p.numel() for p in METHODS.get(cfg.method)(cfg.model, spec).parameters())
    assert counts == {"ensemble": 8 * 57_903, "single": 464_547}
    assert abs(counts["single"] / counts["ensemble"] - 1) < 0.005
