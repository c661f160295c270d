"""Every error a user can cause: one line on stderr, exit code 2, no traceback."""

import subprocess
import sys

import pytest
import torch
import yaml

from memgan_bench.cli import main
from memgan_bench.errors import UserError


def one_line_error(capsys, argv):
    code = main(argv)
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1, err
    assert err.startswith("memgan-bench: error:")
    return err


@pytest.fixture
def config_file(tmp_path, tiny_dcgan_config):
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(tiny_dcgan_config))
    return path


@pytest.mark.parametrize(
    "override, fragment",
    [
        ("train.bogus=1", "unknown config key 'train.bogus'"),
        ("train.steps=many", "'train.steps' must be an integer"),
        ("train.batch_size=0", "'train.batch_size' must be >= 1"),
        ("model.loss=hinge", "'model.loss' must be one of"),
        ("device=tpu", "'device' must be one of"),
    ],
)
def test_bad_config_values(capsys, tmp_path, config_file, override, fragment):
    err = one_line_error(capsys, ["run", "--config", str(config_file), "--set", override, "--out", str(tmp_path / "r")])
    assert fragment in err


def test_missing_config_file_and_unknown_command(capsys, tmp_path):
    assert "config file not found" in one_line_error(capsys, ["run", "--config", str(tmp_path / "none.yaml")])
    assert "invalid choice" in one_line_error(capsys, ["frobnicate"])


def test_missing_dataset_names_how_to_get_it(capsys, tmp_path, config_file):
    err = one_line_error(capsys, ["run", "--config", str(config_file), "--set", "data.name=mnist",
                                  "--set", f"data.root={tmp_path}", "--out", str(tmp_path / "r")])
    assert "mnist-5k" in err and "data.root" in err


def test_corrupt_checkpoint_is_a_one_line_error(capsys, tmp_path, config_file):
    out = tmp_path / "run"
    assert main(["run", "--config", str(config_file), "--out", str(out)]) == 0
    capsys.readouterr()
    (out / "checkpoints" / "last.pt").write_bytes(b"\x00not a checkpoint" * 10)
    assert "corrupt checkpoint" in one_line_error(capsys, ["sample", str(out)])
    (out / "status").write_text("running\n")
    assert "corrupt checkpoint" in one_line_error(capsys, ["run", "--resume", "--out", str(out)])


def test_console_script_exit_code_without_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "memgan_bench.cli", "run", "--config", str(tmp_path / "x.yaml")],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


# ---- bad input of every kind, through the CLI: one stderr line, exit 2, no traceback -------------------------

def idx_bytes(kind: int, shape: tuple, payload: bytes) -> bytes:
    return bytes([0, 0, kind, len(shape)]) + b"".join(n.to_bytes(4, "big") for n in shape) + payload


def fmnist_root(tmp_path, images: bytes, labels: bytes, gz: bool = False):
    """A data root whose FashionMNIST/raw holds the given training IDX files (``.gz`` names if ``gz``)."""
    raw = tmp_path / "data" / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    suffix = ".gz" if gz else ""
    (raw / f"train-images-idx3-ubyte{suffix}").write_bytes(images)
    (raw / f"train-labels-idx1-ubyte{suffix}").write_bytes(labels)
    return ["--set", f"data.root={tmp_path / 'data'}"]


GOOD_IMAGES = idx_bytes(0x08, (2, 28, 28), bytes(2 * 28 * 28))
GOOD_LABELS = idx_bytes(0x08, (2,), bytes([1, 2]))


def unwritable_dir(tmp_path):
    """A folder this process cannot create entries in (root ignores permission bits: use sysfs then)."""
    import os
    from pathlib import Path

    if os.geteuid() == 0:
        return Path("/sys/memgan-bench-test")
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    return folder / "run"


def copy_run(tmp_path, finished_tiny_run, status="finished"):
    import shutil

    run = tmp_path / "run"
    shutil.copytree(finished_tiny_run, run)
    (run / "status").write_text(status + "\n")
    return run


def rewrite_checkpoint(run, **changes):
    from memgan_bench.engine.checkpoint import load_checkpoint, save_checkpoint

    state = load_checkpoint(run / "checkpoints" / "last.pt")
    state.pop("format_version")
    save_checkpoint(run / "checkpoints" / "last.pt", {**state, **changes})


def run_with(*extra):
    return lambda t, c, r: ["run", "--config", str(c), "--out", str(t / "r"), *extra]


