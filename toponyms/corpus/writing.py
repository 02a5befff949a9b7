"""Writing outputs whole or not at all: a file is written beside its target, synced and renamed
into place, so an interrupted or failed run leaves the old file or none, never half of one."""

from __future__ import annotations

import sys
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from contextlib import suppress

from toponyms.atomic import AtomicFile, WriteError


class _Stdout:
    """Standard output with the interface of an ``AtomicFile`` (it cannot be taken back)."""

    def __init__(self) -> None:
        self.stream = sys.stdout.buffer

    def write(self, data: bytes) -> None:
        self._do(self.stream.write, data)

    def commit(self) -> None:
        self._do(self.stream.flush)

    def discard(self) -> None:
        with suppress(OSError):
            self.stream.flush()

    @staticmethod
    def _do(action: Callable[..., object], *args: object) -> None:
        try:
            action(*args)
        except BrokenPipeError:  # the reader has gone: the command line says nothing of it
            raise
        except OSError as error:
            raise WriteError(f"cannot write standard output: {error.strerror or error}") from error


class _Committer:
    """Puts finished output files in place in the background. Syncing a file to disk before its
    rename takes milliseconds, which would slow a folder of many small files several times over;
    synced a few at a time beside the cleaning, they cost little (the file system groups them).
    A file that could not be put in place is raised as its WriteError on a later call."""

    THREADS = 8

    def __init__(self) -> None:
        self._threads: ThreadPoolExecutor | None = None
        self._pending: deque[Future[None]] = deque()

    def finish(self, sink: AtomicFile | _Stdout | None, failed: bool) -> None:
        """Commit ``sink``, or discard it if ``failed``."""
        if sink is None:
            return
        if failed:
            sink.discard()
        elif isinstance(sink, _Stdout):
            sink.commit()
        else:
            if self._threads is None:
                self._threads = ThreadPoolExecutor(self.THREADS, thread_name_prefix="toponyms-commit")
            self._pending.append(self._threads.submit(sink.commit))
        while self._pending and (self._pending[0].done() or len(self._pending) > 4 * self.THREADS):
            self._pending.popleft().result()

    def close(self, *, failing: bool = False) -> None:
        """Wait for the files being put in place; raise the first that failed, unless already ``failing``."""
        try:
            while self._pending:
                future = self._pending.popleft()
                if failing:
                    wait_for([future])
                else:
                    future.result()
        finally:
            if self._pending and self._threads is not None:  # the rest, after an error
                wait_for(self._pending)
                self._pending.clear()
            if self._threads is not None:
                self._threads.shutdown(wait=True)
                self._threads = None
