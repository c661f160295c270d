"""Cross-cutting behaviour as plugins (Avalanche's strategy/plugin split).

The engine calls these hooks on every plugin named in the config's ``plugins`` section; evaluation
metrics, forgetting probes and regularisers (EWC) are plugins any method can take. A plugin class has a
``Config`` dataclass (its options, validated from YAML) and is registered with ``@PLUGINS.register``.
Plugins that keep state across steps (archived fakes, Fisher matrices) return it from ``state_dict`` so a
resumed run continues exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from memgan_bench.registry import Registry

if TYPE_CHECKING:
    from memgan_bench.engine.context import RunContext


@dataclass
class NoOptions:
    pass


class Plugin:
    Config: ClassVar[type] = NoOptions

    def __init__(self, cfg: Any):
        self.cfg = cfg

    def before_training(self, ctx: "RunContext") -> None:
        """Once, after the method is built (and restored, on resume)."""

    def before_experience(self, ctx: "RunContext") -> None:
        """Before training on ``ctx.experience`` (after the method's own hook)."""

    def after_train_step(self, ctx: "RunContext") -> None:
        """After every step; ``ctx.step`` is the global step just completed. Keep it cheap."""

    def evaluate(self, ctx: "RunContext") -> None:
        """At every evaluation point (``train.eval_every`` and each experience end): record rows.

        Runs with the method in eval mode, under ``torch.no_grad()`` (use ``torch.enable_grad()`` for
        anything that optimises) and under an RNG forked and seeded by (seed, step), so evaluation never
        changes the training trajectory."""

    def after_experience(self, ctx: "RunContext") -> None:
        """After the evaluation that ends ``ctx.experience`` (before the method's own hook)."""

    def after_training(self, ctx: "RunContext") -> None:
        """Once, when the run ends normally."""

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        pass


PLUGINS: Registry[type[Plugin]] = Registry("plugin", ("memgan_bench.metrics", "memgan_bench.regularizers"))
