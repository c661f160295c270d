"""Every method's ``train_step`` is capturable whole on a GPU: no host reads of tensor values (``.item()``,
``bool(t)``, ``if t:`` …) and no data-dependent output shapes (boolean-mask indexing, ``nonzero``) outside
the optimizer step, whose non-capturable CPU form reads its step count (its CUDA form is made capturable
by ``GANMethod.prepare_optimizers``). Checked on CPU by intercepting the ATen calls that synchronise a
CUDA stream."""

import functools

import pytest
import torch
from torch.utils._python_dispatch import TorchDispatchMode

from tests.methods.cases import build_tiny, case_ids, first_batch, in_second_experience, method_cases, toy_images

SYNCING_OPS = {"_local_scalar_dense", "nonzero", "masked_select", "_unique2", "unique_dim", "unique_consecutive",
               "equal", "is_nonzero", "repeat_interleave"}
MASK_INDEXING_OPS = {"index", "index_put", "index_put_", "_index_put_impl_"}  # a bool index runs nonzero inside


def needs_host(func, args) -> bool:
    name = func.__name__.split(".")[0]
    if name in MASK_INDEXING_OPS:
        return any(i is not None and i.dtype in (torch.bool, torch.uint8) for i in args[1])
    return name in SYNCING_OPS


class HostSyncGuard(TorchDispatchMode):
    """Raises on an ATen call that needs the values of a tensor on the host, unless ``allowed``."""

    def __init__(self):
        super().__init__()
        self.allowed = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if not self.allowed and needs_host(func, args):
            raise AssertionError(f"host sync in train_step: aten::{func.__name__}")
        return func(*args, **(kwargs or {}))


def guarded_optimizers(method, guard: HostSyncGuard) -> None:
    for opt in method.optimizers().values():
        step = opt.step

        @functools.wraps(step)
        def allowed_step(*args, _step=step, **kwargs):
            guard.allowed += 1
            try:
                return _step(*args, **kwargs)
            finally:
                guard.allowed -= 1

        opt.step = allowed_step


CASES = method_cases()


@pytest.mark.parametrize("name, variant, overrides", CASES, ids=case_ids(CASES))
def test_train_step_reads_no_tensor_values_on_the_host(name, variant, overrides):
    torch.manual_seed(0)
    method = build_tiny(name, overrides)
    experience = in_second_experience(method, toy_images())  # replay and frozen parts active
    guard = HostSyncGuard()
    guarded_optimizers(method, guard)
    method.train_step(first_batch(method, experience))  # optimizer state is created outside the guard's concern
    batches = [first_batch(method, experience, step=s) for s in (1, 2)]
    with guard:
        for batch in batches:
            logs = method.train_step(batch)
    assert logs and all(v.dim() == 0 for v in logs.values())


def test_the_guard_catches_a_host_read():
    with pytest.raises(AssertionError, match="_local_scalar_dense"), HostSyncGuard():
        if torch.ones(1) > 0:
            pass
    with pytest.raises(AssertionError, match="index"), HostSyncGuard():
        torch.arange(4)[torch.arange(4) > 1]
    with pytest.raises(AssertionError, match="nonzero"), HostSyncGuard():
        torch.where(torch.arange(4) > 1)
    with HostSyncGuard():  # integer gathers and masked arithmetic are capturable
        torch.arange(4)[torch.tensor([2, 0, 1, 3])] + torch.where(torch.arange(4) > 1, 1, 0)
