import pytest


@pytest.fixture
def tiny_dcgan_config():
    """A DCGAN config that trains in well under a second per 10 steps on CPU."""
    return {
        "method": "dcgan",
        "model": {"z_dim": 8, "width": 8},
        "data": {"name": "fashion-mnist"},
        "train": {"steps": 12, "batch_size": 16, "log_every": 4, "checkpoint_every": 4, "sample_grid": 16},
        "seed": 3,
        "device": "cpu",
    }
