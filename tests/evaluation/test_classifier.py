import typing

import pytest
import torch

from memgan_bench.errors import UserError
from memgan_bench.evaluation.classifier import (ARCHS, ClassifierArch, EvalClassifier,
                                                load_or_train_classifier, random_translate)
from memgan_bench.plugins.continual_eval import ContinualEval
from memgan_bench.plugins.coverage import CoverageConfig
from memgan_bench.plugins.fidelity import FidelityConfig
from memgan_bench.typed import build


def test_the_stored_accuracy_is_the_test_set_accuracy_and_well_above_chance(tiny_classifier, fmnist):
    """Counted here item by item from the logits, apart from the ``accuracy`` helper that stored it."""
    _, test = fmnist
    tiny_classifier.eval()
    with torch.no_grad():
        correct = sum(int((tiny_classifier.logits(test.images[i:i + 1000]).argmax(1) == test.labels[i:i + 1000]).sum())
                      for i in range(0, len(test.labels), 1000))
    counted = correct / len(test.labels)
    assert len(test.labels) == 10_000 and counted > 0.6  # chance is 0.1
    assert tiny_classifier.test_accuracy == pytest.approx(counted, abs=1e-6)
    assert "fashion-mnist" in tiny_classifier.identity and "tiny" in tiny_classifier.identity


def test_interfaces_shapes(tiny_classifier):
    x = torch.rand(5, 1, 28, 28) * 2 - 1
    assert tiny_classifier.features(x).shape == (5, tiny_classifier.feature_dim)
    assert tiny_classifier.logits(x).shape == (5, 10)
    assert torch.equal(tiny_classifier.predict(x), tiny_classifier.logits(x).argmax(1))


def test_cache_roundtrip_and_corrupt_file(tmp_path, capsys):
    kwargs = dict(arch="tiny", epochs=1, subset=300, device="cpu", cache_dir=tmp_path, progress=False)
    first = load_or_train_classifier("fashion-mnist", **kwargs)
    assert "training it" in capsys.readouterr().err
    second = load_or_train_classifier("fashion-mnist", **kwargs)
    assert "training it" not in capsys.readouterr().err
    assert second.test_accuracy == first.test_accuracy and second.identity == first.identity
    x = torch.rand(4, 1, 28, 28) * 2 - 1
    assert torch.allclose(first.logits(x), second.logits(x))
    (path,) = (tmp_path / "classifiers").glob("*.pt")
    path.write_bytes(b"not a checkpoint")
    with pytest.raises(UserError, match="corrupt"):
        load_or_train_classifier("fashion-mnist", **kwargs)


@pytest.mark.parametrize("config", [CoverageConfig, FidelityConfig, ContinualEval.Config])
def test_plugin_configs_offer_exactly_the_architectures(config):
    assert set(typing.get_args(ClassifierArch)) == set(ARCHS)
    assert build(config, {"classifier_arch": "tiny"}).classifier_arch == "tiny"
    with pytest.raises(UserError, match=r"'classifier_arch' must be one of \['resnet', 'tiny'\], got 'vgg'"):
        build(config, {"classifier_arch": "vgg"})


def test_bad_arguments(tmp_path):
    with pytest.raises(UserError, match="not an image dataset"):
        load_or_train_classifier("ring8", cache_dir=tmp_path)
    with pytest.raises(UserError, match="architecture"):
        load_or_train_classifier("fashion-mnist", arch="vgg")
    with pytest.raises(UserError, match="epochs"):
        load_or_train_classifier("fashion-mnist", epochs=0)


def test_random_translate_shifts_whole_images():
    x = torch.zeros(64, 1, 8, 8) - 1
    x[:, :, 4, 4] = 1.0
    out = random_translate(x, 2, torch.Generator().manual_seed(0))
    pos = (out[:, 0] == 1).flatten(1).float().argmax(1)
    rows, cols = pos // 8, pos % 8
    assert (out == 1).sum() == 64
    assert rows.min() >= 2 and rows.max() <= 6 and cols.min() >= 2 and cols.max() <= 6
    assert len(set(zip(rows.tolist(), cols.tolist()))) > 10


def test_any_square_size_and_channels():
    net = EvalClassifier("tiny", 3, 7)
    assert net.logits(torch.zeros(2, 3, 40, 40)).shape == (2, 7)
    assert net.logits(torch.zeros(2, 3, 32, 32)).shape == (2, 7)


def test_training_a_classifier_leaves_the_callers_rng_alone(tmp_path):
    """A run that trains the classifier (cache miss) must draw the same numbers afterwards as one that
    finds it cached: training must not reseed the global RNG."""
    kwargs = dict(arch="tiny", epochs=1, subset=200, device="cpu", cache_dir=tmp_path, progress=False)
    torch.manual_seed(123)
    load_or_train_classifier("fashion-mnist", **kwargs)  # trains
    after_training = torch.rand(5)
    torch.manual_seed(123)
    load_or_train_classifier("fashion-mnist", **kwargs)  # cached
    after_cache_hit = torch.rand(5)
    assert torch.equal(after_training, after_cache_hit)


def test_processes_that_need_the_same_classifier_at_once_train_it_once(tmp_path):
    """Two processes start together on an empty cache: one trains (and says so), the other waits and loads."""
    import subprocess
    import sys

    code = ("from memgan_bench.evaluation.classifier import load_or_train_classifier as f; "
            f"f('fashion-mnist', arch='tiny', epochs=1, subset=600, device='cpu', cache_dir={str(tmp_path)!r})")
    procs = [subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True) for _ in range(2)]
    errors = [proc.communicate(timeout=300)[1] for proc in procs]
    assert all(proc.returncode == 0 for proc in procs), errors
    assert sum(err.count("no cached classifier") for err in errors) == 1, errors
