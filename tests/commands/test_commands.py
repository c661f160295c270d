import ast
import importlib.util
from pathlib import Path

import yaml
from PIL import Image

from memgan_bench.cli import main
from memgan_bench.registry import DATASETS, METHODS, PLUGINS, SCENARIOS

LISTED = {"methods": ("METHODS", METHODS), "datasets": ("DATASETS", DATASETS),
          "scenarios": ("SCENARIOS", SCENARIOS), "plugins": ("PLUGINS", PLUGINS)}


def listed(capsys) -> dict[str, list[str]]:
    """``memgan-bench list`` parsed: the first word of each line's title → the names after its colon."""
    assert main(["list"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    return {title.split()[0]: names.split(", ") for title, names in (line.split(": ", 1) for line in lines)}


def registered_in_source(variable: str, registry) -> set[str]:
    """Every name in a ``<variable>.register("name")`` call of the source files under the registry's
    packages, read as syntax trees (not imported), apart from the modules its discovery skips."""
    names = set()
    for package in registry.packages:
        for folder in importlib.util.find_spec(package).submodule_search_locations:
            for path in sorted(Path(folder).rglob("*.py")):
                module = ".".join([package, *path.relative_to(folder).with_suffix("").parts])
                if any(module == skip or module.startswith(skip + ".") for skip in registry.skip):
                    continue
                for node in ast.walk(ast.parse(path.read_text(), str(path))):
                    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                            and node.func.attr == "register" and isinstance(node.func.value, ast.Name)
                            and node.func.value.id == variable and node.args
                            and isinstance(node.args[0], ast.Constant)):
                        names.add(node.args[0].value)
    return names


def test_list_prints_exactly_the_names_registered_in_each_registrys_source(capsys):
    expected = {title: sorted(registered_in_source(*registry)) for title, registry in LISTED.items()}
    assert all(expected.values()), expected
    assert listed(capsys) == expected


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
