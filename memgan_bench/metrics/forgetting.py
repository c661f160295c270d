"""Discriminator forgetting: how much a discriminator loses its ability to judge what it once judged well.

Probe sets P_s are fixed batches with a true label y_s ∈ {real, fake}: archived fake samples of the
generator at step s (snapshot s) and held-out real images (possibly one set per past class in streams,
created when that class arrives). At every evaluation step t ≥ s the current discriminator D_t gives

    p(s, t)   = mean_{x ∈ P_s} D_t(x)                                  (mean P(real))
    acc(s, t) = mean_{x ∈ P_s} 1[(D_t(x) > τ_s) = y_s]                  (accuracy)
    F(s, t)   = max_{t' ∈ T, s ≤ t' ≤ t} acc(s, t') − acc(s, t)         (forgetting, ≥ 0)

with T the evaluation steps and τ_s the probe's decision threshold: ½ for a discriminator that outputs
P(real); for a WGAN critic (unbounded score, free offset) the midpoint of the critic's mean scores on a
real and a fake batch when the probe is created (``GANMethod.decision_threshold``), so p(s, t) is then a
mean score, not a probability. The summary at t is the mean of F(s, t) over probe sets with t − s ≥ H
(old enough to have been forgotten); F = 0 means D_t is as good on P_s as it ever was.
"""

from __future__ import annotations

from typing import Callable, Optional

import torch

Discriminate = Callable[[torch.Tensor], torch.Tensor]


class ForgettingTracker:
    """Named probe sets and the best accuracy each reached so far; pure except for calling ``discriminate``."""

    def __init__(self) -> None:
        self.probes: dict[str, dict] = {}

    def add_probe(self, name: str, x: torch.Tensor, is_real: bool, step: int, threshold: float = 0.5) -> None:
        if name in self.probes:
            raise ValueError(f"probe set '{name}' exists")
        self.probes[name] = {"x": x.detach().cpu(), "real": bool(is_real), "created": int(step),
                             "threshold": float(threshold), "best": float("-inf")}

    def evaluate(self, discriminate: Discriminate, step: int, batch_size: int = 512, device=None) -> list[dict]:
        """One row per probe set created at or before ``step``: p_real, acc, forgetting (see module doc)."""
        rows = []
        with torch.no_grad():
            for name, probe in self.probes.items():
                if probe["created"] > step:
                    continue
                x = probe["x"]
                p = torch.cat([discriminate(x[i:i + batch_size].to(device or x.device)).float().cpu().reshape(-1)
                               for i in range(0, len(x), batch_size)])
                acc = float(((p > probe["threshold"]) == probe["real"]).float().mean())
                probe["best"] = max(probe["best"], acc)
                rows.append({"probe": name, "real": probe["real"], "created": probe["created"], "step": int(step),
                             "p_real": float(p.mean()), "acc": acc, "forgetting": probe["best"] - acc})
        return rows

    @staticmethod
    def summary(rows: list[dict], horizon: int, real: Optional[bool] = None) -> Optional[float]:
        """Mean forgetting over ``rows`` whose probe is at least ``horizon`` steps old (optionally one label)."""
        old = [r["forgetting"] for r in rows if r["step"] - r["created"] >= horizon and real in (None, r["real"])]
        return sum(old) / len(old) if old else None

    def state_dict(self) -> dict:
        return {name: dict(probe) for name, probe in self.probes.items()}

    def load_state_dict(self, state: dict) -> None:
        self.probes = {name: dict(probe) for name, probe in state.items()}
