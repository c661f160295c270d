import copy
import io
import math

import torch

from memgan_bench.data import DataSpec, load_dataset
from memgan_bench.method import Batch
from methods.common.losses import discriminator_loss, generator_loss
from methods.dcgan import DCGAN


def test_losses_match_the_log_formulas():
    logits = torch.tensor([-2.0, 0.0, 3.0])
    p = torch.sigmoid(logits)
    assert torch.allclose(generator_loss(logits, "saturating"), torch.log(1 - p).mean())
    assert torch.allclose(generator_loss(logits, "non-saturating"), -torch.log(p).mean())
    real, fake = torch.tensor([1.0, 2.0]), torch.tensor([-1.0, 0.5])
    expected = -torch.log(torch.sigmoid(real)).mean() - torch.log(1 - torch.sigmoid(fake)).mean()
    assert torch.allclose(discriminator_loss(real, fake), expected)


def test_dcgan_trains_on_real_fashion_mnist_with_finite_losses_for_every_size():
    data = load_dataset("fashion-mnist")
    torch.manual_seed(0)
    for loss in ("saturating", "non-saturating"):
        method = DCGAN(DCGAN.Config(z_dim=8, width=8, loss=loss), DataSpec.of(data))
        before = [p.clone() for p in method.parameters()]
        for step in range(3):
            losses = method.train_step(Batch(data.images[step * 32 : (step + 1) * 32], data.labels[:32]))
            assert all(math.isfinite(float(v)) for v in losses.values())
        assert all(not torch.equal(a, b) for a, b in zip(before, method.parameters()))
        assert method.sample(5).shape == (5, 1, 28, 28)
        p = method.discriminate(data.images[:7])
        assert p.shape == (7,) and bool(((p >= 0) & (p <= 1)).all())
    for side in (32, 40, 64):
        spec = DataSpec((3, side, side), 10)
        method = DCGAN(DCGAN.Config(z_dim=4, width=4), spec)
        losses = method.train_step(Batch(torch.rand(4, 3, side, side) * 2 - 1, torch.zeros(4, dtype=torch.long)))
        assert math.isfinite(float(losses["loss/g_loss"]))


def test_state_dict_round_trip_restores_parameters_and_optimizers():
    spec = DataSpec((1, 28, 28), 10)
    method = DCGAN(DCGAN.Config(z_dim=4, width=4), spec)
    method.train_step(Batch(torch.rand(8, 1, 28, 28) * 2 - 1, torch.zeros(8, dtype=torch.long)))
    buffer = io.BytesIO()
    torch.save(method.state_dict(), buffer)
    buffer.seek(0)
    restored = DCGAN(DCGAN.Config(z_dim=4, width=4), spec)
    restored.load_state_dict(torch.load(buffer, weights_only=True))
    torch.manual_seed(1)
    a = method.train_step(Batch(torch.ones(8, 1, 28, 28) * 0.1, torch.zeros(8, dtype=torch.long)))
    torch.manual_seed(1)
    b = restored.train_step(Batch(torch.ones(8, 1, 28, 28) * 0.1, torch.zeros(8, dtype=torch.long)))
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_packing_concatenates_consecutive_samples_along_the_first_axis():
    points = DCGAN(DCGAN.Config(z_dim=2, width=4, pack=3), DataSpec((2,), 8))
    x = torch.arange(12.0).view(6, 2)
    assert torch.equal(points.packed(x), torch.tensor([[0.0, 1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11]]))
    assert points.discriminator.features[0].linear.in_features == 6 and points.batches_per_step() == 3
    images = DCGAN(DCGAN.Config(z_dim=2, width=4, pack=2), DataSpec((1, 28, 28), 10))
    x = torch.rand(4, 1, 28, 28)
    assert torch.equal(images.packed(x)[1], torch.cat([x[2], x[3]]))  # m·C = 2 channels


def test_packed_discriminate_gives_each_sample_its_packs_probability():
    torch.manual_seed(0)
    method = DCGAN(DCGAN.Config(z_dim=2, width=4, pack=2), DataSpec((2,), 8)).eval()
    x = torch.randn(5, 2)
    expected = torch.sigmoid(method.discriminator(torch.stack([
        torch.cat([x[0], x[1]]), torch.cat([x[2], x[3]]), torch.cat([x[4], x[0]])])).squeeze(1))
    assert torch.allclose(method.discriminate(x), expected.repeat_interleave(2)[:5])


def test_packed_step_judges_packs_of_real_and_of_fake_samples():
    method = DCGAN(DCGAN.Config(z_dim=2, width=4, pack=2), DataSpec((2,), 8))
    seen = []
    method.discriminator.register_forward_hook(lambda module, args, out: seen.append(args[0].shape))
    losses = method.train_step(Batch(torch.randn(2 * 10, 2), torch.zeros(20, dtype=torch.long)))
    assert seen == [(10, 4)] * 3 and all(math.isfinite(float(v)) for v in losses.values())


LR = 0.1


