"""A pool of worker processes that returns results in order, and fails fast when a worker dies.

``concurrent.futures.ProcessPoolExecutor`` could hang for good when a worker was killed (by
the out-of-memory killer, say): its feeder thread blocked on a full pipe that nobody read any
more, and shutting the pool down waited for it. Here each worker has its own task queue and
its own result pipe; the parent waits on a worker's pipe and on its process at once, so a
worker that dies is seen at once (``WorkerError``), the others are killed, and nothing waits
on a queue whose reader is gone. Workers ignore Ctrl-C (the parent handles it) and die with
their parent: on Linux by ``PR_SET_PDEATHSIG``, elsewhere by watching the parent's pid.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import Connection, wait
from typing import Any, TypeVar

Task = TypeVar("Task")

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


class WorkerError(RuntimeError):
    """A worker process died or failed; the run was stopped (exit status 4 on the command line)."""


class Pool:
    """``count`` processes, each running ``initializer(*initargs)`` once, then ``work`` on the tasks
    it is given. ``ordered`` yields each task with its result, in the order given. Use as a context
    manager: leaving it normally lets the workers finish; leaving it by an exception kills them."""

    def __init__(self, count: int, work: Callable[[Any], Any], initializer: Callable[..., None],
                 initargs: tuple[Any, ...] = ()) -> None:  # fmt: skip
        context = multiprocessing.get_context()
        # A forked or spawned worker's parent is this process; a fork server's child has the server.
        parent = os.getpid() if context.get_start_method() in ("fork", "spawn") else None
        self._tasks: list[Any] = []  # one multiprocessing.Queue per worker: put never blocks
        self._results: list[Connection] = []
        self._processes: list[Any] = []
        try:
            for _ in range(count):
                tasks = context.Queue()
                reader, writer = context.Pipe(duplex=False)
                process = context.Process(
                    target=_serve, args=(tasks, writer, parent, work, initializer, initargs), daemon=True
                )
                process.start()
                writer.close()  # the worker holds the only writer: its death is an end of file here
                self._tasks.append(tasks)
                self._results.append(reader)
                self._processes.append(process)
        except BaseException as error:
            self.close(abort=True)
            if isinstance(error, OSError):  # no process to be had: out of memory, or of processes
                raise WorkerError(f"could not start a worker process: {error.strerror or error}") from error
            raise

    def ordered(self, tasks: Iterable[Task], *, ahead: int) -> Iterator[tuple[Task, Any]]:
        """Each task with its result, in order, with at most ``ahead`` tasks in flight (given out in turn)."""
        pending: deque[tuple[Task, int]] = deque()
        count = len(self._processes)
        for number, task in enumerate(tasks):
            worker = number % count
            self._tasks[worker].put(task)
            pending.append((task, worker))
            if len(pending) >= ahead:
                done, worker = pending.popleft()
                yield done, self._result(worker)
        while pending:
            done, worker = pending.popleft()
            yield done, self._result(worker)

    def _result(self, worker: int) -> Any:
        connection, process = self._results[worker], self._processes[worker]
        try:
            if not connection.poll():
                wait([connection, process.sentinel])
            ok, value = connection.recv()  # a worker that died leaves an end of file, or half a message
        except (EOFError, OSError):
            process.join(5)
            raise WorkerError(f"a worker process (pid {process.pid}) {_death(process.exitcode)}") from None
        if not ok:
            raise WorkerError(f"a worker process (pid {process.pid}) failed: {value}")
        return value

    def close(self, *, abort: bool = False) -> None:
        """Stop the workers: let them finish what they were given, or (``abort``) kill them."""
        if not abort:
            for tasks in self._tasks:
                tasks.put(None)
            for process in self._processes:
                process.join(10)
        for process in self._processes:
            if process.is_alive():
                process.kill()
            process.join()
        for tasks in self._tasks:
            # A queue's feeder thread may be blocked on a pipe that its dead reader left full:
            # do not wait for it at exit, and leave the pipe open so that it never fails loudly.
            tasks.cancel_join_thread()
            if not abort:
                tasks.close()
        for connection in self._results:
            connection.close()
        self._tasks, self._results, self._processes = [], [], []

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        self.close(abort=kind is not None)


def _death(exitcode: int | None) -> str:
    if exitcode is None:
        return "stopped answering"
    if exitcode == -getattr(signal, "SIGKILL", 9):
        return "was killed (SIGKILL, as the out-of-memory killer does)"
    if exitcode < 0:
        try:
            return f"was killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"was killed by signal {-exitcode}"
    return f"exited unexpectedly with status {exitcode}"


def _serve(tasks: Any, results: Connection, parent: int | None, work: Callable[[Any], Any],
           initializer: Callable[..., None], initargs: tuple[Any, ...]) -> None:  # fmt: skip
    """A worker's life: die with the parent, start, then do tasks until given None."""
    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent handles it
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler, inherited by fork
    try:
        initializer(*initargs)
    except BaseException as error:  # noqa: BLE001 - told to the parent, which stops the run
        results.send((False, f"could not start ({type(error).__name__}: {error})"))
        return
    while (task := tasks.get()) is not None:
        try:
            outcome = (True, work(task))
        except Exception as error:  # noqa: BLE001 - likewise
            outcome = (False, f"{type(error).__name__}: {error}")
        results.send(outcome)


def die_with_parent(parent: int | None) -> None:
    """Make this process end when its parent does. ``parent`` is the pid its parent should have
    (None when unknown, as under a fork server): if it already has another, it ends at once."""
    if parent is not None and os.getppid() != parent:
        os._exit(1)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
                if parent is not None and os.getppid() != parent:  # it died before the signal was asked for
                    os._exit(1)
                return
        except (OSError, AttributeError):
            pass
    threading.Thread(target=_watch, args=(os.getppid(),), daemon=True, name="toponyms-parent-watch").start()


def _watch(parent: int, every: float = 0.5) -> None:
    """Exit once this process has another parent: its own has died (and it was handed on)."""
    while os.getppid() == parent:
        time.sleep(every)
    os._exit(1)
