"""Writing outputs whole or not at all: a file is written beside its target, synced and renamed
into place, so an interrupted or failed run leaves the old file or none, never half of one."""

from __future__ import annotations

import io
import os
import sys
import tempfile
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO, TextIO

from toponyms.corpus.record import shown


class WriteError(OSError):
    """An output that could not be written (exit status 3 on the command line); nothing of it is left behind."""


class AtomicFile:
    """A file written to a temporary name beside ``path``, then synced and renamed onto it by
    ``commit``; ``discard`` (or an exception inside ``with``) removes it, leaving any old file
    intact. Whatever fails (a full disk, a folder that cannot be written), no temporary file is
    left behind, and the error is a ``WriteError`` naming ``path``."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._stream: BinaryIO | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, self._temporary = tempfile.mkstemp(
                dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp"
            )
        except OSError as error:
            raise self._failed(error) from error
        self._stream = os.fdopen(handle, "wb")

    def _failed(self, error: OSError) -> WriteError:
        return WriteError(f"cannot write {shown(str(self.path))}: {error.strerror or error}")

    def write(self, data: bytes) -> None:
        assert self._stream is not None, "written after commit or discard"
        try:
            self._stream.write(data)
        except OSError as error:
            raise self._failed(error) from error

    @contextmanager
    def text(self, errors: str = "strict") -> Iterator[TextIO]:
        """The file as UTF-8 text, buffered, for writers of many small pieces (``json.dump``, ``csv``)."""
        assert self._stream is not None, "written after commit or discard"
        stream = io.TextIOWrapper(self._stream, encoding="utf-8", errors=errors, newline="")
        try:
            yield stream
        except BaseException:
            with suppress(OSError, ValueError):  # the file is discarded: what is buffered need not reach it
                stream.detach()
            raise
        try:
            stream.detach()  # flushed, and the file left open for commit or discard
        except OSError as error:
            raise self._failed(error) from error

    def commit(self) -> None:
        """Put the file in place, synced to disk, with the mode of the file it replaces (else the umask's)."""
        assert self._stream is not None, "committed twice"
        try:
            self._stream.flush()
            os.fsync(self._stream.fileno())
            self._stream.close()
            try:
                mode = self.path.stat().st_mode & 0o7777
            except OSError:
                mode = 0o666 & ~_umask()
            os.chmod(self._temporary, mode)
            os.replace(self._temporary, self.path)
        except BaseException as error:
            self.discard()
            if isinstance(error, OSError) and not isinstance(error, WriteError):
                raise self._failed(error) from error
            raise
        self._stream = None

    def discard(self) -> None:
        """Remove the temporary file, without writing out what is still buffered (the disk may be full)."""
        if self._stream is not None:
            stream, self._stream = self._stream, None
            with suppress(OSError, ValueError):
                # Closing the file under the buffer drops what it holds; the buffer's own close then does nothing.
                getattr(stream, "raw", stream).close()
            with suppress(OSError, ValueError):
                stream.close()
            with suppress(OSError):
                os.unlink(self._temporary)

    def __enter__(self) -> AtomicFile:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is None:
            self.commit()
        else:
            self.discard()


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


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


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
