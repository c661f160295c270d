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