def config_bytes(data: bytes):
    def case(t, c, r):
        (t / "bad.yaml").write_bytes(data)
        return ["run", "--config", str(t / "bad.yaml"), "--out", str(t / "r")]
    return case


def damaged_run(damage, command=("report",)):
    """``command RUN`` on a copy of a run (status 'running', so run --resume would continue it) after ``damage``."""
    def case(t, c, r):
        run = copy_run(t, r, status="running")
        damage(run)
        return [*command, str(run)] if command != ("resume",) else ["run", "--resume", "--out", str(run)]
    return case


def write(name, data: bytes):
    return lambda run: (run / name).write_bytes(data)


def results_dir(run):
    (run / "results.csv").unlink()
    (run / "results.csv").mkdir()


def gzip_cut(data: bytes) -> bytes:
    import gzip

    return gzip.compress(data)[:-30]


def gzip_garbled(data: bytes) -> bytes:
    import gzip

    packed = bytearray(gzip.compress(data))
    packed[10] ^= 0xFF  # first byte of the deflate stream: zlib.error, not an OSError
    return bytes(packed)


def fill_disk(monkeypatch):
    import errno
    import os

    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)


HEADER = b"run_id,method,scenario,dataset,seed,step,experience,metric,value\n"
BAD_INPUTS = {
    # configs
    "latin-1 config": (config_bytes("method: dcgan\nname: caf\xe9\n".encode("latin-1")), "not UTF-8 text"),
    "UTF-16 config": (config_bytes("method: dcgan\n".encode("utf-16")), "not UTF-8 text"),
    "NaN learning rate": (config_bytes(b"method: dcgan\nmodel: {lr: .nan}\n"), "'model.lr' must be a finite number"),
    "infinite override": (run_with("--set", "model.lr=-.inf"), "'model.lr' must be a finite number"),
    "huge integer": (run_with("--set", f"train.steps={10**30}"), "'train.steps' is out of range"),
    "huge float": (run_with("--set", f"model.lr={10**400}"), "'model.lr' is out of range"),
    # IDX files
    "truncated gzip": (lambda t, c, r: run_with(*fmnist_root(t, gzip_cut(GOOD_IMAGES), GOOD_LABELS, gz=True))(t, c, r),
                       "cannot read IDX file"),
    "corrupt gzip": (lambda t, c, r: run_with(*fmnist_root(t, gzip_garbled(GOOD_IMAGES), GOOD_LABELS, gz=True))(t, c, r),
                     "cannot read IDX file"),
    "short IDX header": (lambda t, c, r: run_with(*fmnist_root(t, b"\x00\x00\x08\x03\x00\x00", GOOD_LABELS))(t, c, r),
                         "train-images-idx3-ubyte is truncated"),
    "IDX payload misaligned": (lambda t, c, r: run_with(*fmnist_root(
        t, idx_bytes(0x0C, (2, 2, 2), bytes(31)), GOOD_LABELS))(t, c, r), "needs 32 payload bytes, found 31"),
    "IDX image/label count": (lambda t, c, r: run_with(*fmnist_root(
        t, GOOD_IMAGES, idx_bytes(0x08, (3,), bytes(3))))(t, c, r), "expected 2 uint8 labels"),
    "IDX label out of range": (lambda t, c, r: run_with(*fmnist_root(
        t, GOOD_IMAGES, idx_bytes(0x08, (2,), bytes([1, 12]))))(t, c, r), "holds label 12"),
    # checkpoints that unpickle safely but hold the wrong things
    "checkpoint step is text": (damaged_run(lambda run: rewrite_checkpoint(run, step="12"), ("resume",)),
                                "'step' is a str, expected int"),
    "checkpoint weights of wrong shape": (damaged_run(lambda run: rewrite_checkpoint(
        run, method={"modules": {"generator.net.0.weight": torch.zeros(1)}, "optimizers": {}}), ("sample",)),
        "does not match this run"),
    "checkpoint rng of wrong type": (damaged_run(lambda run: rewrite_checkpoint(run, rng={"torch": torch.zeros(3)}),
                                                 ("resume",)), "RNG state 'torch' is a torch.float32 tensor"),
    # results.csv
    "garbage results line": (damaged_run(lambda run: open(run / "results.csv", "ab").write(b"1,2,3\n")),
                             "expected 9 fields, found 3"),
    "garbage results line on resume": (damaged_run(lambda run: (run / "results.csv").write_bytes(
        HEADER + b"x,dcgan,u,d,3,four,0,m,1\n" * 30), ("resume",)), "line 2: invalid literal for int"),
    "empty results": (damaged_run(write("results.csv", b"")), "is not a results file"),
    "non-UTF-8 results": (damaged_run(write("results.csv", HEADER + b"\xe9\n")), "is not UTF-8 text"),
    "results is a folder": (damaged_run(results_dir), "is a directory"),
    "results is a folder on resume": (damaged_run(results_dir, ("resume",)), "is a directory"),
    "results missing on resume": (damaged_run(lambda run: (run / "results.csv").unlink(), ("resume",)),
                                  "is missing but the checkpoint counts"),
    # a run's status
    "random bytes in status (report)": (damaged_run(write("status", bytes(range(128, 256)))),
                                        "status is not UTF-8 text (byte 0)"),
    "random bytes in status (resume)": (damaged_run(write("status", bytes(range(128, 256))), ("resume",)),
                                        "status is not UTF-8 text (byte 0)"),
    "a status that is no status (resume)": (damaged_run(write("status", b"done\n"), ("resume",)),
                                            "holds 'done', not a run status"),
    # a run's config.yaml
    "malformed run config (report)": (damaged_run(write("config.yaml", b"method: [dcgan\n")), "is not valid YAML"),
    "malformed run config (resume)": (damaged_run(write("config.yaml", b"- a\n- b\n"), ("resume",)),
                                      "must hold a mapping"),
    "malformed run config (sample)": (damaged_run(write("config.yaml", b"method: 3\n"), ("sample",)),
                                      "'method' must be a string"),
    # output paths
    "--out is a file": (lambda t, c, r: (t / "f").write_text("x") and run_with()(t, c, r)[:-1] + [str(t / "f")],
                        "is an existing file"),
    "--out below a file": (lambda t, c, r: (t / "f").write_text("x") and run_with()(t, c, r)[:-1] + [str(t / "f/r")],
                           "Not a directory"),
    "--out not writable": (lambda t, c, r: run_with()(t, c, r)[:-1] + [str(unwritable_dir(t))],
                           "memgan-bench-test" if __import__("os").geteuid() == 0 else "Permission denied"),
    "sample --out DIR": (lambda t, c, r: ["sample", str(r), "--out", str(t)], "is a folder"),
    # devices
    "unknown device": (lambda t, c, r: ["classifier", "--dataset", "fashion-mnist", "--device", "tpu"],
                       "unknown device 'tpu'"),
}


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_bad_input_is_one_line_and_exit_2(capsys, tmp_path, config_file, finished_tiny_run, name):
    make_argv, fragment = BAD_INPUTS[name]
    argv = make_argv(tmp_path, config_file, finished_tiny_run)
    assert fragment in one_line_error(capsys, argv)


