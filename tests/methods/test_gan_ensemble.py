"""gan-ensemble: k-means against a NumPy Lloyd, mixture weights, per-component batches, frozen experience components,
the regularised ensemble's limits and penalty."""

import numpy as np
import pytest
import torch

from memgan_bench.config import resolve
from memgan_bench.data.base import Batch, DataSpec, ImageData
from memgan_bench.engine import trainer
from memgan_bench.engine.checkpoint import load_checkpoint
from memgan_bench.errors import UserError
from memgan_bench.registry import DATASETS
from memgan_bench.scenario import Experience
from memgan_bench.typed import build
from methods.common.losses import discriminator_loss, generator_loss
from methods.common.nets import build_generator, build_trunk
from methods.common.partitions import kmeans, kmeans_plus_plus, lloyd, random_partition
from methods.gan_ensemble import GANEnsemble, coupling_penalty, first_block_names
from tests.methods.test_streams import config, one_thread, train_cut_and_resume, two_blobs  # noqa: F401 (one_thread: autouse)

POINTS = DataSpec((2,), 4)


def numpy_lloyd(points: np.ndarray, centres: np.ndarray, max_iters: int) -> np.ndarray:
    """Lloyd's algorithm from the textbook: nearest centre, centre = mean of its points (kept if empty)."""
    centres = centres.copy()
    assign = ((points[:, None, :] - centres[None]) ** 2).sum(-1).argmin(1)
    for _ in range(max_iters):
        for j in range(len(centres)):
            if (assign == j).any():
                centres[j] = points[assign == j].mean(0)
        new = ((points[:, None, :] - centres[None]) ** 2).sum(-1).argmin(1)
        if (new == assign).all():
            break
        assign = new
    return assign


def test_kmeans_equals_a_numpy_lloyd_from_the_same_initial_centres():
    rng = np.random.default_rng(0)
    points = np.concatenate([rng.normal(c, 0.6, size=(40, 3)) for c in ([0, 0, 0], [3, 0, 1], [0, 3, -1], [2, 2, 2])])
    init = points[[0, 1, 2, 3]]  # all in the first blob: several iterations to converge
    expected = numpy_lloyd(points, init, 100)
    got = lloyd(torch.tensor(points, dtype=torch.float32), torch.tensor(init, dtype=torch.float32), 100)
    assert got.tolist() == expected.tolist()
    assert len(set(expected.tolist())) == 4


def test_kmeans_is_determined_by_the_seed_and_starts_at_kmeans_plus_plus_seeds():
    points = torch.randn(200, 5)
    runs = []
    for seed in (1, 1, 2):
        torch.manual_seed(seed)
        runs.append(kmeans(points, 4))
    torch.manual_seed(1)
    init = points[kmeans_plus_plus(points, 4)]
    assert torch.equal(runs[0], runs[1])
    assert torch.equal(runs[0], lloyd(points, init, 100))


def test_kmeans_plus_plus_draws_seeds_in_proportion_to_squared_distance():
    points = torch.tensor([[0.0], [1.0], [3.0]])
    firsts = torch.zeros(3)
    seconds_after_0 = torch.zeros(3)
    torch.manual_seed(0)
    for _ in range(6000):
        first, second = kmeans_plus_plus(points, 2).tolist()
        firsts[first] += 1
        if first == 0:
            seconds_after_0[second] += 1
    assert ((firsts / 6000 - 1 / 3).abs() < 0.03).all()  # the first seed is uniform
    assert seconds_after_0[0] == 0  # from point 0: squared distances 0, 1, 9 → P = 0, 0.1, 0.9
    assert abs(seconds_after_0[2] / seconds_after_0.sum() - 0.9) < 0.03


def test_kmeans_finds_eight_separated_modes_for_every_seed():
    angles = torch.arange(8) * 2 * torch.pi / 8
    centres = torch.stack([angles.cos(), angles.sin()], dim=1)
    torch.manual_seed(0)
    mode = torch.arange(8).repeat_interleave(500)
    points = centres[mode] + 0.01 * torch.randn(4000, 2)  # ring8's geometry
    for seed in range(10):
        torch.manual_seed(seed)
        assignment = kmeans(points, 8)
        pairs = set(zip(mode.tolist(), assignment.tolist()))
        assert len(pairs) == 8 and len({a for _, a in pairs}) == 8  # one cluster per mode


