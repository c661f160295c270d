"""Atomic file writes: write to a temp file in the same folder, fsync, then rename over the target.

A temp file is named ``.NAME~HOST~PID~RANDOM.tmp``; one left behind by a killed writer (its pid dead on
this host) is deleted by the next write of the same target, and :func:`remove_temps` clears a folder
that the caller holds exclusively (a leased run directory). Files get the permissions of a plain
``open``: ``0o666`` less the umask (``mkstemp`` alone would leave them ``0o600``).
"""

from __future__ import annotations

import contextlib
import glob
import os
import socket
import tempfile
from pathlib import Path
from typing import Callable

from memgan_bench.liveness import process_gone

TEMP_SUFFIX = ".tmp"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _temp_owner(temp: Path) -> tuple[str, int] | None:
    """(host, pid) encoded in a temp file's name, or None if it is not one of ours."""
    parts = temp.name[: -len(TEMP_SUFFIX)].rsplit("~", 3)
    if len(parts) != 4 or not temp.name.startswith(".") or not parts[2].isdigit():
        return None
    return parts[1], int(parts[2])


def _writer_gone(temp: Path) -> bool:
    owner = _temp_owner(temp)
    return owner is not None and process_gone(*owner)


def remove_temps(folder: str | Path) -> list[Path]:
    """Delete every atomic-write temp file below ``folder``, which the caller holds exclusively (no
    writer of it is alive); returns what was deleted."""
    removed = []
    for temp in Path(folder).rglob(f".*{TEMP_SUFFIX}"):
        if _temp_owner(temp) is not None:
            temp.unlink(missing_ok=True)
            removed.append(temp)
    return removed


@contextlib.contextmanager
def naming(path: str | Path):
    """Re-raise an ``OSError`` that names no file (``write``/``fsync`` failing on a full disk) with ``path``."""
    try:
        yield
    except OSError as err:
        if err.filename is not None or err.errno is None:
            raise
        raise OSError(err.errno, err.strerror, str(path)) from None


def atomic_write(path: str | Path, write: Callable[[object], None], mode: str = "wb") -> None:
    """Call ``write(fileobj)`` on a temp file next to ``path`` and rename it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob(f".{glob.escape(path.name)}~*{TEMP_SUFFIX}"):
        if _writer_gone(stale):
            stale.unlink(missing_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}~{socket.gethostname()}~{os.getpid()}~",
                               suffix=TEMP_SUFFIX)
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        with naming(path), os.fdopen(fd, mode) as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write(path, lambda handle: handle.write(text), mode="w")
