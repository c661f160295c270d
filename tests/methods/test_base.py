"""The shared optimizer step of memgan_bench/method.py."""

import torch
from torch import nn

from memgan_bench.method import optimizer_step


def test_optimizer_step_equals_backward_and_leaves_the_other_network_without_gradients():
    torch.manual_seed(0)
    generator, critic = nn.Linear(3, 4), nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 1))
    reference_g = nn.Linear(3, 4)
    reference_g.load_state_dict(generator.state_dict())
    z = torch.randn(6, 3)

    opt = torch.optim.Adam(generator.parameters(), lr=1e-2)
    optimizer_step(opt, critic(generator(z)).square().mean())
    assert all(p.grad is None for p in critic.parameters())

    ref_opt = torch.optim.Adam(reference_g.parameters(), lr=1e-2)
    ref_opt.zero_grad()
    critic(reference_g(z)).square().mean().backward()
    expected_grads = [p.grad.clone() for p in reference_g.parameters()]
    ref_opt.step()

    for got, want in zip(generator.parameters(), expected_grads):
        torch.testing.assert_close(got.grad, want, rtol=0, atol=0)
    for got, want in zip(generator.parameters(), reference_g.parameters()):
        torch.testing.assert_close(got, want, rtol=0, atol=0)


def test_prepare_optimizers_makes_a_gpu_written_checkpoint_trainable_on_cpu():
    """A checkpoint written on a GPU holds capturable Adam groups; on CPU they must become plain again."""
    from memgan_bench.data import DataSpec
    from memgan_bench.registry import METHODS
    from memgan_bench.method import Batch

    cls = METHODS.get("dcgan")
    method = cls(cls.Config(z_dim=4, width=4), DataSpec((1, 28, 28), 10))
    for opt in method.optimizers().values():
        for group in opt.param_groups:
            group["capturable"] = True
    method.prepare_optimizers()
    assert all(not group["capturable"] for opt in method.optimizers().values() for group in opt.param_groups)
    out = method.train_step(Batch(torch.rand(8, 1, 28, 28) * 2 - 1, torch.zeros(8, dtype=torch.long)))
    assert all(torch.isfinite(v) for v in out.values())
    assert all(state["step"].device.type == "cpu" for opt in method.optimizers().values()
               for state in opt.state.values())
