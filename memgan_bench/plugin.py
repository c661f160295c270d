"""Cross-cutting behaviour as plugins (Avalanche's strategy/plugin split).

The engine calls these hooks on every plugin named in the config's ``plugins`` section; evaluation
metrics, forgetting probes and regularisers (EWC) are plugins any method can take. A plugin class has a
``Config`` dataclass (its options, validated from YAML) and is registered with ``@PLUGINS.register``.
Plugins that keep state across steps (archived fakes, Fisher matrices) return it from ``state_dict`` so a
resumed run continues exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from memgan_bench.engine.context import RunContext
from memgan_bench.errors import UserError
from memgan_bench.method import GANMethod


@dataclass
class NoOptions:
    pass


class Plugin:
    Config: ClassVar[type] = NoOptions
    needs: ClassVar[tuple[str, ...]] = ()  # method members the plugin calls (beyond the base class)

    def __init__(self, cfg: Any):
        self.cfg = cfg

    @classmethod
    def check(cls, run_cfg: Any, method_cls: type) -> None:
        """Refuse, with one ``UserError`` line, a run this plugin cannot serve (a method that does not
        implement a member in ``needs``, a scenario the plugin has no meaning in). Called by
        ``config.resolve`` before anything trains; subclasses extend it."""
        missing = [member for member in cls.needs if getattr(method_cls, member) is getattr(GANMethod, member)]
        if missing:
            raise UserError(f"needs {', '.join(missing)} from the method, which {run_cfg.method} does not implement")

    def before_training(self, ctx: RunContext) -> None:
        """Once, after the method is built (and restored, on resume)."""

    def before_experience(self, ctx: RunContext) -> None:
        """Before training on ``ctx.experience`` (after the method's own hook)."""

    def after_train_step(self, ctx: RunContext) -> None:
        """After every step; ``ctx.step`` is the global step just completed. Keep it cheap."""

    def evaluate(self, ctx: RunContext) -> None:
        """At every evaluation point (``train.eval_every`` and each experience end): record rows.

        Runs with the method in eval mode, under ``torch.no_grad()`` (use ``torch.enable_grad()`` for
        anything that optimises) and under an RNG forked and seeded by (seed, step), so evaluation never
        changes the training trajectory."""

    def after_experience(self, ctx: RunContext) -> None:
        """After the evaluation that ends ``ctx.experience`` (before the method's own hook)."""

    def after_training(self, ctx: RunContext) -> None:
        """Once, when the run ends normally."""

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        pass

