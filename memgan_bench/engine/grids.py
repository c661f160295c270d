"""Sample grids: images tiled into one PNG, 2-D samples drawn as a scatter over the true modes."""

from __future__ import annotations

import io
from pathlib import Path

import torch

from memgan_bench.atomic import atomic_write
from memgan_bench.data.base import ImageData


def save_grid(samples: torch.Tensor, path: str | Path, nrow: int = 8, reference: ImageData | None = None) -> None:
    """Write ``samples`` (in [-1, 1]) as a PNG grid, or a scatter plot for 2-D samples."""
    buffer = io.BytesIO()
    if samples.dim() == 4:
        from torchvision.utils import save_image

        save_image(samples.detach().cpu().float(), buffer, format="png", nrow=nrow, normalize=True,
                   value_range=(-1, 1))
    else:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(4, 4))
        points = samples.detach().cpu().float()
        ax.scatter(points[:, 0], points[:, 1], s=2, alpha=0.5, label="generated")
        if reference is not None and reference.mode_centers is not None:
            centers = reference.mode_centers
            ax.scatter(centers[:, 0], centers[:, 1], s=30, marker="x", color="red", label="modes")
        ax.set_aspect("equal")
        ax.legend(loc="upper right", fontsize=6)
        fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
        plt.close(fig)
    atomic_write(path, lambda handle: handle.write(buffer.getvalue()))
