"""MemoryGAN through the method interface: real Fashion-MNIST steps, objective terms, checkpoints."""

import io
import math

import pytest
import torch
import torch.nn.functional as F

from memgan_bench.data import DataSpec, load_dataset
from memgan_bench.registry import METHODS
from memgan_bench.method import Batch

SPEC = DataSpec((1, 28, 28), 10)


def tiny(**overrides):
    cls = METHODS.get("memorygan")
    options = dict(memory_size=128, key_dim=16, k=32, z_dim=2, width=4)
    options.update(overrides)
    return cls(cls.Config(**options), SPEC)


@pytest.mark.parametrize("options", [
    {"fidelity": "paper"}, {"fidelity": "official"}, {"update": "kaiser"}, {"mcgn": False},
    {"loss": "non-saturating", "em_iters": 2, "lr_decay_steps": 10},
], ids=str)
def test_real_fashion_mnist_steps_are_finite_and_write_the_memory(options):
    data = load_dataset("fashion-mnist")
    torch.manual_seed(0)
    method = tiny(**options)
    for step in range(3):
        out = method.train_step(Batch(data.images[step * 16:(step + 1) * 16], data.labels[:16]))
        assert all(v.dim() == 0 and math.isfinite(float(v)) for v in out.values()), out
    assert 0 < float(out["diag/d_real"]) < 1 and 0 < float(out["diag/d_fake"]) < 1
    assert method.memory.used.any() and (method.memory.keys != 0).any() and (method.memory.ages > 0).any()
    samples = method.sample(6)
    assert samples.shape == (6, 1, 28, 28) and samples.abs().max() <= 1
    p = method.discriminate(data.images[:5])
    assert p.shape == (5,) and bool(((p >= 1e-3) & (p <= 1 - 1e-3)).all())
    spec = method.latent_spec()
    assert spec.z_prior == "uniform" and spec.discrete_sizes == (((128,) if options.get("mcgn", True) else ()))


def test_official_mode_also_updates_the_memory_in_the_generator_step():
    updates = {}
    for fidelity in ("paper", "official"):
        method = tiny(fidelity=fidelity)
        calls = []
        original = method.memory.update
        method.memory.update = lambda q, y, *read, _orig=original: calls.append(y.tolist()) or _orig(q, y, *read)
        method.train_step(Batch(torch.rand(8, 1, 28, 28) * 2 - 1, torch.zeros(8, dtype=torch.long)))
        updates[fidelity] = calls
    assert updates["paper"] == [[1.0] * 8 + [0.0] * 8]
    assert updates["official"] == [[1.0] * 8 + [0.0] * 8, [0.0] * 8]


def test_query_cos_is_the_mean_cosine_over_all_real_fake_query_pairs():
    method = tiny(fidelity="paper")
    seen = []
    original = method.memory.update
    method.memory.update = lambda q, y, *read: seen.append(q.clone()) or original(q, y, *read)
    out = method.train_step(Batch(torch.rand(8, 1, 28, 28) * 2 - 1, torch.zeros(8, dtype=torch.long)))
    q = seen[0]
    torch.testing.assert_close(out["diag/query_cos"], (q[:8] @ q[8:].T).mean())


def test_mutual_information_terms():
    q_raw = torch.randn(5, 16)
    keys = F.normalize(torch.randn(5, 16), dim=1)
    paper, official = tiny(fidelity="paper"), tiny(fidelity="official")
    expected = -(keys * q_raw / q_raw.norm(dim=1, keepdim=True)).sum(1).mean()  # I = −E[κ K_cᵀ μ̂]
    torch.testing.assert_close(paper._mi(q_raw, keys), expected)
    torch.testing.assert_close(official._mi(q_raw, keys), ((q_raw - keys) ** 2).mean())


