"""Projection onto the unit sphere, x/‖x‖, with the two floors the fidelity modes use.

``paper`` (PyTorch's ``F.normalize``): x / max(‖x‖, 1e−12), a unit vector for any ‖x‖ > 1e−12.
``official`` (TensorFlow's ``tf.nn.l2_normalize``, used by whyjay/memoryGAN): x · rsqrt(max(‖x‖², 1e−12)),
i.e. x / max(‖x‖, 1e−6): a vector shorter than 1e−6 keeps its direction but is only scaled by 10⁶, so its
norm stays ‖x‖·10⁶ < 1.
"""

from __future__ import annotations

import torch

EPS = 1e-12


def norm_divisor(sq_norm: torch.Tensor, squared_floor: bool) -> torch.Tensor:
    """The divisor of x given ‖x‖²: max(‖x‖, ε) (``F.normalize``) or sqrt(max(‖x‖², ε)) (``squared_floor``,
    ``tf.nn.l2_normalize``), ε = 1e−12."""
    return sq_norm.clamp(min=EPS).sqrt() if squared_floor else sq_norm.sqrt().clamp(min=EPS)


def l2_normalize(x: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """``tf.nn.l2_normalize``: x · rsqrt(max(Σx², 1e−12)) along ``dim``."""
    return x * x.square().sum(dim, keepdim=True).clamp(min=EPS).rsqrt()
