"""K copies of one network held as stacked parameters, run at once with ``torch.func.vmap``.

``Stacked(modules)`` keeps every parameter and buffer of the K modules as one tensor with a leading K axis
(``torch.func.stack_module_state``); ``forward(x, lo, hi)`` runs copies lo … hi − 1 on x [hi − lo, B, …] as one
vmapped ``functional_call`` over slices (views) of those tensors, so batch-norm running statistics update in
place and the copies outside the range get a zero gradient and no buffer update. One Adam over the stacked
parameters is K independent Adams (its update is elementwise).
"""

from __future__ import annotations

import copy

import torch
from torch import nn
from torch.func import functional_call, stack_module_state, vmap


class Stacked(nn.Module):
    def __init__(self, modules: list[nn.Module]):
        super().__init__()
        params, buffers = stack_module_state(modules)
        self.param_names, self.buffer_names = list(params), list(buffers)
        self.stacked = nn.ParameterList([nn.Parameter(params[name]) for name in self.param_names])
        for i, name in enumerate(self.buffer_names):
            self.register_buffer(f"buffer{i}", buffers[name])
        self.__dict__["template"] = copy.deepcopy(modules[0]).to("meta")  # structure only: not a submodule

    def __len__(self) -> int:
        return self.stacked[0].shape[0]

    def tensors(self, index) -> tuple[dict, dict]:
        """Parameters and buffers of copy ``index`` (an int or a slice), as views of the stacked tensors."""
        params = {name: p[index] for name, p in zip(self.param_names, self.stacked)}
        buffers = {name: getattr(self, f"buffer{i}")[index] for i, name in enumerate(self.buffer_names)}
        return params, buffers

    def call(self, tensors: tuple[dict, dict], x: torch.Tensor) -> torch.Tensor:
        self.template.train(self.training)
        return functional_call(self.template, tensors, (x,))

    def forward(self, x: torch.Tensor, lo: int = 0, hi: int | None = None) -> torch.Tensor:
        """Copy lo + i applied to x[i] for every i: x [hi − lo, B, …] → [hi − lo, B, …]."""
        params, buffers = self.tensors(slice(lo, len(self) if hi is None else hi))
        return vmap(lambda p, b, xi: self.call((p, b), xi))(params, buffers, x)

    def component(self, k: int, x: torch.Tensor) -> torch.Tensor:
        """Copy k on x [B, …]."""
        return self.call(self.tensors(k), x)