def test_official_query_is_batch_normalised_as_tf_slim_and_paper_query_is_the_trunk_output():
    """Official code: q = slim.batch_norm(W h) (centre only, ε 1e−3) over the batch, in training and here also in
    evaluation (batch statistics, no moving averages); paper: q = W h."""
    x = torch.rand(8, 1, 28, 28) * 2 - 1
    paper = tiny(fidelity="paper")
    torch.testing.assert_close(paper.query(x), paper.inference(x))
    official = tiny(fidelity="official")
    trunk, norm = official.inference[0], official.inference[1]
    with torch.no_grad():
        norm.offset.copy_(torch.randn(16))
    for mode in ("train", "eval"):
        getattr(official, mode)()
        h = trunk(x).detach()
        q = official.query(x)
        torch.testing.assert_close(q, (h - h.mean(0)) / torch.sqrt(h.var(0, unbiased=False) + 1e-3) + norm.offset)
        torch.testing.assert_close(q.mean(0), norm.offset.detach())  # every batch centred on β
    assert norm.offset in set(official.d_opt.param_groups[0]["params"])


def test_generator_reads_the_sampled_slot_key():
    method = tiny()
    method.memory.keys.copy_(F.normalize(torch.randn(128, 16), dim=1))
    method.eval()
    z = torch.rand(3, 2) * 2 - 1
    codes = torch.tensor([[4], [9], [4]])
    expected = method.generator(torch.cat([z, method.memory.keys[[4, 9, 4]]], 1))
    torch.testing.assert_close(method.generate(z, codes), expected)


def test_linear_lr_decay():
    method = tiny(lr=1e-3, lr_decay_steps=4)
    lrs = []
    for _ in range(6):
        method.train_step(Batch(torch.rand(8, 1, 28, 28) * 2 - 1, torch.zeros(8, dtype=torch.long)))
        lrs.append(float(method.d_opt.param_groups[0]["lr"]))
        assert float(method.g_opt.param_groups[0]["lr"]) == lrs[-1]
    assert lrs == pytest.approx([1e-3, 7.5e-4, 5e-4, 2.5e-4, 0.0, 0.0])


def test_compiled_step_with_lr_decay_does_not_recompile():
    """The decayed lr is a device tensor, so torch.compile stops tracing once the optimizer holds it (after
    the first step); a host-side float lr would recompile at every change and be frozen in a captured graph."""
    from torch._dynamo.testing import CompileCounter

    torch._dynamo.reset()
    method = tiny(lr=1e-3, lr_decay_steps=4)
    counter = CompileCounter()
    step = torch.compile(method.train_step, backend=counter)
    batch = Batch(torch.rand(8, 1, 28, 28) * 2 - 1, torch.zeros(8, dtype=torch.long))
    frames = []
    for _ in range(4):
        step(batch)
        frames.append(counter.frame_count)
    assert frames[0] > 0 and frames[1] == frames[2] == frames[3], frames
    assert float(method.d_opt.param_groups[0]["lr"]) == pytest.approx(2.5e-4)


@pytest.mark.parametrize("fidelity", ["paper", "official"])
def test_checkpoint_round_trip_restores_memory_and_optimizers(fidelity):
    torch.manual_seed(0)
    method = tiny(fidelity=fidelity, lr_decay_steps=50)
    batch = Batch(torch.rand(8, 1, 28, 28) * 2 - 1, torch.zeros(8, dtype=torch.long))
    for _ in range(2):
        method.train_step(batch)
    buffer = io.BytesIO()
    torch.save(method.state_dict(), buffer)
    buffer.seek(0)
    restored = tiny(fidelity=fidelity, lr_decay_steps=50)
    restored.load_state_dict(torch.load(buffer, weights_only=True))
    for name in ("keys", "values", "ages", "hist", "used"):
        assert torch.equal(getattr(method.memory, name), getattr(restored.memory, name)), name
    assert int(restored.lr_step) == int(method.lr_step) == 2
    for a, b in zip(method.optimizers().values(), restored.optimizers().values()):
        for pa, pb in zip(a.state.values(), b.state.values()):
            assert all(torch.equal(pa[key], pb[key]) for key in pa)
    torch.manual_seed(5)
    expected = method.train_step(batch)
    torch.manual_seed(5)
    got = restored.train_step(batch)
    assert all(torch.equal(expected[key], got[key]) for key in expected)
    assert torch.equal(method.memory.keys, restored.memory.keys)


def test_k_larger_than_the_memory_is_a_user_error():
    from memgan_bench.errors import UserError

    with pytest.raises(UserError, match="model.k"):
        tiny(memory_size=16, k=32)
