"""Reading a corpus: plain-text files and JSON Lines as records (CSV is ``rows``)."""

from __future__ import annotations

import io
import itertools
import json
import os
import re
import stat
import sys
from collections.abc import Iterable, Iterator
from contextlib import nullcontext
from pathlib import Path
from typing import Any, BinaryIO

from toponyms import corpus
from toponyms.corpus.record import STDIN, Record, _bad_utf8, _bytes, _Piece
from toponyms.corpus.rows import read_csv

FORMATS = ("txt", "jsonl", "csv")
SUFFIX_FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}  # anything else is plain text


def format_of(path: str | os.PathLike[str]) -> str:
    """The format an input is read as, from its name: ``jsonl``, ``csv`` or ``txt``."""
    return SUFFIX_FORMATS.get(Path(path).suffix.lower(), "txt")


def iter_records(
    path: str | os.PathLike[str],
    fmt: str | None = None,
    *,
    field: str = "text",
    column: str = "text",
    pipes: bool = True,
) -> Iterator[Record]:
    """The records of one input file, in order; ``"-"`` reads standard input (as ``fmt``, default txt).

    ``fmt`` defaults to what the file name says (``format_of``). An input that cannot be
    opened, or fails while being read, ends with a ``fatal`` record; so does a device or a
    socket, which is not opened, and a named pipe (FIFO) unless ``pipes`` (an input named by
    the user may be one, as ``<(zcat corpus.gz)`` is; a file found in a folder may not).
    """
    name = os.fspath(path)
    fmt = fmt or ("txt" if name == "-" else format_of(name))
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")
    stdin = name == "-"
    if stdin:
        name = STDIN
    try:
        if stdin:
            opened: Any = nullcontext(sys.stdin.buffer)
        else:
            special = _special(os.stat(name).st_mode, pipes)
            if special is None:
                opened = _open_regular(name, pipes)
                special = _special(os.fstat(opened.fileno()).st_mode, pipes)  # swapped since the stat?
                if special is not None:
                    opened.close()
            if special is not None:
                yield Record(name, None, b"", problem=f"{special}, not a regular file; skipped", fatal=True)
                return
        with opened as stream:
            if fmt == "jsonl":
                yield from read_jsonl(_lines(stream), name, field)
            elif fmt == "csv":
                yield from read_csv(_lines(stream), name, column)
            else:
                yield from _read_text(stream, name)
    except OSError as error:
        yield Record(name, None, b"", problem=f"cannot read: {error.strerror or error}", fatal=True)


