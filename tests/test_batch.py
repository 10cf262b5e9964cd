"""A batch of articles over worker processes (``annotate --jobs``) gives what one process gives."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from termbank.batch import run_batch

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = sorted((ROOT / "examples").glob("*.txt")) + sorted((Path(__file__).parent / "data" / "annotate").glob("*.txt"))


@pytest.fixture
def batch(tmp_path):
    """A folder of 16 articles with an undecodable one in the middle."""
    folder = tmp_path / "batch"
    folder.mkdir()
    for i in range(16):
        src = ARTICLES[i % len(ARTICLES)]
        shutil.copy(src, folder / f"{i:02d}-{src.name}")
    (folder / "07b-broken.txt").write_bytes(b"El general \xff\xfe\x00 dijo\x81")
    return folder


@pytest.mark.parametrize("fmt", ["json", "csv", "md", "html", "text"])
def test_jobs_give_the_same_output(filled_cli, batch, tmp_path, fmt):
    outputs = {}
    for jobs in ("1", "2", "0"):
        out = tmp_path / f"out-{jobs}.{fmt}"
        result = filled_cli("annotate", batch, "--format", fmt, "--jobs", jobs, "-o", out)
        assert result.exit_code == 3, result.stderr  # the broken file, reported ...
        assert result.stderr.count("07b-broken.txt") == 1 and "Traceback" not in result.stderr
        outputs[jobs] = out.read_text(encoding="utf-8")
    assert outputs["1"] == outputs["2"] == outputs["0"]
    assert outputs["1"].count("border-conference") >= 2 or fmt == "csv"  # ... and the others written


def test_json_lines_come_in_file_order(filled_cli, batch, tmp_path):
    import json

    out = tmp_path / "out.jsonl"
    filled_cli("annotate", batch, "--format", "json", "--jobs", "2", "-o", out)
    files = [Path(json.loads(line)["file"]).name for line in out.read_text(encoding="utf-8").splitlines()]
    assert files == sorted(p.name for p in batch.iterdir() if p.name != "07b-broken.txt")
    assert len(files) == 16


def test_negative_jobs_is_a_usage_error(filled_cli, batch):
    result = filled_cli("annotate", batch, "--jobs", "-1")
    assert result.exit_code == 2 and "--jobs" in result.stderr


def test_run_batch_keeps_order_and_runs_in_workers():
    got = list(run_batch(lambda x: (x * x, os.getpid()), range(40), jobs=2, chunksize=2))
    assert [v for v, _ in got] == [x * x for x in range(40)]
    assert os.getpid() not in {pid for _, pid in got}


def test_run_batch_with_one_job_runs_here():
    assert {pid for pid in run_batch(lambda _: os.getpid(), range(5), jobs=1)} == {os.getpid()}


def test_run_batch_with_another_thread_running_runs_here():
    # Forking copies only this thread: a lock the other one holds would stay held in the
    # workers. The batch runs here instead (the same check as the cache writer's).
    import threading

    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        got = list(run_batch(lambda x: (x, os.getpid()), range(6), jobs=2))
    finally:
        stop.set()
        other.join()
    assert got == [(x, os.getpid()) for x in range(6)]
    assert os.getpid() not in {pid for _, pid in run_batch(lambda x: (x, os.getpid()), range(6), jobs=2)}