def _step_with_hand_gradients(update: str):
    """One train_step of a packed 2-D DCGAN (plain SGD in place of Adam, so a step is −lr · gradient), and
    the gradients of L_D and L_G written out by hand from the same latents: D's at (θ_D, θ_G), G's at θ_G
    against D before and after D's update."""
    torch.manual_seed(0)
    method = DCGAN(DCGAN.Config(z_dim=2, width=4, pack=2, update=update), DataSpec((2,), 8))
    for module in method.modules():  # PyTorch's default init: gradients far above float noise
        if isinstance(module, torch.nn.Linear):
            module.reset_parameters()
    method.opt_d = torch.optim.SGD(method.discriminator.parameters(), lr=LR)
    method.opt_g = torch.optim.SGD(method.generator.parameters(), lr=LR)
    before = copy.deepcopy(method)
    x = torch.randn(2 * 6, 2)
    torch.manual_seed(5)
    method.train_step(Batch(x, torch.zeros(12, dtype=torch.long)))
    torch.manual_seed(5)
    zs = [torch.randn(6, 2) for _ in range(2)]  # one latent batch per pack slot
    G, D = before.generator, before.discriminator

    def losses(discriminator):
        fake_packs = torch.cat([G(z) for z in zs], dim=1)  # [B, 2m]: slot i of pack j = G(z_i)[j]
        l_real, l_fake = discriminator(x.reshape(6, 4)).squeeze(1), discriminator(fake_packs).squeeze(1)
        d_loss = -torch.log(torch.sigmoid(l_real)).mean() - torch.log(1 - torch.sigmoid(l_fake)).mean()
        return d_loss, -torch.log(torch.sigmoid(l_fake)).mean()

    d_loss, g_loss_old_d = losses(D)
    d_grads = torch.autograd.grad(d_loss, list(D.parameters()), retain_graph=True)
    g_grads_old_d = torch.autograd.grad(g_loss_old_d, list(G.parameters()))
    updated_d = copy.deepcopy(D)
    with torch.no_grad():
        for p, g in zip(updated_d.parameters(), d_grads):
            p.sub_(LR * g)
    g_grads_new_d = torch.autograd.grad(losses(updated_d)[1], list(G.parameters()))
    return method, before, d_grads, g_grads_old_d, g_grads_new_d


def _stepped_by(after, before, grads) -> bool:
    return all(torch.allclose(a.detach(), b.detach() - LR * g, rtol=1e-4, atol=1e-6)
               for a, b, g in zip(after, before, grads))


def test_simultaneous_update_takes_both_gradients_from_one_forward_pass():
    method, before, d_grads, g_old, g_new = _step_with_hand_gradients("simultaneous")
    assert _stepped_by(method.discriminator.parameters(), before.discriminator.parameters(), d_grads)
    assert _stepped_by(method.generator.parameters(), before.generator.parameters(), g_old)
    assert not _stepped_by(method.generator.parameters(), before.generator.parameters(), g_new)


def test_alternating_update_steps_g_against_the_updated_discriminator():
    method, before, d_grads, g_old, g_new = _step_with_hand_gradients("alternating")
    assert _stepped_by(method.discriminator.parameters(), before.discriminator.parameters(), d_grads)
    assert _stepped_by(method.generator.parameters(), before.generator.parameters(), g_new)
    assert not _stepped_by(method.generator.parameters(), before.generator.parameters(), g_old)


def test_each_pack_slot_is_generated_in_its_own_pass_with_batch_statistics_over_b():
    torch.manual_seed(0)
    method = DCGAN(DCGAN.Config(z_dim=2, width=4, pack=3), DataSpec((2,), 8))
    seen = []
    method.discriminator.register_forward_hook(lambda module, args, out: seen.append(args[0].detach().clone()))
    reference = copy.deepcopy(method.generator)  # train mode: batch norm uses the batch's statistics
    real = Batch(torch.randn(3 * 5, 2), torch.zeros(15, dtype=torch.long))
    torch.manual_seed(7)
    method.train_step(real)
    torch.manual_seed(7)
    slots = [reference(torch.randn(5, 2)) for _ in range(3)]
    assert torch.allclose(seen[1], torch.cat(slots, dim=1), atol=1e-6)  # D's fake input [B, 2m]
    torch.manual_seed(7)
    joint = reference(torch.randn(15, 2)).reshape(5, 6)  # one pass over m·B rows normalises differently
    assert not torch.allclose(seen[1], joint, atol=1e-3)


def test_real_pack_slots_are_independent_draws():
    """Across the packs of a ring8 run's real batches, the two slots fall in the same mode with
    probability 1/8 (independent draws), not more (correlated slots) and not less."""
    from memgan_bench.data import load_dataset as load
    from memgan_bench.engine.batching import BatchSchedule
    data = load("ring8")
    method = DCGAN(DCGAN.Config(z_dim=2, width=4, pack=2), DataSpec.of(data))
    schedule = BatchSchedule(data, 100 * method.batches_per_step(), seed=0, experience=0, device=torch.device("cpu"))
    modes = torch.cat([schedule.batch(s).y for s in range(200)]).reshape(-1, 2)  # [packs, slot]
    same = (modes[:, 0] == modes[:, 1]).float().mean()
    assert abs(float(same) - 1 / 8) < 4 * (1 / 8 * 7 / 8 / len(modes)) ** 0.5
