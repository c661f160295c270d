"""Checkpoints carry a SHA-256 of their payload and typed fields; damage is a one-line error."""

import pytest
import torch

from memgan_bench.engine.checkpoint import load_checkpoint, save_checkpoint
from memgan_bench.errors import UserError


def state(**changes):
    return {"method_name": "dcgan", "config_sha256": "0" * 64, "step": 7, "experience": 0, "step_in_experience": 7, "results_rows": 3,
            "method": {"w": torch.arange(4096, dtype=torch.float32)}, "plugins": {}, "rng": {}, "log_window": {},
            **changes}


def test_round_trip(tmp_path):
    save_checkpoint(tmp_path / "c.pt", state())
    loaded = load_checkpoint(tmp_path / "c.pt")
    assert loaded["step"] == 7 and torch.equal(loaded["method"]["w"], torch.arange(4096, dtype=torch.float32))


@pytest.mark.parametrize("where", [0.5, 0.9])
def test_a_flipped_byte_is_refused_not_loaded(tmp_path, where):
    path = tmp_path / "c.pt"
    save_checkpoint(path, state())
    data = bytearray(path.read_bytes())
    data[int(len(data) * where)] ^= 0x01  # inside the tensor's bytes, which the zip archive does not check
    path.write_bytes(bytes(data))
    with pytest.raises(UserError, match="checksum mismatch"):
        load_checkpoint(path)


def test_a_truncated_checkpoint_is_refused(tmp_path):
    path = tmp_path / "c.pt"
    save_checkpoint(path, state())
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(UserError, match="checksum mismatch"):
        load_checkpoint(path)


@pytest.mark.parametrize("changes, fragment", [
    ({"step": "7"}, "'step' is a str, expected int"),
    ({"method": [1, 2]}, "'method' is a list, expected dict"),
    ({"results_rows": True}, "'results_rows' is a bool, expected int"),
    ({"log_window": None}, "'log_window' is a NoneType, expected dict"),
])
def test_fields_of_the_wrong_type_are_refused(tmp_path, changes, fragment):
    save_checkpoint(tmp_path / "c.pt", state(**changes))
    with pytest.raises(UserError, match=fragment):
        load_checkpoint(tmp_path / "c.pt")


def test_a_plain_torch_file_is_not_a_checkpoint(tmp_path):
    torch.save(state(format_version=1), tmp_path / "c.pt")
    with pytest.raises(UserError, match="not a memgan_bench checkpoint"):
        load_checkpoint(tmp_path / "c.pt")


def test_a_checkpoint_of_another_format_says_how_to_go_on(tmp_path):
    save_checkpoint(tmp_path / "c.pt", state(format_version=2))
    with pytest.raises(UserError, match="has format 2, expected 3; .*delete it to train the run from step 0"):
        load_checkpoint(tmp_path / "c.pt")
