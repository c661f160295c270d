import pytest
import torch

from memgan_bench.engine.seeding import pick_device
from memgan_bench.errors import UserError


@pytest.fixture
def no_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)


def test_auto_and_none_pick_the_cpu_without_cuda(no_cuda):
    assert pick_device("auto") == pick_device(None) == torch.device("cpu")


def test_named_devices_pass_through(no_cuda):
    assert pick_device("cpu") == pick_device(torch.device("cpu")) == torch.device("cpu")


@pytest.mark.parametrize("name", ["cuda", "cuda:1", torch.device("cuda")])
def test_cuda_without_a_cuda_device_is_a_user_error(no_cuda, name):
    with pytest.raises(UserError, match="no CUDA device is available"):
        pick_device(name)


@pytest.mark.parametrize("name, message", [("tpu", "unknown device 'tpu'"), ("meta", "'meta' is not supported")])
def test_unknown_or_unsupported_device_is_a_user_error(name, message):
    with pytest.raises(UserError, match=message):
        pick_device(name)