def test_full_disk_is_one_line_naming_the_file(capsys, tmp_path, config_file, monkeypatch):
    fill_disk(monkeypatch)
    err = one_line_error(capsys, ["run", "--config", str(config_file), "--out", str(tmp_path / "r")])
    assert "No space left on device" in err and str(tmp_path / "r") in err


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without a GPU")
def test_cuda_without_a_gpu_is_one_line(capsys):
    err = one_line_error(capsys, ["classifier", "--dataset", "fashion-mnist", "--device", "cuda"])
    assert "no CUDA device is available" in err


def test_decimal_strings_are_floats_and_text_is_not(tmp_path, config_file):
    from memgan_bench.config import load_config

    assert load_config(config_file, ["model.lr=1e-3"]).model.lr == 1e-3  # PyYAML reads 1e-3 as a string
    assert load_config(config_file, ["model.betas=[5e-1, 9.99E-1]"]).model.betas == (0.5, 0.999)
    with pytest.raises(UserError, match="'model.lr' must be a number"):
        load_config(config_file, ["model.lr=fast"])


def test_a_subprocess_prints_no_traceback_for_a_damaged_run(tmp_path, finished_tiny_run):
    run = copy_run(tmp_path, finished_tiny_run)
    (run / "results.csv").write_bytes(b"\x00\xff")
    proc = subprocess.run([sys.executable, "-m", "memgan_bench.cli", "report", str(run)], capture_output=True,
                          text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