def test_random_partition_is_an_equal_split():
    sizes = torch.bincount(random_partition(103, 4), minlength=4).tolist()
    assert sorted(sizes) == [25, 26, 26, 26]


def make(spec=POINTS, **overrides) -> GANEnsemble:
    torch.manual_seed(0)
    cfg = build(GANEnsemble.Config, {"components": 3, "z_dim": 4, "width": 8, **overrides}, "model")
    GANEnsemble.check_config(cfg, None)
    return GANEnsemble(cfg, spec)


def indexed_points(n: int, labels=None) -> ImageData:
    """2-D points whose first coordinate is their row index."""
    labels = torch.zeros(n, dtype=torch.long) if labels is None else labels
    points = torch.stack([torch.arange(n, dtype=torch.float32), torch.zeros(n)], dim=1)
    return ImageData("indexed", points, labels, [f"c{k}" for k in range(4)])


def single(data: ImageData, index: int = 0) -> Experience:
    return Experience(index, (0,), (0,), data, data)


def test_sampled_components_follow_the_subset_shares():
    method = make()
    method.subset_sizes.copy_(torch.tensor([10.0, 30.0, 60.0]))
    counts = torch.bincount(method.sample_latent(20000).codes[:, 0], minlength=3).double()
    expected = 20000 * torch.tensor([0.1, 0.3, 0.6], dtype=torch.float64)
    assert ((counts - expected) ** 2 / expected).sum().item() < 13.82  # χ²(2) at p = 0.001


