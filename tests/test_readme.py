"""The README's tables of methods, datasets and plugins name exactly what ``memgan-bench list`` prints."""

import re
from pathlib import Path

import pytest

from tests.commands.test_commands import listed

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_table_names(title: str) -> list[str]:
    """The backticked names in the first column of the tables in the README's ``## <title>`` section."""
    text = README.read_text(encoding="utf-8")
    found = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    assert found, f"README.md has no '## {title}' section"
    names = []
    for line in found.group(1).splitlines():
        if line.startswith("|"):
            names += re.findall(r"`([^`]+)`", line.split("|")[1])
    return names


@pytest.mark.parametrize("title, registry", [("Methods", "methods"), ("Datasets", "datasets"), ("Plugins", "plugins")])
def test_readme_lists_what_memgan_bench_list_prints(title, registry, capsys):
    documented = readme_table_names(title)
    registered = listed(capsys)[registry]
    assert len(documented) == len(set(documented)), f"README '## {title}' names one twice: {documented}"
    missing, unknown = sorted(set(registered) - set(documented)), sorted(set(documented) - set(registered))
    assert not missing and not unknown, (f"README '## {title}' differs from `memgan-bench list`: "
                                         f"not in the README {missing}, not registered {unknown}")
