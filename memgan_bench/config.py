"""Typed run configuration: YAML file + ``--set key=value`` overrides, validated once.

The ``model`` section is validated against the chosen method's ``Config`` dataclass, the ``scenario``
section against the scenario's, and each entry of ``plugins`` against that plugin's ``Config``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Optional

import yaml

from memgan_bench.errors import UserError
from memgan_bench.registry import METHODS, PLUGINS, SCENARIOS
from memgan_bench.typed import build, to_dict


@dataclass
class DataConfig:
    name: str = "fashion-mnist"
    root: Optional[str] = None


@dataclass
class TrainConfig:
    """Training length and cadence. ``steps`` counts generator/discriminator iterations per experience."""

    steps: int = field(default=1000, metadata={"min": 1})
    batch_size: int = field(default=64, metadata={"min": 1})
    log_every: int = field(default=50, metadata={"min": 1})
    eval_every: int = field(default=0, metadata={"min": 0})
    checkpoint_every: int = field(default=500, metadata={"min": 0})
    sample_grid: int = field(default=64, metadata={"min": 0})
    compile: bool = False


@dataclass
class RunConfig:
    method: str = "dcgan"
    model: Any = None
    data: DataConfig = field(default_factory=DataConfig)
    scenario: Any = None
    train: TrainConfig = field(default_factory=TrainConfig)
    plugins: dict = field(default_factory=dict)
    seed: int = field(default=0, metadata={"min": 0})
    device: Literal["auto", "cpu", "cuda"] = "auto"
    name: Optional[str] = None
    scenario_name: str = field(default="unsupervised", init=False)

    def as_dict(self) -> dict:
        return to_dict(self)


def apply_override(tree: dict, assignment: str) -> None:
    """Apply ``a.b.c=value`` (value parsed as YAML) to a nested dict in place."""
    if "=" not in assignment:
        raise UserError(f"override '{assignment}' must look like key=value")
    key, raw = assignment.split("=", 1)
    parts = key.strip().split(".")
    if not all(parts):
        raise UserError(f"override key '{key}' is malformed")
    try:
        value = yaml.safe_load(raw)
    except yaml.YAMLError:
        value = raw
    node = tree
    for i, part in enumerate(parts[:-1]):
        child = node.setdefault(part, {})
        if child is None:
            child = node[part] = {}
        if not isinstance(child, dict):
            raise UserError(f"override '{key}': '{'.'.join(parts[: i + 1])}' is not a section")
        node = child
    node[parts[-1]] = value


def read_yaml(path: str | Path) -> dict:
    path = Path(path)
    if not path.exists():
        raise UserError(f"config file not found: {path}")
    if not path.is_file():
        raise UserError(f"config file {path} is not a file")
    try:
        data = yaml.safe_load(path.read_bytes().decode("utf-8"))
    except OSError as err:
        raise UserError(f"cannot read config file {path}: {err.strerror or err}") from None
    except UnicodeDecodeError as err:
        raise UserError(f"config file {path} is not UTF-8 text (byte {err.start}; save it as UTF-8)") from None
    except yaml.YAMLError as err:
        raise UserError(f"config file {path} is not valid YAML: {str(err).splitlines()[0]}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UserError(f"config file {path} must hold a mapping at the top level")
    return data


def resolve(raw: dict) -> RunConfig:
    """Validate a raw config tree into a RunConfig with method/scenario/plugin sections typed, then run the
    cross-field checks: the method's ``check_config`` and every plugin's ``check`` against the method."""
    raw = dict(raw)
    model_raw = raw.pop("model", None)
    scenario_raw = dict(raw.pop("scenario", None) or {})
    plugins_raw = raw.pop("plugins", None) or {}
    cfg = build(RunConfig, raw)
    method_cls = METHODS.get(cfg.method)
    cfg.model = build(method_cls.Config, model_raw, "model")
    scenario_name = scenario_raw.pop("name", "unsupervised")
    scenario_cls = SCENARIOS.get(scenario_name)
    cfg.scenario = build(scenario_cls.Config, scenario_raw, "scenario")
    cfg.scenario_name = scenario_name
    if not isinstance(plugins_raw, dict):
        raise UserError("config key 'plugins' must be a mapping of plugin name -> options")
    cfg.plugins = {
        name: build(PLUGINS.get(name).Config, opts, f"plugins.{name}") for name, opts in plugins_raw.items()
    }
    method_cls.check_config(cfg.model, cfg)
    for name in cfg.plugins:
        try:
            PLUGINS.get(name).check(cfg, method_cls)
        except UserError as err:
            raise UserError(f"plugin {name} cannot run here: {err}") from None
    return cfg


def load_config(path: str | Path | None, overrides: list[str] = ()) -> RunConfig:
    raw = read_yaml(path) if path else {}
    for assignment in overrides:
        apply_override(raw, assignment)
    return resolve(raw)


def config_to_yaml(cfg: RunConfig) -> str:
    tree = cfg.as_dict()
    tree["scenario"] = {"name": tree.pop("scenario_name"), **(tree.get("scenario") or {})}
    return yaml.safe_dump(tree, sort_keys=False)
