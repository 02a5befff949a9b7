"""Files written whole or not at all: to a temporary name beside the target, then renamed onto it.

Every file the package writes goes through ``AtomicFile``: cleaned corpora and their
reports, gazetteer files, and the compiled cache with its key. An interrupted or failed
write leaves the old file or none, never half of one, and no temporary file behind.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO, TextIO

from toponyms.chars import has_surrogate_escape


class WriteError(OSError):
    """An output that could not be written (exit status 3 on the command line); nothing of it is left behind."""


def shown(name: str) -> str:
    """A file name as shown in messages and reports: bytes that are not UTF-8 (kept by Python as
    lone surrogates) escaped as ``\\xNN``, so that the name can be printed and written anywhere.

    >>> shown("caf\\udce9.txt"), shown("café.txt")
    ('caf\\\\xe9.txt', 'café.txt')
    """
    if not has_surrogate_escape(name):
        return name
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


class AtomicFile:
    """A file written to a temporary name beside ``path`` (``.<name>.<random>.tmp``), then renamed
    onto it by ``commit``; ``discard`` (or an exception inside ``with``) removes it, leaving any old
    file intact. Whatever fails (a full disk, a folder that cannot be written), no temporary file
    is left behind, and the error is a ``WriteError`` naming ``path``.

    ``mode`` is the committed file's mode; None: that of the file it replaces, else the umask's.
    ``sync`` flushes the file to disk before the rename, so that a crash cannot leave an empty
    file in the old one's place; a writer that checks what it reads back (the cache) does without.
    """

    def __init__(self, path: str | os.PathLike[str], *, mode: int | None = None, sync: bool = True) -> None:
        self.path = Path(path)
        self.mode = mode
        self.sync = sync
        self._stream: BinaryIO | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, self._temporary = tempfile.mkstemp(
                dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp"
            )  # made 0600, readable by no one else until committed
        except OSError as error:
            raise self._failed(error) from error
        self._stream = os.fdopen(handle, "wb")

    def _failed(self, error: OSError) -> WriteError:
        return WriteError(f"cannot write {shown(str(self.path))}: {error.strerror or error}")

    def write(self, data: bytes) -> int:
        assert self._stream is not None, "written after commit or discard"
        try:
            return self._stream.write(data)
        except OSError as error:
            raise self._failed(error) from error

    def seek(self, offset: int) -> None:
        """Go back to ``offset`` from the start, to fill in what could only be known at the end (a checksum)."""
        assert self._stream is not None, "written after commit or discard"
        try:
            self._stream.seek(offset)
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

    def commit(self, *, replace: bool = True) -> None:
        """Put the file in place (synced to disk if ``sync``) with its ``mode``. Unless ``replace``,
        a file already at ``path`` (one another process made meanwhile) is kept and this one dropped."""
        assert self._stream is not None, "committed twice"
        try:
            self._stream.flush()
            if self.sync:
                os.fsync(self._stream.fileno())
            self._stream.close()
            mode = self.mode
            if mode is None:
                try:
                    mode = self.path.stat().st_mode & 0o7777
                except OSError:
                    mode = 0o666 & ~_umask()
            os.chmod(self._temporary, mode)
            if replace:
                os.replace(self._temporary, self.path)
            else:
                with suppress(FileExistsError):
                    os.link(self._temporary, self.path)  # atomic, and fails if a file is there
                os.unlink(self._temporary)
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
            if self._stream is not None:  # not committed inside the block
                self.commit()
        else:
            self.discard()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
