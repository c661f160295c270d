"""Lists in the docs name exactly what the product has: the README's methods, datasets and plugins are what
``memgan-bench list`` prints, and docs/configs.md's table of shipped configs is the files under configs/."""

import re
from pathlib import Path

import pytest

from tests.commands.test_commands import listed

REPO = Path(__file__).resolve().parents[1]


def table_cells(doc: str, title: str, column: int) -> list[list[str]]:
    """Per row of the tables in ``doc``'s ``## <title>`` section, the backticked names of one column."""
    text = (REPO / doc).read_text(encoding="utf-8")
    found = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    assert found, f"{doc} has no '## {title}' section"
    return [re.findall(r"`([^`]+)`", line.split("|")[column])
            for line in found.group(1).splitlines() if line.startswith("|")]


def readme_table_names(title: str) -> list[str]:
    """The backticked names in the first column of the tables in the README's ``## <title>`` section."""
    return [name for row in table_cells("README.md", title, 1) for name in row]


@pytest.mark.parametrize("title, registry", [("Methods", "methods"), ("Datasets", "datasets"), ("Plugins", "plugins")])
def test_readme_lists_what_memgan_bench_list_prints(title, registry, capsys):
    documented = readme_table_names(title)
    registered = listed(capsys)[registry]
    assert len(documented) == len(set(documented)), f"README '## {title}' names one twice: {documented}"
    missing, unknown = sorted(set(registered) - set(documented)), sorted(set(documented) - set(registered))
    assert not missing and not unknown, (f"README '## {title}' differs from `memgan-bench list`: "
                                         f"not in the README {missing}, not registered {unknown}")


def test_configs_doc_lists_every_shipped_config_and_no_other():
    folders = table_cells("docs/configs.md", "Shipped configs", 1)
    names = table_cells("docs/configs.md", "Shipped configs", 2)
    documented = [f"{folder}{name}.yaml" for row_folders, row_names in zip(folders, names)
                  for folder in row_folders for name in row_names]
    shipped = sorted(str(path.relative_to(REPO)) for path in (REPO / "configs").rglob("*.yaml"))
    assert len(documented) == len(set(documented)), "docs/configs.md names a config twice"
    missing, unknown = sorted(set(shipped) - set(documented)), sorted(set(documented) - set(shipped))
    assert not missing and not unknown, (f"docs/configs.md 'Shipped configs' differs from configs/: "
                                         f"not in the table {missing}, no such file {unknown}")