def _special(mode: int, pipes: bool) -> str | None:
    """What a file of ``mode`` is, if it is not to be read: None for a regular file (or a pipe, if ``pipes``)."""
    if stat.S_ISREG(mode) or (pipes and stat.S_ISFIFO(mode)):
        return None
    kinds = [(stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder")]  # fmt: skip
    return next((kind for test, kind in kinds if test(mode)), "a special file")


def _open_regular(name: str, pipes: bool) -> BinaryIO:
    """``name`` opened for reading; without ``pipes``, without blocking, in case it was swapped for a FIFO."""
    handle = os.open(name, os.O_RDONLY | (0 if pipes else getattr(os, "O_NONBLOCK", 0)))
    try:
        if not pipes:
            os.set_blocking(handle, True)
        return os.fdopen(handle, "rb")
    except BaseException:
        os.close(handle)
        raise


def _lines(stream: BinaryIO) -> Iterator[bytes]:
    """The lines of ``stream``, each a ``bytes``; a line longer than ``MAX_RECORD`` as ``_Piece``s."""
    limit = corpus.MAX_RECORD
    while line := stream.readline(limit + 1):
        if len(line) <= limit or line.endswith(b"\n"):
            yield line
            continue
        while True:
            for start in range(0, len(line), corpus.CHUNK_BYTES):
                yield _Piece(line[start : start + corpus.CHUNK_BYTES])
            if line.endswith(b"\n"):
                break
            line = stream.readline(corpus.CHUNK_BYTES)
            if not line:
                break


def _read_text(stream: BinaryIO, name: str) -> Iterator[Record]:
    """A plain-text file as one record; one larger than ``MAX_RECORD`` passed through in pieces."""
    limit = corpus.MAX_RECORD
    try:
        status = os.fstat(stream.fileno())
        size = status.st_size if stat.S_ISREG(status.st_mode) else -1
    except (OSError, ValueError, io.UnsupportedOperation):  # a stream with no file, as in some tests
        size = -1
    raw = b"" if size > limit else stream.read(limit + 1)
    if size <= limit and len(raw) <= limit:
        yield read_text(raw, name)
        return
    problem = f"larger than {_bytes(limit)}, the limit for a text file; passed through unchanged"
    pieces = (raw[start : start + corpus.CHUNK_BYTES] for start in range(0, len(raw), corpus.CHUNK_BYTES))
    rest = iter(lambda: stream.read(corpus.CHUNK_BYTES), b"")
    for number, piece in enumerate(itertools.chain(pieces, rest)):
        yield Record(name, None, piece, problem=problem) if number == 0 else Record(name, None, piece, counted=False)


def read_text(raw: bytes, source: str) -> Record:
    """A whole plain-text file as one record."""
    if b"\0" in raw:
        return Record(source, None, raw, problem="binary file (NUL bytes); copied unchanged")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        return Record(source, line, raw, problem=f"{_bad_utf8(raw, error)}; file passed through unchanged")
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    return Record(source, None, raw, text=text[len(bom) :], before=bom)


def read_jsonl(lines: Iterable[bytes], source: str, field: str = "text") -> Iterator[Record]:
    """One record per line of JSON Lines; the text is the string in ``field`` of each object.

    A line that cannot be read (not UTF-8, not a JSON object, nested too deeply, longer
    than ``MAX_RECORD``) is a record with a ``problem``, written through unchanged.
    """
    number, long = 0, False  # long: within a line read in pieces
    for raw in lines:
        if long or isinstance(raw, _Piece):
            if not long:
                number += 1
                problem = f"a line longer than {_bytes(corpus.MAX_RECORD)}; passed through unchanged"
                yield Record(source, number, raw, problem=problem)
            else:
                yield Record(source, number, raw, counted=False)
            long = isinstance(raw, _Piece) and not raw.endswith(b"\n")
            continue
        number += 1
        try:
            yield _json_record(raw, source, number, field)
        except RecursionError:
            yield Record(source, number, raw, problem="JSON nested too deeply to read; line passed through unchanged")
        except Exception as error:  # noqa: BLE001 - one line that trips a bug must not stop a corpus
            problem = f"cannot be read ({type(error).__name__}: {error}); line passed through unchanged"
            yield Record(source, number, raw, problem=problem)


def _json_record(raw: bytes, source: str, number: int, field: str) -> Record:
    """Line ``number`` of JSON Lines as a record."""
    body = raw.rstrip(b"\r\n")
    if not body.strip():
        return Record(source, number, raw, counted=False)
    try:
        line = body.decode("utf-8")
    except UnicodeDecodeError as error:
        return Record(source, number, raw, problem=f"{_bad_utf8(body, error)}; line passed through unchanged")
    bom = "\ufeff" if line.startswith("\ufeff") else ""
    try:
        found = _member_span(line[len(bom) :], field)
    except ValueError as error:
        return Record(source, number, raw, problem=f"not a JSON object ({error}); line passed through unchanged")
    if found is None:
        return Record(source, number, raw, problem=f"no field {field!r}; line passed through unchanged")
    value, start, end = found
    if not isinstance(value, str):
        problem = f"field {field!r} is {_json_type(value)}, not a string; line passed through unchanged"
        return Record(source, number, raw, problem=problem)
    start, end = start + len(bom), end + len(bom)
    ending = raw[len(body) :].decode("ascii")
    return Record(
        source, number, raw, text=value, kind="json", before=line[:start], after=line[end:] + ending,
        ascii=line.isascii(),
    )  # fmt: skip


class _Number:
    """A JSON number, left unconverted: only the text field is looked at, and a number of
    thousands of digits must not make a line unreadable."""


_SPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder(parse_int=lambda _: _Number(), parse_float=lambda _: _Number())


def _member_span(line: str, field: str) -> tuple[Any, int, int] | None:
    """The value of the top-level member ``field`` of the JSON object ``line`` and its span; None if absent.

    Raises ValueError when ``line`` is not one JSON object. With a repeated key the
    last one counts, as with ``json.loads``.
    """
    document = _DECODER.decode(line)
    if not isinstance(document, dict):
        raise ValueError(_json_type(document))
    if field not in document:
        return None
    found = None
    at = _SPACE.match(line).end() + 1  # past "{"
    while True:
        at = _SPACE.match(line, at).end()
        if line[at] == "}":
            return found
        key, at = json.decoder.scanstring(line, at + 1)
        at = _SPACE.match(line, _SPACE.match(line, at).end() + 1).end()  # past ":"
        value, end = _DECODER.raw_decode(line, at)
        if key == field:
            found = (value, at, end)
        at = _SPACE.match(line, end).end()
        if line[at] == ",":
            at += 1


def _json_type(value: Any) -> str:
    names = {type(None): "null", bool: "a boolean", _Number: "a number", list: "an array", dict: "an object"}
    return names.get(type(value), "a string")
