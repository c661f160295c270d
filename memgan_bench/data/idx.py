"""Reader for the IDX format of (Fashion-)MNIST, gzipped or not, without checksum checks."""

from __future__ import annotations

import gzip
import struct
import zlib
from pathlib import Path

import numpy as np

from memgan_bench.errors import UserError

_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: str | Path) -> np.ndarray:
    """Decode one IDX file (magic 0x0000TTDD: type TT, DD dimensions, big-endian sizes); a damaged file
    (bad gzip stream, short header, payload not matching the sizes) is a :class:`UserError` naming it."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as handle:
            data = handle.read()
    except (OSError, EOFError, zlib.error) as err:
        raise UserError(f"cannot read IDX file {path}: {err}") from None
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _DTYPES:
        raise UserError(f"{path} is not an IDX file")
    ndim, dtype = data[3], np.dtype(_DTYPES[data[2]])
    offset = 4 + 4 * ndim
    if len(data) < offset:
        raise UserError(f"{path} is truncated: its header names {ndim} dimensions")
    shape = struct.unpack(">" + "I" * ndim, data[4:offset])
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(data) - offset != expected:
        raise UserError(f"{path} is damaged: shape {list(shape)} needs {expected} payload bytes, found "
                        f"{len(data) - offset}")
    return np.frombuffer(data, dtype=dtype, offset=offset).reshape(shape)


def find_idx(directories: list[Path], stem: str) -> Path | None:
    """First of ``stem`` / ``stem.gz`` found in ``directories``."""
    for directory in directories:
        for name in (stem, stem + ".gz"):
            if (directory / name).is_file():
                return directory / name
    return None
