"""gan-ensemble: k-means against a NumPy Lloyd, mixture weights, per-component batches, frozen experience components."""

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
from methods.common.partitions import kmeans, lloyd, random_partition
from methods.gan_ensemble import GANEnsemble
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


def test_kmeans_is_determined_by_the_seed_and_starts_at_data_points():
    points = torch.randn(200, 5)
    runs = []
    for seed in (1, 1, 2):
        torch.manual_seed(seed)
        runs.append(kmeans(points, 4))
    torch.manual_seed(1)
    init = points[torch.randperm(200)[:4]]
    assert torch.equal(runs[0], runs[1])
    assert torch.equal(runs[0], lloyd(points, init, 100))


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
    ({"kmeans_space": "classifier"}, None, "partition kmeans only"),
])
def test_bad_options_are_one_line_errors_before_training(model, scenario, message):
    raw = {"method": "gan-ensemble", "model": model, "data": {"name": "fashion-mnist"}}
    if scenario:
        raw["scenario"] = scenario
    with pytest.raises(UserError, match=message) as err:
        resolve(raw)
    assert "\n" not in str(err.value)


def test_a_stream_with_one_component_per_experience_is_accepted():
    resolve({"method": "gan-ensemble", "model": {"partition": "experience", "components": 3}, "scenario": STREAM})


def test_kmeans_space_classifier_clusters_the_evaluation_classifiers_features(monkeypatch, tiny_classifier, fmnist):
    import memgan_bench.evaluation.classifier as classifier_module

    asked = {}

    def cached(dataset, **kwargs):
        asked.update(dataset=dataset, **kwargs)
        return tiny_classifier

    monkeypatch.setattr(classifier_module, "load_or_train_classifier", cached)
    data = fmnist[0].subset(torch.arange(300))
    method = make(DataSpec((1, 28, 28), 10), partition="kmeans", kmeans_space="classifier", classifier_arch="tiny")
    torch.manual_seed(5)
    method.on_experience_start(single(data))
    with torch.no_grad():
        features = tiny_classifier.features(data.images)
    torch.manual_seed(5)
    assert torch.equal(method.assignment, kmeans(features, 3))
    assert asked["dataset"] == "fashion-mnist" and asked["arch"] == "tiny"


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
    assert set(logs) == {"loss/d_loss", "loss/g_loss", "diag/d_real", "diag/d_fake"}
    assert method.sample(5).shape == (5, *shape) and method.discriminate(x).shape == (8,)
