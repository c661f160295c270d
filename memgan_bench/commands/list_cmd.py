"""``memgan-bench list``: what the harness knows."""

from __future__ import annotations

NAME = "list"
HELP = "list methods, datasets, scenarios and plugins (metrics, regularisers, loggers)"


def add_arguments(parser) -> None:
    pass


def run(args) -> int:
    from memgan_bench.registry import DATASETS, METHODS, PLUGINS, SCENARIOS

    for title, registry in (("methods", METHODS), ("datasets", DATASETS), ("scenarios", SCENARIOS),
                            ("plugins (metrics, regularisers, loggers)", PLUGINS)):
        print(f"{title}: {', '.join(registry.names())}")
    return 0
