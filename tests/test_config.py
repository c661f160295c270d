import dataclasses
import typing
from dataclasses import dataclass, field
from typing import Literal, Optional

import pytest
import yaml

from memgan_bench.config import RunConfig, apply_override, config_to_yaml, load_config, resolve
from memgan_bench.errors import UserError
from memgan_bench.registry import METHODS, PLUGINS, SCENARIOS
from memgan_bench.typed import build


@dataclass
class Inner:
    rate: float = field(default=0.1, metadata={"min": 0.0, "max": 1.0})
    form: Literal["a", "b"] = "a"


@dataclass
class Outer:
    count: int = 1
    name: Optional[str] = None
    pair: tuple[float, float] = (0.5, 0.9)
    inner: Inner = field(default_factory=Inner)


def test_build_accepts_valid_values_and_coerces_ints_to_floats():
    cfg = build(Outer, {"count": 3, "pair": [0, 1], "inner": {"rate": 1}})
    assert cfg.count == 3 and cfg.pair == (0.0, 1.0) and cfg.inner.rate == 1.0
    assert isinstance(cfg.inner.rate, float)


@pytest.mark.parametrize(
    "data, message",
    [
        ({"cuont": 1}, "unknown config key 'cuont'"),
        ({"inner": {"rat": 1}}, "unknown config key 'inner.rat'"),
        ({"count": "3"}, "'count' must be an integer"),
        ({"count": True}, "'count' must be an integer"),
        ({"inner": {"rate": 2.0}}, "'inner.rate' must be <= 1.0"),
        ({"inner": {"form": "c"}}, "'inner.form' must be one of"),
        ({"pair": [1.0]}, "'pair' must have 2 items"),
        ({"inner": 5}, "'inner' must be a mapping"),
    ],
)
def test_build_rejects_bad_input_naming_the_key(data, message):
    with pytest.raises(UserError, match=message.replace("(", r"\(").replace(")", r"\)")):
        build(Outer, data)


def test_override_parses_yaml_values_into_nested_sections():
    tree = {"train": {"steps": 5}}
    apply_override(tree, "train.steps=200")
    apply_override(tree, "model.betas=[0.0, 0.9]")
    apply_override(tree, "data.root=/tmp/x")
    assert tree == {"train": {"steps": 200}, "model": {"betas": [0.0, 0.9]}, "data": {"root": "/tmp/x"}}
    with pytest.raises(UserError, match="key=value"):
        apply_override(tree, "train.steps")


def test_method_section_is_validated_against_the_methods_config(tiny_dcgan_config):
    cfg = resolve(tiny_dcgan_config)
    assert cfg.model.width == 8 and cfg.scenario_name == "unsupervised"
    bad = dict(tiny_dcgan_config, model={"loss": "wasserstein"})
    with pytest.raises(UserError, match="'model.loss' must be one of"):
        resolve(bad)
    with pytest.raises(UserError, match="unknown method 'nope'"):
        resolve(dict(tiny_dcgan_config, method="nope"))
    with pytest.raises(UserError, match="unknown scenario"):
        resolve(dict(tiny_dcgan_config, scenario={"name": "nope"}))
    with pytest.raises(UserError, match="unknown plugin"):
        resolve(dict(tiny_dcgan_config, plugins={"nope": {}}))


def test_resolved_config_round_trips_through_yaml(tmp_path, tiny_dcgan_config):
    cfg = resolve(tiny_dcgan_config)
    path = tmp_path / "c.yaml"
    path.write_text(config_to_yaml(cfg))
    again = load_config(path)
    assert config_to_yaml(again) == config_to_yaml(cfg)
    assert yaml.safe_load(path.read_text())["scenario"] == {"name": "unsupervised"}


def test_shipped_configs_all_validate():
    from pathlib import Path

    configs = sorted(Path(__file__).parents[1].joinpath("configs").rglob("*.yaml"))
    assert configs
    for path in configs:
        load_config(path)


def test_cross_field_checks_refuse_before_anything_trains():
    with pytest.raises(UserError, match="plugin ewc cannot run here: .*needs a stream"):
        resolve({"method": "dcgan", "plugins": {"ewc": {}}})
    with pytest.raises(UserError, match=r"model.k' \(9\) must not exceed model.memory_size \(8\)"):
        resolve({"method": "memorygan", "model": {"memory_size": 8, "k": 9}})


def test_a_plugin_is_refused_for_a_method_without_the_member_it_needs(scoped_registries):
    from memgan_bench.method import GANMethod
    from memgan_bench.registry import METHODS

    @METHODS.register("no-discriminator")
    class NoDiscriminator(GANMethod):
        @dataclass
        class Config:
            pass

    with pytest.raises(UserError, match="plugin d_forgetting cannot run here: needs discriminate from the method"):
        resolve({"method": "no-discriminator", "plugins": {"d_forgetting": {}}})


def config_classes() -> dict[str, type]:
    """The run config and the Config of every registered method, scenario and plugin, by name."""
    classes = {"run": RunConfig}
    for kind, registry in (("method", METHODS), ("scenario", SCENARIOS), ("plugin", PLUGINS)):
        classes.update({f"{kind}:{name}": registry.get(name).Config for name in registry.names()})
    return classes


def nested_dataclasses(cls: type) -> list[type]:
    hints = typing.get_type_hints(cls)
    inner = [hints[f.name] for f in dataclasses.fields(cls) if dataclasses.is_dataclass(hints[f.name])]
    return [cls] + [c for nested in inner for c in nested_dataclasses(nested)]


@pytest.mark.parametrize("name", sorted(config_classes()))
def test_config_fields_declare_choices_as_literal_and_only_ranges_as_metadata(name):
    """typed.py reads ``min`` and ``max`` from a field's metadata, nothing else: a ``choices`` entry there
    would be ignored silently (choices are ``Literal`` annotations)."""
    for cls in nested_dataclasses(config_classes()[name]):
        for f in dataclasses.fields(cls):
            assert set(f.metadata) <= {"min", "max"}, f"{cls.__qualname__}.{f.name}: {dict(f.metadata)}"
