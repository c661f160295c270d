"""Atomic writes: normal file modes, and temp files of killed writers cleaned up."""

import os
import socket
import subprocess
import sys

from memgan_bench.atomic import atomic_write_text, remove_temps


def dead_pid():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_files_get_the_mode_of_a_plain_open(tmp_path):
    old = os.umask(0o027)
    try:
        atomic_write_text(tmp_path / "a.txt", "x")
        with open(tmp_path / "b.txt", "w"):
            pass
    finally:
        os.umask(old)
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == (tmp_path / "b.txt").stat().st_mode & 0o777 == 0o640


def test_temp_files_of_dead_writers_are_removed_by_the_next_write(tmp_path):
    host = socket.gethostname()
    dead = tmp_path / f".a.txt~{host}~{dead_pid()}~k3j_x.tmp"
    alive = tmp_path / f".a.txt~{host}~{os.getpid()}~zz9.tmp"
    elsewhere = tmp_path / f".a.txt~otherhost~{dead_pid()}~q.tmp"
    for path in (dead, alive, elsewhere):
        path.write_text("partial")
    atomic_write_text(tmp_path / "a.txt", "x")
    assert not dead.exists() and alive.exists() and elsewhere.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["a.txt", alive.name, elsewhere.name])


def test_remove_temps_clears_a_held_folder(tmp_path):
    (tmp_path / "sub").mkdir()
    temp = tmp_path / "sub" / ".last.pt~h~12~abc.tmp"
    temp.write_bytes(b"1")
    (tmp_path / "notes.tmp").write_text("a user's file")
    assert remove_temps(tmp_path) == [temp]
    assert (tmp_path / "notes.tmp").exists()
