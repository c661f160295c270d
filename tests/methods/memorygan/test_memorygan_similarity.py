"""The sparse backward of the selected similarities equals differentiating the dense product, and D(x)'s
gradient through a trained memory equals the one of a dense-gather reference."""

import torch
import torch.nn.functional as F

from methods.memorygan.memory import VMFMemory
from methods.memorygan.similarity import selected_similarity


def test_selected_similarity_gradient_equals_dense_gather():
    gen = torch.Generator().manual_seed(0)
    q = torch.randn(6, 9, dtype=torch.float64, generator=gen, requires_grad=True)
    keys = torch.randn(40, 9, dtype=torch.float64, generator=gen)
    slots = torch.randint(40, (6, 5), generator=gen)
    slots[0] = 3  # a repeated slot accumulates its key once per occurrence
    weights = torch.randn(6, 5, dtype=torch.float64, generator=gen)

    sparse = selected_similarity(q, q.detach() @ keys.T, keys, slots)
    (grad_sparse,) = torch.autograd.grad((sparse * weights).sum(), q)
    dense = (q @ keys.T).gather(1, slots)
    (grad_dense,) = torch.autograd.grad((dense * weights).sum(), q)

    torch.testing.assert_close(sparse, dense.detach())
    torch.testing.assert_close(grad_sparse, grad_dense, rtol=0, atol=1e-12)
    assert torch.autograd.gradcheck(lambda x: selected_similarity(x, x.detach() @ keys.T, keys, slots), (q,))


def test_discriminator_gradient_matches_dense_reference():
    memory = VMFMemory(64, 8, 16)
    gen = torch.Generator().manual_seed(1)
    memory.keys.copy_(F.normalize(torch.randn(64, 8, generator=gen), dim=1))
    memory.hist.copy_(torch.rand(64, generator=gen))
    raw = torch.randn(10, 8, generator=gen, requires_grad=True)

    (grad,) = torch.autograd.grad(memory.output(F.normalize(raw, dim=1)).log().sum(), raw)

    q = F.normalize(raw, dim=1)
    slots = memory.lookup(q.detach()).slots
    logits = (q @ memory.keys.T).gather(1, slots) + torch.log(memory.hist + memory.beta)[slots]
    reference = (torch.softmax(logits, -1) * memory.values[slots]).sum(-1).clamp(1e-3, 1 - 1e-3)
    (expected,) = torch.autograd.grad(reference.log().sum(), raw)
    torch.testing.assert_close(grad, expected)
