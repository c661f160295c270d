import pytest
import torch

from memgan_bench.errors import UserError
from memgan_bench.evaluation.classifier import EvalClassifier
from memgan_bench.metrics.fidelity import BOUND_CLASSIFIERS, compute_fidelity, to_uint8

N = 1000


@pytest.fixture(scope="module")
def scores(tiny_classifier, fmnist):
    train, test = fmnist
    reference = train.images[:N]
    real = compute_fidelity(test.images[:N], reference, tiny_classifier)
    one = compute_fidelity(test.images[:1].expand(N, -1, -1, -1), reference, tiny_classifier)
    noise = compute_fidelity(torch.rand(N, 1, 28, 28, generator=torch.Generator().manual_seed(0)) * 2 - 1,
                             reference, tiny_classifier)
    return real, one, noise


def test_real_data_scores_well(scores):
    real, one, noise = scores
    assert set(real) == {"is_mean", "is_std", "fid", "kid_mean", "kid_std", "precision", "recall", "f_score"}
    assert real["is_mean"] > 2.5 and real["is_mean"] > 2 * max(one["is_mean"], noise["is_mean"])
    assert real["fid"] < 0.1 * one["fid"] and real["fid"] < 0.1 * noise["fid"]
    assert abs(real["kid_mean"]) < 0.1 * noise["kid_mean"]
    assert real["precision"] > 0.6 and real["recall"] > 0.6


def test_repeated_image_has_inception_score_one(scores):
    _, one, _ = scores
    assert one["is_mean"] == pytest.approx(1.0, abs=1e-5) and one["is_std"] == pytest.approx(0.0, abs=1e-5)
    assert one["recall"] < 0.05


def test_noise_is_far_from_real(scores):
    real, _, noise = scores
    assert noise["fid"] > 10 * real["fid"]
    assert noise["recall"] < 0.1


def test_fid_of_identical_sets_is_zero(tiny_classifier, fmnist):
    x = fmnist[1].images[:200]
    out = compute_fidelity(x, x, tiny_classifier, metrics=("fid",))
    assert set(out) == {"fid"} and abs(out["fid"]) < 1e-3


def test_uint8_conversion_matches_png_quantisation():
    x = torch.tensor([-1.0, -0.999, 0.0, 0.5, 1.0, 1.5])
    assert to_uint8(x).tolist() == [0, 0, 128, 191, 255, 255]


def test_argument_errors(tiny_classifier):
    x = torch.zeros(10, 1, 28, 28)
    with pytest.raises(UserError, match="kid_subset_size"):
        compute_fidelity(x, x, tiny_classifier, metrics=("kid",), kid_subset_size=11)
    with pytest.raises(UserError, match="unknown fidelity metrics"):
        compute_fidelity(x, x, tiny_classifier, metrics=("ppl",))
    with pytest.raises(UserError, match="inception weights file not found"):
        compute_fidelity(x, x, None, inception_weights="/nonexistent/weights.pth")


def test_inception_weights_plumbing(monkeypatch, tmp_path):
    import torch_fidelity

    seen = {}
    fake = lambda **kw: seen.update(kw) or {"frechet_inception_distance": 3.0}
    monkeypatch.setattr(torch_fidelity, "calculate_metrics", fake)
    weights = tmp_path / "inception.pth"
    weights.write_bytes(b"x")
    out = compute_fidelity(torch.zeros(20, 1, 28, 28), torch.zeros(30, 1, 28, 28), None, metrics=("fid",),
                           inception_weights=str(weights))
    assert out == {"fid": 3.0}
    assert seen["feature_extractor"] == "inception-v3-compat"
    assert seen["feature_extractor_weights_path"] == str(weights)
    assert seen["input1"][0].shape == (3, 28, 28) and seen["input1"][0].dtype == torch.uint8
    assert seen["cache"] is False and seen["cuda"] is False and seen["fid"] and not seen["isc"]


def test_each_call_scores_with_its_own_classifier_and_holds_it_only_while_it_runs(tiny_classifier, fmnist):
    x, y = fmnist[1].images[:100], fmnist[0].images[:100]
    torch.manual_seed(0)
    untrained = EvalClassifier("tiny", 1, 10, identity=tiny_classifier.identity)  # same name, other weights
    trained_fid = compute_fidelity(x, y, tiny_classifier, metrics=("fid",))["fid"]
    untrained_fid = compute_fidelity(x, y, untrained, metrics=("fid",))["fid"]
    assert untrained_fid != pytest.approx(trained_fid, rel=1e-3)
    assert compute_fidelity(x, y, tiny_classifier, metrics=("fid",))["fid"] == pytest.approx(trained_fid, rel=1e-6)
    assert len(BOUND_CLASSIFIERS) == 0


def test_a_failing_call_releases_its_classifier(tiny_classifier, monkeypatch):
    import torch_fidelity

    seen = []

    def fail(**kwargs):
        seen.append(BOUND_CLASSIFIERS.current())
        raise RuntimeError("extractor failed")

    monkeypatch.setattr(torch_fidelity, "calculate_metrics", fail)
    x = torch.zeros(10, 1, 28, 28)
    with pytest.raises(RuntimeError, match="extractor failed"):
        compute_fidelity(x, x, tiny_classifier, metrics=("fid",))
    assert seen == [tiny_classifier] and len(BOUND_CLASSIFIERS) == 0