@pytest.mark.parametrize("partition", ["random", "kmeans"])
def test_each_component_is_batched_from_its_own_subset_only(partition):
    method = make(partition=partition)
    experience = single(indexed_points(90))
    method.on_experience_start(experience)
    sizes = torch.bincount(method.assignment, minlength=3)
    assert sizes.sum() == 90 and torch.equal(method.subset_sizes, sizes.float())
    schedule = method.batch_schedule(experience, 5, seed=0, device=torch.device("cpu"))
    seen = [set() for _ in range(3)]
    for step in range(40):  # several epochs of every subset
        rows = schedule.batch(step).x[:, 0].long().view(3, 5)
        for k in range(3):
            assert (method.assignment[rows[k]] == k).all()
            seen[k] |= set(rows[k].tolist())
    assert all(len(s) >= (n // 5) * 5 for s, n in zip(seen, sizes.tolist()))  # at least one whole epoch each
    again = method.batch_schedule(experience, 5, seed=0, device=torch.device("cpu")).batch(7)
    assert torch.equal(again.x, schedule.batch(7).x)  # a pure function of (seed, experience, step)


def component_state(method: GANEnsemble, k: int) -> list[torch.Tensor]:
    tensors = []
    for stacked in (method.generator, method.discriminator):
        params, buffers = stacked.tensors(k)
        tensors += [t.detach().clone() for t in (*params.values(), *buffers.values())]
    return tensors


def test_a_component_learns_only_from_its_own_rows_of_the_batch():
    method, other = make(), make()
    experience = single(indexed_points(90))
    for m in (method, other):
        m.on_experience_start(experience)
    batch = method.batch_schedule(experience, 5, seed=0, device=torch.device("cpu")).batch(0)
    changed = batch.x.clone()
    changed[5:10] += 1.0  # component 1's rows
    for m, x in ((method, batch.x), (other, changed)):
        torch.manual_seed(4)
        m.train_step(batch._replace(x=x))
    for k, same in ((0, True), (1, False), (2, True)):
        pairs = zip(component_state(method, k), component_state(other, k))
        assert all(torch.equal(a, b) for a, b in pairs) == same


def test_experience_partition_freezes_earlier_components_bit_for_bit():
    method = make(partition="experience")
    first = Experience(0, (0,), (0,), indexed_points(30), indexed_points(30))
    second = Experience(1, (1,), (0, 1), indexed_points(20), indexed_points(50))
    snapshots = []
    for experience in (first, second):
        method.on_experience_start(experience)
        schedule = method.batch_schedule(experience, 5, seed=0, device=torch.device("cpu"))
        snapshots.append([component_state(method, k) for k in range(3)])
        for step in range(4):
            method.train_step(schedule.batch(step))
        method.on_experience_end(experience)
    end = [component_state(method, k) for k in range(3)]
    # component 0 trained in experience 0 and not since; component 1 trained in experience 1; 2 never
    assert not all(torch.equal(a, b) for a, b in zip(snapshots[0][0], snapshots[1][0]))
    assert all(torch.equal(a, b) for a, b in zip(snapshots[1][0], end[0]))
    assert not all(torch.equal(a, b) for a, b in zip(snapshots[1][1], end[1]))
    assert all(torch.equal(a, b) for a, b in zip(snapshots[0][2], end[2]))
    assert method.subset_sizes.tolist() == [30.0, 20.0, 0.0]
    assert set(method.sample_latent(500).codes[:, 0].tolist()) == {0, 1}


def test_generate_runs_each_sample_through_its_own_component():
    method = make()
    method.eval()
    z, codes = torch.randn(11, 4), torch.tensor([2, 0, 1, 1, 2, 0, 0, 2, 1, 2, 2]).view(11, 1)
    with torch.no_grad():
        every = method.generator(z.expand(3, 11, 4))  # [K, n, 2]: every component on every z
        assert torch.allclose(method.generate(z, codes), every[codes[:, 0], torch.arange(11)], atol=1e-6)


STREAM = {"name": "class-incremental", "class_order": [1, 7, 8], "classes_per_experience": 1}


@pytest.mark.parametrize("model, scenario, message", [
    ({"components": 0}, None, "model.components"),
    ({"partition": "spectral"}, None, "model.partition"),
    ({"partition": "experience"}, None, "needs a stream"),
    ({"partition": "experience", "components": 2}, STREAM, "one component per experience"),
    ({"kmeans_space": "pixels", "partition": "random", "shared": True, "regularization": 1.0}, None,
     "leave model.regularization at 0"),
    ({"partition": "experience", "components": 3, "regularization": 1.0}, STREAM, "frozen components"),
    ({"exempt": "first-offset"}, None, "apply only with"),
    ({"update": "simultaneous"}, None, "update alternately"),
    ({"regularize": "generator"}, None, "apply only with"),
])
def test_bad_options_are_one_line_errors_before_training(model, scenario, message):
    raw = {"method": "gan-ensemble", "model": model, "data": {"name": "fashion-mnist"}}
    if scenario:
        raw["scenario"] = scenario
    with pytest.raises(UserError, match=message) as err:
        resolve(raw)
    assert "\n" not in str(err.value)


def test_a_stream_with_one_component_per_experience_gives_each_experience_its_own_component():
    cfg = resolve({"method": "gan-ensemble", "model": {"partition": "experience", "components": 3, "z_dim": 4,
                                                       "width": 8}, "scenario": STREAM})
    method = GANEnsemble(cfg.model, POINTS)
    for e, n in enumerate((30, 20, 40)):  # the stream's three experiences, one class each
        method.on_experience_start(Experience(e, (STREAM["class_order"][e],), (), indexed_points(n), indexed_points(n)))
        assert method.active == (e, e + 1)
        assert torch.equal(method.assignment, torch.full((n,), e))
    assert method.subset_sizes.tolist() == [30.0, 20.0, 40.0]


def class_squares(n_per_class: int = 60) -> ImageData:
    """28×28 images of 3 classes: a bright 8×8 square at a class-specific place, on noise."""
    torch.manual_seed(0)
    labels = torch.arange(3).repeat_interleave(n_per_class)
    images = -1 + 0.3 * torch.rand(len(labels), 1, 28, 28)
    for c in range(3):
        images[labels == c, :, 2 + 8 * c:10 + 8 * c, 2 + 8 * c:10 + 8 * c] = 1.0
    return ImageData("squares", images, labels, ["a", "b", "c"])


FEATURES = {"features_width": 8, "features_dim": 8, "features_epochs": 3}


def test_kmeans_space_features_clusters_the_methods_own_cached_network(tmp_path, monkeypatch):
    from methods.common import features

    monkeypatch.setenv("MEMGAN_BENCH_CACHE", str(tmp_path))
    data = class_squares()
    method = make(DataSpec((1, 28, 28), 3), partition="kmeans", kmeans_space="features", **FEATURES)
    torch.manual_seed(5)
    method.on_experience_start(single(data))
    cached = list((tmp_path / "method-features").glob("features-squares-n180-*.pt"))
    assert len(cached) == 1 and not (tmp_path / "classifiers").exists()  # its own entry, not the evaluator's
    net = features.load_or_train(data, 8, 8, 0, 3, "cpu")
    torch.manual_seed(5)
    assert torch.equal(method.assignment, kmeans(net.embed(data.images), 3))
    pairs = set(zip(data.labels.tolist(), method.assignment.tolist()))
    assert len(pairs) == 3 and len({a for _, a in pairs}) == 3  # one cluster per class: what the net learnt

    def no_training(*args, **kwargs):
        raise AssertionError("trained again although cached")

    monkeypatch.setattr(features, "train", no_training)
    again = make(DataSpec((1, 28, 28), 3), partition="kmeans", kmeans_space="features", **FEATURES)
    torch.manual_seed(5)
    again.on_experience_start(single(data))
    assert torch.equal(again.assignment, method.assignment)


def test_methods_import_no_evaluation_code():
    import ast
    from pathlib import Path

    for module in ("gan_ensemble.py", "common/features.py"):
        tree = ast.parse((Path(__file__).parents[2] / "methods" / module).read_text())
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not any(n.startswith(("memgan_bench.metrics", "memgan_bench.evaluation")) for n in names), module


def blob_stream(steps, partition="experience", checkpoint_every=0):
    """The two-blob stream of test_streams (class 0 at x = −0.5, then class 1 at x = +0.5)."""
    DATASETS.register("test-two-blobs")(two_blobs)
    return config("gan-ensemble", steps=steps, model={"components": 2, "partition": partition},
                  checkpoint_every=checkpoint_every, log_every=10)


def test_expansion_keeps_the_first_class_after_the_second(tmp_path, scoped_registries):
    cfg = blob_stream(steps=40)
    trainer.train(cfg, tmp_path, progress=False)
    method = GANEnsemble(cfg.model, DataSpec((2,), 2))
    method.load_state_dict(load_checkpoint(tmp_path / "checkpoints" / "last.pt")["method"])
    torch.manual_seed(5)
    z, codes = method.sample_latent(2000)
    method.eval()
    with torch.no_grad():
        x = method.generate(z, codes)[:, 0]
    left = codes[:, 0] == 0
    assert 0.45 < left.float().mean().item() < 0.55  # π = (256, 256) / 512
    assert (x[left] < 0).float().mean() > 0.9 and (x[~left] > 0).float().mean() > 0.9


@pytest.mark.parametrize("partition", ["experience", "kmeans"])
def test_resume_mid_stream_reproduces_the_uninterrupted_run(tmp_path, scoped_registries, monkeypatch, partition):
    cfg = blob_stream(steps=20, partition=partition, checkpoint_every=10)
    train_cut_and_resume(cfg, tmp_path, monkeypatch, (1, 10))
    full = load_checkpoint(tmp_path / "full" / "checkpoints" / "last.pt")["method"]
    cut = load_checkpoint(tmp_path / "cut" / "checkpoints" / "last.pt")["method"]
    for key, value in full["modules"].items():
        assert torch.equal(value, cut["modules"][key]), key
    assert torch.equal(full["extra"]["assignment"], cut["extra"]["assignment"])
    assert full["extra"]["active"] == cut["extra"]["active"]


@pytest.mark.parametrize("shape", [(1, 28, 28), (3, 32, 32), (2,)])
def test_components_step_and_sample_in_the_data_shape(shape):
    method = make(DataSpec(shape, 4), components=2)
    x = torch.rand(2 * 4, *shape) * 2 - 1
    logs = method.train_step(Batch(x, torch.zeros(8, dtype=torch.long)))
    assert set(logs) == {"loss/d_loss", "loss/g_loss", "diag/d_real", "diag/d_fake", "diag/g_spread"}
    assert method.sample(5).shape == (5, *shape) and method.discriminate(x).shape == (8,)


# --- the regularised ensemble (Luzi, Balestriero & Baraniuk) ---------------------------------------------

def one_step_inputs(method: GANEnsemble, seed: int = 3):
    """The batch x [K, B, 2] of a step on 2-D points and the z [K, B, z] that train_step will draw after
    torch.manual_seed(seed)."""
    torch.manual_seed(seed)
    x = torch.randn(3, 6, 2) + torch.arange(3.0).view(3, 1, 1) * 4  # each component its own cloud
    torch.manual_seed(seed)
    z = torch.randn(3, 6, method.cfg.z_dim)
    torch.manual_seed(seed)  # train_step draws this z again
    return x, z


def component_modules(method: GANEnsemble, k: int):
    """Standalone copies of component k's G and D (plain nn.Modules holding its current parameters)."""
    modules = []
    for stacked, build_one in ((method.generator, lambda: build_generator(4, POINTS, 8)),
                               (method.discriminator, lambda: build_trunk(POINTS, 1, 8))):
        module = build_one()
        params, buffers = stacked.tensors(k)
        module.load_state_dict({**{n: t.detach().clone() for n, t in params.items()},
                                **{n: t.detach().clone() for n, t in buffers.items()}})
        modules.append(module.train())
    return modules


def plain_gan_step(generator, discriminator, opt_g, opt_d, x, z):
    """DCGAN's step written out: D on its real and fake batch, then G through the updated D."""
    fake = generator(z)
    d_loss = discriminator_loss(discriminator(x).squeeze(-1), discriminator(fake.detach()).squeeze(-1))
    opt_d.zero_grad()
    d_loss.backward()
    opt_d.step()
    g_loss = generator_loss(discriminator(fake).squeeze(-1), "non-saturating")
    opt_g.zero_grad()
    g_loss.backward()
    opt_g.step()


def stacked_params(method: GANEnsemble, k: int) -> list[torch.Tensor]:
    return [t.detach() for stacked in (method.generator, method.discriminator) for t in stacked.tensors(k)[0].values()]


def test_regularization_zero_trains_k_independent_gans():
    method = make()
    plain = [component_modules(method, k) for k in range(3)]
    optimizers = [(torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999)),
                   torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))) for g, d in plain]
    for step in range(3):
        x, z = one_step_inputs(method, seed=step)
        method.train_step(Batch(x.reshape(18, 2), torch.zeros(18, dtype=torch.long)))
        for k, ((g, d), (opt_g, opt_d)) in enumerate(zip(plain, optimizers)):
            plain_gan_step(g, d, opt_g, opt_d, x[k], z[k])
    for k, (g, d) in enumerate(plain):
        expected = [p.detach() for p in (*g.parameters(), *d.parameters())]
        for got, want in zip(stacked_params(method, k), expected, strict=True):
            assert torch.allclose(got, want, rtol=1e-4, atol=1e-6)


