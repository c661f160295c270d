"""results.csv: append-only, torn last line tolerated, truncated exactly on resume, malformed files refused."""

import pytest

from memgan_bench.errors import UserError
from memgan_bench.results import HEADER, ResultsLog, read_rows

IDENTITY = {"run_id": "r", "method": "dcgan", "scenario": "unsupervised", "dataset": "fashion-mnist", "seed": 1}


def test_add_appends_to_the_file_instead_of_rewriting_it(tmp_path):
    log = ResultsLog(tmp_path / "results.csv", IDENTITY)
    log.add(1, 0, {"loss/d": 0.5})
    before, inode = log.path.read_bytes(), log.path.stat().st_ino
    log.add(2, 0, {"loss/d": 0.25, "loss/g": 1 / 3})
    after = log.path.read_bytes()
    assert after.startswith(before) and log.path.stat().st_ino == inode
    assert after.count(HEADER.encode()) == 1 and log.count == 3
    assert [(r["step"], r["metric"], r["value"]) for r in read_rows(log.path)] == [
        (1, "loss/d", 0.5), (2, "loss/d", 0.25), (2, "loss/g", 1 / 3)]


def test_a_torn_last_line_is_ignored_and_cut_before_the_next_append(tmp_path):
    log = ResultsLog(tmp_path / "results.csv", IDENTITY)
    log.add(1, 0, {"a": 1.0, "b": 2.0})
    whole = log.path.read_bytes()
    with open(log.path, "ab") as handle:
        handle.write(b"r,dcgan,unsupervised,fashion-mnist,1,2,0,a,0.12")  # killed mid-append
    assert len(read_rows(log.path)) == 2
    resumed = ResultsLog(log.path, IDENTITY, keep=2)
    assert log.path.read_bytes() == whole
    resumed.add(2, 0, {"a": 3.0})
    assert [r["value"] for r in read_rows(log.path)] == [1.0, 2.0, 3.0]


def test_keep_truncates_to_the_checkpoints_rows_byte_for_byte(tmp_path):
    log = ResultsLog(tmp_path / "results.csv", IDENTITY)
    log.add(1, 0, {"a": 0.1})
    prefix = log.path.read_bytes()
    log.add(1, 0, {"b": 0.2})
    log.add(2, 0, {"a": 0.3})
    ResultsLog(log.path, IDENTITY, keep=1)
    assert log.path.read_bytes() == prefix
    with pytest.raises(UserError, match="holds 1 rows but the checkpoint counts 5"):
        ResultsLog(log.path, IDENTITY, keep=5)
    ResultsLog(log.path, IDENTITY)
    assert not log.path.exists()


@pytest.mark.parametrize("content, fragment", [
    (b"", "not a results file"),
    (b"step,value\n1,2\n", "not a results file"),
    (HEADER.encode() + b"r,dcgan,u,d,1,2\n", "line 2: expected 9 fields, found 6"),
    (HEADER.encode() + b"r,dcgan,u,d,1,two,0,a,0.5\n", "line 2: invalid literal for int"),
    (HEADER.encode() + b"r,dcgan,u,d,1,2,0,a,0.5\n" + b"\xff\xfe,\n", "not UTF-8 text"),
    (HEADER.encode() + b'r,dcgan,u,d,1,2,0,"a\n', "unexpected end of data"),
])
def test_malformed_results_files_are_one_line_errors(tmp_path, content, fragment):
    path = tmp_path / "results.csv"
    path.write_bytes(content)
    with pytest.raises(UserError, match=fragment):
        read_rows(path)


def test_a_directory_is_not_a_results_file(tmp_path):
    (tmp_path / "results.csv").mkdir()
    with pytest.raises(UserError, match="is a directory"):
        read_rows(tmp_path / "results.csv")
