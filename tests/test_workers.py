"""The worker pool of `toponyms clean --workers N`: results in order, a dead worker fails the run fast
(never a hang), and workers die with their parent."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from toponyms import Resolver, corpus
from toponyms.corpus import clean_jobs, plan
from toponyms.workers import Pool, WorkerError

psutil = pytest.importorskip("psutil")  # the test extra brings it with Dask


def _square_slowly(task: int) -> int:
    time.sleep(0.001 * (task % 7))
    return task * task


def _die_on(task: int) -> int:
    if task == 5:
        os.kill(os.getpid(), signal.SIGKILL)  # as the out-of-memory killer would
    return task


def _fail_on(task: int) -> int:
    if task == 3:
        raise ValueError("no good")
    return task


def _nothing() -> None:
    pass


def test_results_come_in_order() -> None:
    with Pool(3, _square_slowly, _nothing) as pool:
        assert [(task, result) for task, result in pool.ordered(iter(range(100)), ahead=6)] == [
            (n, n * n) for n in range(100)
        ]
    assert not multiprocessing.active_children()


@pytest.mark.parametrize("ahead", [1, 2, 8])
def test_a_worker_that_dies_fails_the_run_at_once(ahead: int) -> None:
    started = time.monotonic()
    with pytest.raises(WorkerError, match=r"a worker process \(pid \d+\) was killed \(SIGKILL"):
        with Pool(2, _die_on, _nothing) as pool:
            for _ in pool.ordered(iter(range(1000)), ahead=ahead):
                pass
    assert time.monotonic() - started < 30
    assert not multiprocessing.active_children()  # the other worker was stopped too


def test_a_worker_that_fails_stops_the_run() -> None:
    with pytest.raises(WorkerError, match="failed: ValueError: no good"):
        with Pool(2, _fail_on, _nothing) as pool:
            list(pool.ordered(iter(range(10)), ahead=4))
    assert not multiprocessing.active_children()


def test_clean_with_a_worker_killed_leaves_no_output(
    resolver: Resolver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if multiprocessing.get_start_method() != "fork":
        pytest.skip("the patched work reaches forked workers only")
    monkeypatch.setattr(corpus, "CHUNK_RECORDS", 4)
    work = corpus._work_chunk

    def dying(chunk: list) -> object:
        if chunk[0][0] == 1 and chunk[0][1].line == 9:  # the third chunk of the second file
            os.kill(os.getpid(), signal.SIGKILL)
        return work(chunk)

    monkeypatch.setattr(corpus, "_work_chunk", dying)
    (tmp_path / "in").mkdir()
    for name in ("a.jsonl", "b.jsonl", "c.jsonl"):
        (tmp_path / "in" / name).write_text("".join(json.dumps({"text": "in Artemovsk"}) + "\n" for _ in range(40)))
    with pytest.raises(WorkerError, match="was killed"):
        clean_jobs(plan([str(tmp_path / "in")], str(tmp_path / "out")), resolver, workers=2)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.jsonl"]  # finished before: kept
    assert not multiprocessing.active_children()


# --- the command line, as the out-of-memory killer would meet it --------------------------------


def _start(tmp_path: Path) -> tuple[subprocess.Popen, list]:
    """``toponyms clean - --workers 2`` reading JSON Lines from a pipe, once its two workers run."""
    command = [sys.executable, "-m", "toponyms", "clean", "-", "--format", "jsonl", "--workers", "2",
               "--out", str(tmp_path / "out.jsonl")]  # fmt: skip
    done = subprocess.Popen(command, stdin=subprocess.PIPE, stderr=subprocess.PIPE, cwd=Path(__file__).parent.parent)
    line = (json.dumps({"text": "Shelling in Artemovsk and Krasnoarmeysk."}) + "\n").encode()
    assert done.stdin is not None
    done.stdin.write(line * 300)  # enough for both workers to have work in hand
    done.stdin.flush()
    main = psutil.Process(done.pid)
    deadline = time.monotonic() + 60
    while len(main.children()) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    workers = main.children()
    assert len(workers) == 2, "the workers did not start"
    return done, workers


def _gone(process: psutil.Process) -> bool:
    try:
        return process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_a_killed_worker_stops_the_command_with_a_clear_error(tmp_path: Path) -> None:
    for trial in range(3):  # the pool it replaced hung in most such trials
        done, workers = _start(tmp_path)
        workers[trial % 2].send_signal(signal.SIGKILL)
        assert done.stdin is not None
        try:
            for _ in range(50):  # more work, then the end of the input
                done.stdin.write((json.dumps({"text": "Artemovsk"}) + "\n").encode() * 100)
            done.stdin.close()
        except BrokenPipeError:  # it stopped already
            pass
        try:
            status = done.wait(timeout=60)
        except subprocess.TimeoutExpired:
            for process in [*workers, psutil.Process(done.pid)]:
                process.kill()
            pytest.fail("the command hung after a worker was killed")
        error = done.stderr.read().decode() if done.stderr else ""
        assert status == 4, error
        assert "a worker process" in error and "was killed (SIGKILL, as the out-of-memory killer does)" in error
        assert "Traceback" not in error
        assert list(tmp_path.iterdir()) == []  # no output, no temporary file
        deadline = time.monotonic() + 10
        while not all(_gone(worker) for worker in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert all(_gone(worker) for worker in workers)


def test_workers_die_with_their_parent(tmp_path: Path) -> None:
    done, workers = _start(tmp_path)
    done.send_signal(signal.SIGKILL)
    done.wait(timeout=30)
    deadline = time.monotonic() + 10
    while not all(_gone(worker) for worker in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert all(_gone(worker) for worker in workers), "a worker outlived the command"