def test_shared_members_stay_identical_and_train_as_one_network_on_the_summed_loss():
    method = make(shared=True)
    assert all(torch.equal(a, b) for a, b in zip(stacked_params(method, 0), stacked_params(method, 2)))
    g, d = component_modules(method, 0)
    opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    for step in range(3):
        x, z = one_step_inputs(method, seed=step)
        method.train_step(Batch(x.reshape(18, 2), torch.zeros(18, dtype=torch.long)))
        # one G and one D: Σ_k of component k's loss on its own batch (each batch normalised on its own)
        fakes = [g(z[k]) for k in range(3)]
        d_loss = sum(discriminator_loss(d(x[k]).squeeze(-1), d(f.detach()).squeeze(-1)) for k, f in enumerate(fakes))
        opt_d.zero_grad()
        d_loss.backward()
        opt_d.step()
        g_loss = sum(generator_loss(d(f).squeeze(-1), "non-saturating") for f in fakes)
        opt_g.zero_grad()
        g_loss.backward()
        opt_g.step()
    members = [stacked_params(method, k) for k in range(3)]
    assert all(torch.equal(a, b) for other in members[1:] for a, b in zip(members[0], other))
    expected = [p.detach() for p in (*g.parameters(), *d.parameters())]
    for got, want in zip(members[0], expected, strict=True):
        assert torch.allclose(got, want, rtol=1e-4, atol=1e-6)


