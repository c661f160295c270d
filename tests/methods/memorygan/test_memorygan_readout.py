"""The one-node readout D(x) with its sparse backward equals differentiating the dense formula, and D(x)'s
gradient through a trained memory equals the one of a dense-gather reference."""

import pytest
import torch
import torch.nn.functional as F

from methods.memorygan.memory import VMFMemory
from methods.memorygan.readout import readout


def dense_readout(q, keys, log_prior, values, slots, kappa, eps):
    """Eq. 4 by autograd through the dense product: p = softmax(κ (q Kᵀ)[S] + log prior[S])."""
    logits = kappa * (q @ keys.T).gather(1, slots) + log_prior[slots]
    return (torch.softmax(logits, -1) * values[slots]).sum(-1).clamp(eps, 1 - eps)


@pytest.mark.parametrize("kappa", [1.0, 2.5])
def test_readout_gradient_equals_the_dense_formula(kappa):
    gen = torch.Generator().manual_seed(0)
    q = F.normalize(torch.randn(6, 9, dtype=torch.float64, generator=gen), dim=1).requires_grad_()
    keys = F.normalize(torch.randn(40, 9, dtype=torch.float64, generator=gen), dim=1)
    log_prior = 0.3 * torch.randn(40, dtype=torch.float64, generator=gen)
    values = (torch.arange(40) % 2).double()
    slots = torch.randint(40, (6, 5), generator=gen)
    slots[0] = 3  # a repeated slot accumulates its key once per occurrence; D = 1 is clipped (no gradient)
    slots[1] = torch.arange(5)  # v = 0, 1, 0, 1, 0: D inside the clip
    weights = torch.randn(6, dtype=torch.float64, generator=gen)
    eps = 0.02

    def fused(x):
        logits = kappa * (x.detach() @ keys.T).gather(1, slots) + log_prior[slots]
        return readout(x, torch.softmax(logits, -1), values[slots], keys, slots, kappa=kappa, eps=eps)

    expected = dense_readout(q, keys, log_prior, values, slots, kappa, eps)
    (grad_dense,) = torch.autograd.grad((expected * weights).sum(), q)
    (grad_fused,) = torch.autograd.grad((fused(q) * weights).sum(), q)
    torch.testing.assert_close(fused(q), expected.detach())
    torch.testing.assert_close(grad_fused, grad_dense, rtol=0, atol=1e-12)
    assert expected[0] == 1 - eps and eps < expected[1] < 1 - eps


def test_discriminator_gradient_matches_dense_reference():
    memory = VMFMemory(64, 8, 16)
    gen = torch.Generator().manual_seed(1)
    memory.keys.copy_(F.normalize(torch.randn(64, 8, generator=gen), dim=1))
    memory.hist.copy_(torch.rand(64, generator=gen))
    raw = torch.randn(10, 8, generator=gen, requires_grad=True)

    (grad,) = torch.autograd.grad(memory.output(F.normalize(raw, dim=1)).log().sum(), raw)

    q = F.normalize(raw, dim=1)
    slots = memory.lookup(q.detach()).slots
    reference = dense_readout(q, memory.keys, torch.log(memory.hist + memory.beta), memory.values, slots, 1.0, 1e-3)
    (expected,) = torch.autograd.grad(reference.log().sum(), raw)
    torch.testing.assert_close(grad, expected)