def test_penalty_is_the_pairwise_sum_and_its_gradient_pulls_each_member_to_the_mean():
    torch.manual_seed(0)
    a, b = torch.randn(3, 4, requires_grad=True), torch.randn(3, 2, 5, requires_grad=True)
    penalty = coupling_penalty([a, b])
    pairwise = sum(((p[k] - p[l]) ** 2).sum() for p in (a, b) for k in range(3) for l in range(3))
    assert torch.allclose(penalty, pairwise)
    grad_a, grad_b = torch.autograd.grad(penalty, [a, b])
    for grad, p in ((grad_a, a), (grad_b, b)):
        by_hand = 4 * 3 * (p - p.mean(dim=0))  # ∂/∂θ_k Σ_{i,j} ‖θ_i − θ_j‖² = 4K (θ_k − θ̄)
        assert torch.allclose(grad, by_hand)
        assert torch.allclose(grad.sum(dim=0), torch.zeros_like(grad[0]), atol=1e-5)  # the mean never moves


def test_exempt_names_the_first_block_of_either_generator():
    mlp = build_generator(4, POINTS, 8)
    assert first_block_names(mlp, "first-offset") == {"net.0.bias", "net.1.bias"}
    assert first_block_names(mlp, "first-block") == {"net.0.weight", "net.0.bias", "net.1.weight", "net.1.bias"}
    conv = build_generator(4, DataSpec((1, 28, 28), 10), 8)
    assert first_block_names(conv, "first-offset") == {"project.1.bias"}  # the projection has no bias
    assert first_block_names(conv, "first-block") == {"project.0.weight", "project.1.weight", "project.1.bias"}
    assert first_block_names(mlp, "none") == set()


def test_shared_with_first_offset_exempt_is_a_conditional_generator():
    method = make(shared=True, exempt="first-offset")
    for step in range(5):
        x, _ = one_step_inputs(method, seed=step)
        method.train_step(Batch(x.reshape(18, 2), torch.zeros(18, dtype=torch.long)))
    names = method.generator.param_names
    for name, param in zip(names, method.generator.stacked):
        same = all(torch.equal(param[0], param[k]) for k in (1, 2))
        assert same == (name not in {"net.0.bias", "net.1.bias"}), name
    method.eval()
    z = torch.randn(50, 4)
    with torch.no_grad():  # the members differ only by their offsets, and that changes their samples
        outputs = [method.generate(z, torch.full((50, 1), k)) for k in range(3)]
    assert not torch.allclose(outputs[0], outputs[1])


def test_members_spread_falls_with_the_regularization():
    spreads = []
    for overrides in ({}, {"regularization": 1e-4}, {"regularization": 1.0}, {"shared": True}):
        method = make(**overrides)
        for step in range(40):
            x, _ = one_step_inputs(method, seed=step)
            logs = method.train_step(Batch(x.reshape(18, 2), torch.zeros(18, dtype=torch.long)))
        spreads.append(logs["diag/g_spread"].item())
    assert spreads[0] > spreads[1] > spreads[2] > spreads[3]
    assert spreads[3] < 1e-6  # identical members (the mean of equal floats is off by rounding only)


def test_regularize_generator_leaves_the_discriminators_independent():
    plain, coupled = make(), make(regularization=1.0, regularize="generator")
    for method in (plain, coupled):
        x, _ = one_step_inputs(method, seed=0)
        method.train_step(Batch(x.reshape(18, 2), torch.zeros(18, dtype=torch.long)))
    # D steps first, on the same batch and z: the same update; G's penalty then changes only the generators
    for a, b in zip(plain.discriminator.stacked, coupled.discriminator.stacked):
        assert torch.equal(a, b)
    assert not all(torch.equal(a, b) for a, b in zip(plain.generator.stacked, coupled.generator.stacked))
