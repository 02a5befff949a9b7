"""Batch cleaning of article corpora: read records, resolve their place names, write them back.

A corpus is plain-text files (one article each), JSON Lines (an article per line,
in a field), CSV (an article per row, in a column), or folders of them. The
output mirrors the input record for record, and byte for byte wherever nothing
changed. A record that cannot be read (invalid UTF-8, a broken JSON line, a
binary file, JSON nested too deeply, a CSV row with a stray quote, a file or line
too large to read) is written through unchanged and reported, never dropped; a
special file in a folder (a FIFO, a device, a socket) is skipped and reported,
not opened. Output files are written beside their target, synced and renamed
into place, so an interrupted or failed run leaves the old file or none, never
half of one (``WriteError`` says which could not be written).

>>> record = next(read_jsonl([b'{"id": 7, "text": "in Artemovsk"}\\n'], "news.jsonl"))
>>> record.where, record.text
('news.jsonl:1', 'in Artemovsk')
>>> record.render("in Bakhmut")
b'{"id": 7, "text": "in Bakhmut"}\\n'

The command line's ``clean`` is ``plan`` (inputs to outputs) then ``clean_jobs``;
``clean_file`` does one file, ``iter_records`` reads one, and ``Report`` and
``aliases_to_gazetteer`` turn what was found into something to review.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import re
import stat
import sys
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from contextlib import nullcontext, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, TextIO

import yaml

from toponyms.atomic import AtomicFile, WriteError, shown
from toponyms.chars import has_surrogate_escape
from toponyms.clean import rewrite
from toponyms.gazetteer import Gazetteer
from toponyms.extract import scan
from toponyms.model import Match, Mention, Scan
from toponyms.resolve import Resolver
from toponyms.workers import Pool, WorkerError

__all__ = [
    "Job", "Record", "Report", "UsageError", "WorkerError", "WriteError", "aliases_to_gazetteer",
    "clean_file", "clean_jobs", "expand", "iter_records", "mention_record", "plan", "read_csv", "read_jsonl",
    "read_text", "shown",
]  # fmt: skip

FORMATS = ("txt", "jsonl", "csv")
SUFFIX_FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}  # anything else is plain text
FOLDER_SUFFIXES = (".txt", ".jsonl", ".ndjson", ".csv")  # the files taken from a folder
CONTEXT = 60  # characters either side of a finding in a report snippet
CONTEXTS = 3  # snippets kept per unresolved name, and sightings per mined alias
MAX_PROBLEMS = 1000  # problems kept in a report; the rest are only counted
MAX_UNRESOLVED = 10_000  # unresolved names kept in a report, the first seen; later ones are only counted
MAX_ALIASES = 10_000  # mined aliases kept in a report, likewise
CHUNK_RECORDS, CHUNK_BYTES = 64, 1 << 20  # a unit of work for a process
# The longest CSV cell read: articles exceed the csv module's 128 KiB, but a stray quote
# that runs on to the end of a big file should fail here, not take its size in memory.
MAX_FIELD = 1 << 26
# The largest record read into memory: a text file, a JSON line, a CSV row. Past it the
# record is passed through a piece at a time and reported, never loaded whole.
MAX_RECORD = 1 << 26
STDIN = "<stdin>"  # how standard input is named in messages and reports


class UsageError(ValueError):
    """Inputs and outputs that do not fit together (exit status 2 on the command line)."""


@dataclass(frozen=True, slots=True)
class Record:
    """One record of a corpus, and how to put a cleaned text back in its place.

    ``text`` is None for what is written through as read: a CSV header, a blank
    line, or a record that could not be read (``problem`` says why). ``counted``
    is False for headers and blank lines, which are not records. ``fatal`` marks
    an input that could not be read at all: its output is not written.
    """

    source: str  # the input as named to the user; STDIN for standard input
    line: int | None  # the line the record starts on (or the problem is on); None: a whole text file
    raw: bytes  # the record exactly as read
    text: str | None = None
    problem: str | None = None
    counted: bool = True
    fatal: bool = False
    kind: str = "txt"  # how ``render`` puts a text back: "txt", "json" or "csv"
    before: str = ""  # txt, json: what precedes the text in the output (a BOM, the JSON before the field)
    after: str = ""  # json: what follows the field; csv: the line ending
    ascii: bool = False  # json: the line was pure ASCII, so escape the new value too
    cells: tuple[str, ...] = ()  # csv: the row
    column: int = 0  # csv: the cell holding the text

    @property
    def where(self) -> str:
        """``file:line`` of the record (just ``file`` for a whole text file), the name ``shown``."""
        return shown(self.source) if self.line is None else f"{shown(self.source)}:{self.line}"

    def locate(self, offset: int) -> str:
        """``file:line`` of a character of ``text``: its own line in a text file, else the record's."""
        if self.line is None and self.text is not None:
            return f"{shown(self.source)}:{self.text.count(chr(10), 0, offset) + 1}"
        return self.where

    def render(self, cleaned: str) -> bytes:
        """The record as written out with ``cleaned`` in place of its text; the raw bytes if unchanged."""
        if self.text is None or cleaned == self.text:
            return self.raw
        if self.kind == "json":
            value = json.dumps(cleaned, ensure_ascii=self.ascii)
            try:
                return (self.before + value + self.after).encode("utf-8")
            except UnicodeEncodeError:  # a lone surrogate from a \\ud800 escape: keep it escaped
                return (self.before + json.dumps(cleaned) + self.after).encode("utf-8")
        if self.kind == "csv":
            buffer = io.StringIO()
            cells = list(self.cells)
            cells[self.column] = cleaned
            # Python quotes a cell with a line break only if the break is in the line terminator.
            csv.writer(buffer, lineterminator="\r\n").writerow(cells)
            return (buffer.getvalue().removesuffix("\r\n") + self.after).encode("utf-8")
        return (self.before + cleaned).encode("utf-8")


# ---------------------------------------------------------------------------------------------
# Reading


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


class _Piece(bytes):
    """A piece of a line longer than ``MAX_RECORD``, read a piece at a time; the last ends the line."""


def _lines(stream: BinaryIO) -> Iterator[bytes]:
    """The lines of ``stream``, each a ``bytes``; a line longer than ``MAX_RECORD`` as ``_Piece``s."""
    limit = MAX_RECORD
    while line := stream.readline(limit + 1):
        if len(line) <= limit or line.endswith(b"\n"):
            yield line
            continue
        while True:
            for start in range(0, len(line), CHUNK_BYTES):
                yield _Piece(line[start : start + CHUNK_BYTES])
            if line.endswith(b"\n"):
                break
            line = stream.readline(CHUNK_BYTES)
            if not line:
                break


def _read_text(stream: BinaryIO, name: str) -> Iterator[Record]:
    """A plain-text file as one record; one larger than ``MAX_RECORD`` passed through in pieces."""
    limit = MAX_RECORD
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
    pieces = (raw[start : start + CHUNK_BYTES] for start in range(0, len(raw), CHUNK_BYTES))
    rest = iter(lambda: stream.read(CHUNK_BYTES), b"")
    for number, piece in enumerate(itertools.chain(pieces, rest)):
        yield Record(name, None, piece, problem=problem) if number == 0 else Record(name, None, piece, counted=False)


def _bytes(count: int) -> str:
    """A size for a message: ``64 MiB``, ``100 bytes``."""
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= size and count % size == 0:
            return f"{count // size} {unit}"
    return f"{count} bytes"


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
                problem = f"a line longer than {_bytes(MAX_RECORD)}; passed through unchanged"
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


class _TooLong(Exception):
    """A CSV row that is longer than ``MAX_RECORD``."""


def read_csv(lines: Iterable[bytes], source: str, column: str = "text") -> Iterator[Record]:
    """One record per row of a CSV file with a header; the text is the cell in ``column``.

    Rows keep their raw bytes, so a row whose text is unchanged is written back exactly.
    A stray quote, which would swallow the rows below into one cell, is found (the quoted
    cell does not end as CSV says, or it runs over lines into a row of another width than
    the header's): its line is passed through and reported, and reading goes on from the
    next line. A cell or row too large to read, or a header that cannot be read, passes the
    rest of the file through, a line at a time.
    """
    csv.field_size_limit(max(csv.field_size_limit(), MAX_FIELD))
    lines = iter(lines)  # read on after an error from where the reader stopped
    again: deque[bytes] = deque()  # lines to read again: those after the line of a stray quote
    consumed: list[bytes] = []  # the lines of the row being read

    class Decoded:  # the lines for the reader: an iterator, not a generator, to go on after the end
        size = 0  # of the lines consumed

        def __iter__(self) -> Decoded:
            return self

        def __next__(self) -> str:
            raw = again.popleft() if again else next(lines)
            if not consumed:
                self.size = 0
            consumed.append(raw)
            self.size += len(raw)
            if isinstance(raw, _Piece) or self.size > MAX_RECORD:
                raise _TooLong
            return raw.decode("utf-8", "surrogateescape")

    reader = csv.reader(Decoded(), strict=True)
    index: int | None = None
    width = 0  # the header's
    number = 1  # the line that consumed[0] is
    try:
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                if index is None or not consumed or "field limit" in str(error):
                    raise  # the header, or a cell past MAX_FIELD: the rest of the file is passed through
                first, *rest = consumed
                consumed.clear()
                again.extendleft(reversed(rest))
                yield Record(source, number, first, problem=_stray(error, first, len(rest)))
                number += 1
                continue
            raw = b"".join(consumed)
            line, spans = number, len(consumed)
            if index is not None and spans > 1 and (detail := _run_on(raw, row, width, spans)) is not None:
                first, *rest = consumed
                consumed.clear()
                again.extendleft(reversed(rest))
                yield Record(source, number, first, problem=f"a stray quote? ({detail}); line passed through unchanged")
                number += 1
                continue
            consumed.clear()
            number += spans
            if index is None:
                header = [row[0].removeprefix("\ufeff"), *row[1:]] if row else []
                index, width = (header.index(column) if column in header else -1), len(header)
                problem = None if index >= 0 else f"no column {column!r} in the header ({', '.join(header)})"
                yield Record(source, line, raw, problem=problem, counted=False)
            elif not row:
                yield Record(source, line, raw, counted=False)
            elif not 0 <= index < len(row):
                yield Record(source, line, raw, problem=f"no column {column!r}; row passed through unchanged")
            elif any(has_surrogate_escape(cell) for cell in row):
                problem = f"{_bad_utf8(raw, _utf8_error(raw))}; row passed through unchanged"
                yield Record(source, line, raw, problem=problem)
            else:
                ending = "\r\n" if raw.endswith(b"\r\n") else "\n" if raw.endswith(b"\n") else ""
                yield Record(
                    source, line, raw, text=row[index], kind="csv", after=ending, cells=tuple(row), column=index
                )
    except (csv.Error, _TooLong) as error:
        why = f"a row longer than {_bytes(MAX_RECORD)}" if isinstance(error, _TooLong) else f"{error}"
        problem = f"not readable as CSV ({why}); the rest of the file is passed through"
        yield Record(source, number, b"".join(consumed), problem=problem)
        after = number + len(consumed)
        for line, raw in enumerate(itertools.chain(again, lines), after):  # a line at a time, not the rest at once
            yield Record(source, line, raw, counted=False)


# A quoted cell where a cell may start (at the start of a line or after a comma), with its doubled quotes.
_QUOTED_CELL = re.compile(rb'(?<![^,\r\n])"[^"]*(?:""[^"]*)*"')


def _run_on(raw: bytes, row: list[str], width: int, spans: int) -> str | None:
    """Why a row read over several lines looks like a stray quote that swallowed the lines below
    it, if it does: it has another number of cells than the header, or a quote inside a cell that
    is not quoted (which no CSV writer makes, but a quote taken for the end of a swallowed cell
    leaves). None for a row that is a cell with line breaks, as quoted cells may have."""
    if row and len(row) != width:
        return f"a quoted cell runs over {spans} lines into a row of {len(row)} cells, the header has {width}"
    if b'"' in _QUOTED_CELL.sub(b"", raw):
        return f"a quoted cell runs over {spans} lines into a row with a quote inside a cell"
    return None


def _stray(error: csv.Error, line: bytes, below: int) -> str:
    """Why a CSV row that failed on ``error`` is taken for a stray quote on its first ``line``."""
    if str(error) == "unexpected end of data":
        detail = "a quote that is never closed"
    elif b'"' in line and below:
        detail = f"a quoted cell runs over {below + 1} lines and then breaks ({error})"
    else:
        return f"not readable as CSV ({error}); line passed through unchanged"
    return f"a stray quote? ({detail}); line passed through unchanged"


def _utf8_error(raw: bytes) -> UnicodeDecodeError:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return error
    raise AssertionError("valid UTF-8")  # pragma: no cover


def _bad_utf8(raw: bytes, error: UnicodeDecodeError) -> str:
    return f"not valid UTF-8 (byte 0x{raw[error.start]:02x} at offset {error.start})"


# ---------------------------------------------------------------------------------------------
# The report


class Report:
    """What a run found, for a person to review: places and their surface forms, unresolved
    names with context, aliases mined from glosses, and the records that could not be read.

    Its size is bounded whatever the size of the corpus: past ``MAX_UNRESOLVED`` names,
    ``MAX_ALIASES`` aliases (each with its first ``CONTEXTS`` sightings) and ``MAX_PROBLEMS``
    problems, what is new is only counted (``*_omitted``)."""

    def __init__(self) -> None:
        self.records = 0
        self.unread = 0
        self.places: dict[str, dict[str, Any]] = {}  # place id -> place fields, mentions, forms
        self.unresolved: dict[str, dict[str, Any]] = {}  # text -> count, best candidate, contexts
        self.unresolved_omitted = 0  # sightings of the names past MAX_UNRESOLVED
        self.aliases: list[dict[str, Any]] = []  # sightings, in order
        self.aliases_omitted = 0  # sightings past the first CONTEXTS of an alias, or of aliases past MAX_ALIASES
        self._sightings: Counter[tuple[str, str]] = Counter()  # (alias, place id) -> sightings listed
        self.problems: list[dict[str, str]] = []
        self.problems_omitted = 0

    def add(self, scan: Scan, text: str, source: str, line: int | None = None) -> None:
        """Count what ``scan`` found in ``text``, a record of ``source`` starting on ``line``
        (None: ``text`` is the whole file, and each finding is placed on its own line)."""

        name = shown(source)

        def where(offset: int) -> str:
            return f"{name}:{line if line is not None else text.count(chr(10), 0, offset) + 1}"

        for mention in scan.mentions:
            place = mention.match.place
            entry = self.places.get(place.id)
            if entry is None:
                entry = self.places[place.id] = {**_place_fields(mention.match), "mentions": 0, "forms": Counter()}
            entry["mentions"] += 1
            entry["forms"][mention.text] += 1
        for found in scan.unresolved:
            entry = self._unresolved(found.text, {"text": found.text, "count": 0, "best": None, "contexts": []}, 1)
            if entry is None:
                continue
            entry["count"] += 1
            best = None if found.best is None else {**_place_fields(found.best), **_how(found.best)}
            if best is not None and (entry["best"] is None or best["score"] > entry["best"]["score"]):
                entry["best"] = best
            if len(entry["contexts"]) < CONTEXTS:
                entry["contexts"].append(
                    {"where": where(found.start), "snippet": snippet(text, found.start, found.end)}
                )
        for alias in scan.aliases:
            place = alias.place
            self._alias({
                "text": alias.text, "id": place.id, "name": place.name, "kind": place.kind, "country": place.country,
                "region": place.region, "known": alias.known, "where": where(alias.start),
                "snippet": snippet(text, alias.start, alias.end),
            })  # fmt: skip

    def tally(self, record: Record, problem: str | None = None) -> None:
        """Count a record read, and note the problem that kept it from being cleaned, if any."""
        problem = problem or record.problem
        if record.counted:
            self.records += 1
            self.unread += problem is not None
        if problem is not None:
            self._problem({"where": record.where, "problem": problem})

    def merge(self, other: Report) -> None:
        """Add ``other``'s findings, as if its records had been added after these."""
        self.records += other.records
        self.unread += other.unread
        for ident, theirs in other.places.items():
            mine = self.places.setdefault(ident, {**theirs, "mentions": 0, "forms": Counter()})
            mine["mentions"] += theirs["mentions"]
            mine["forms"].update(theirs["forms"])
        for text, theirs in other.unresolved.items():
            mine = self._unresolved(text, {**theirs, "count": 0, "best": None, "contexts": []}, theirs["count"])
            if mine is None:
                continue
            mine["count"] += theirs["count"]
            if theirs["best"] is not None and (mine["best"] is None or theirs["best"]["score"] > mine["best"]["score"]):
                mine["best"] = theirs["best"]
            mine["contexts"] = (mine["contexts"] + theirs["contexts"])[:CONTEXTS]
        self.unresolved_omitted += other.unresolved_omitted
        for alias in other.aliases:
            self._alias(alias)
        self.aliases_omitted += other.aliases_omitted
        for problem in other.problems:
            self._problem(problem)
        self.problems_omitted += other.problems_omitted

    def _unresolved(self, text: str, new: dict[str, Any], count: int) -> dict[str, Any] | None:
        """The entry of the unresolved name ``text``, made from ``new`` if there is room; else None,
        and its ``count`` sightings are counted as omitted."""
        entry = self.unresolved.get(text)
        if entry is None:
            if len(self.unresolved) >= MAX_UNRESOLVED:
                self.unresolved_omitted += count
                return None
            entry = self.unresolved[text] = new
        return entry

    def _alias(self, sighting: dict[str, Any]) -> None:
        key = (sighting["text"], sighting["id"])
        listed = self._sightings.get(key, 0)
        if listed >= CONTEXTS or (listed == 0 and len(self._sightings) >= MAX_ALIASES):
            self.aliases_omitted += 1
            return
        self._sightings[key] += 1
        self.aliases.append(sighting)

    def _problem(self, problem: dict[str, str]) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)
        else:
            self.problems_omitted += 1

    def as_dict(self) -> dict[str, Any]:
        """The report as plain data: places by mentions, unresolved names by count, aliases in order."""
        places = sorted(self.places.values(), key=lambda p: (-p["mentions"], p["name"], p["id"]))
        unresolved = sorted(self.unresolved.values(), key=lambda u: (-u["count"], u["text"]))
        return {
            "records": self.records,
            "passed_through_unread": self.unread,
            "places": [{**p, "forms": dict(sorted(p["forms"].items(), key=lambda f: (-f[1], f[0])))} for p in places],
            "unresolved": unresolved,
            "unresolved_omitted": self.unresolved_omitted,
            "aliases": self.aliases,
            "aliases_omitted": self.aliases_omitted,
            "problems": self.problems,
            "problems_omitted": self.problems_omitted,
        }

    def to_json(self) -> str:
        """The report as a JSON document."""
        buffer = io.StringIO()
        self._json_to(buffer)
        return buffer.getvalue()

    def _json_to(self, stream: TextIO) -> None:
        json.dump(self.as_dict(), stream, ensure_ascii=False, indent=2)
        stream.write("\n")

    CSV_COLUMNS = (
        "section", "id", "name", "kind", "country", "region", "text", "count", "mentions",
        "score", "method", "known", "where", "snippet",
    )  # fmt: skip

    def to_csv(self) -> str:
        """The report as one CSV table; ``section`` tells a place's surface form (one row per form),
        an unresolved name (one row per context) and a mined alias apart."""
        buffer = io.StringIO()
        self._csv_to(buffer)
        return buffer.getvalue()

    def _csv_to(self, stream: TextIO) -> None:
        writer = csv.DictWriter(stream, self.CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        data = self.as_dict()
        for place in data["places"]:
            for form, count in place["forms"].items():
                writer.writerow({**place, "section": "place", "text": form, "count": count})
        for entry in data["unresolved"]:
            best = entry["best"] or {}
            for context in entry["contexts"] or [{}]:
                writer.writerow(
                    {**best, **context, "section": "unresolved", "text": entry["text"], "count": entry["count"]}
                )
        for alias in data["aliases"]:
            writer.writerow({**alias, "section": "alias"})
        for problem in data["problems"]:
            writer.writerow({"section": "problem", "where": problem["where"], "text": problem["problem"]})

    def write(self, path: str | os.PathLike[str]) -> None:
        """Write the report atomically, as CSV if ``path`` ends in ``.csv``, else as JSON; a piece
        at a time, since the whole document as one string takes several times its size. A lone
        surrogate (from a JSON ``\\ud800`` escape) is written as that escape, still valid JSON."""
        with AtomicFile(path) as sink, sink.text(errors="backslashreplace") as stream:
            (self._csv_to if Path(path).suffix.lower() == ".csv" else self._json_to)(stream)


def _place_fields(match: Match) -> dict[str, Any]:
    place = match.place
    return {"id": place.id, "name": place.name, "kind": place.kind, "country": place.country, "region": place.region}


def _how(match: Match) -> dict[str, Any]:
    return {"score": match.score, "method": match.method, "matched": match.matched.text}


def snippet(text: str, start: int, end: int, width: int = CONTEXT) -> str:
    """``text[start:end]`` with ``width`` characters either side, on one line.

    >>> snippet("a\\nb Krasnorozhsk c", 4, 16, width=4)
    'a b Krasnorozhsk c'
    >>> snippet("x" * 10 + "Kyiv" + "y" * 10, 10, 14, width=2)
    '…xxKyivyy…'
    """
    left, right = max(0, start - width), min(len(text), end + width)
    cut = ("…" if left > 0 else "") + text[left:right] + ("…" if right < len(text) else "")
    return " ".join(cut.split())


def aliases_to_gazetteer(report: Report, gazetteer: Gazetteer | None = None) -> str:
    """The aliases ``report`` mined from glosses, as a gazetteer extension file (the schema of
    ``data/curated.yaml``): each a ``garbled`` name of its place, with where it was seen.

    Names the place already has in ``gazetteer`` are left out. Load the result after the
    bundled gazetteer: ``toponyms --gazetteer aliases.yaml ...``.
    """
    names: dict[str, dict[str, dict[str, str]]] = {}  # place id -> alias text -> name entry
    labels: dict[str, str] = {}
    for alias in report.aliases:
        place = gazetteer.get(alias["id"]) if gazetteer is not None else None
        if place is not None and any(name.text == alias["text"] for name in place.names):
            continue
        labels[alias["id"]] = ", ".join(part for part in (alias["name"], alias["region"], alias["country"]) if part)
        entry = {"name": alias["text"], "status": "garbled", "source": alias["where"]}
        names.setdefault(alias["id"], {}).setdefault(alias["text"], entry)
    lines = [
        "# Aliases mined from glosses by `toponyms clean --report`; review before use.",
        "# Load on top of the bundled gazetteer: toponyms --gazetteer THIS.yaml ...",
    ]
    if not names:
        return "\n".join([*lines, "places: []", ""])
    lines.append("places:")
    for ident, entries in names.items():
        document = yaml.safe_dump(
            [{"id": ident, "names": list(entries.values())}],
            allow_unicode=True,
            sort_keys=False,
            default_flow_style=None,
            width=1000,
        )
        lines.append(f"  # {labels[ident]}")
        lines.extend("  " + line for line in document.splitlines())
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# Writing


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


# ---------------------------------------------------------------------------------------------
# Inputs and outputs


@dataclass(frozen=True, slots=True)
class Job:
    """One input and where its cleaned copy goes: ``source`` "-" is standard input, ``target`` None standard
    output. ``named``: the input was named by the user, not found in a folder, and may be a pipe."""

    source: str
    target: Path | None
    fmt: str
    named: bool = True


def expand(
    inputs: Sequence[str], fmt: str | None = None, *, skip: Path | None = None
) -> list[tuple[str, Path, str, bool]]:
    """Each input file as (source, path relative to its output root, format, named); folders recursively.

    A folder gives its ``.txt``, ``.jsonl``, ``.ndjson`` and ``.csv`` files, sorted, leaving out
    hidden files and folders and the folder ``skip`` (an output folder inside an input); these
    are not ``named``, and so are skipped if they are not regular files (``iter_records``).
    Raises UsageError for an input that does not exist.
    """
    found = []
    for given in inputs:
        if given == "-":
            found.append(("-", Path("-"), fmt or "txt", True))
            continue
        path = Path(given)
        if path.is_dir():
            root = path.resolve()
            for folder, folders, files in os.walk(path):
                if skip is not None and Path(folder).resolve() == skip.resolve() and skip.resolve() != root:
                    folders.clear()
                    continue
                folders[:] = sorted(name for name in folders if not name.startswith("."))
                for name in sorted(files):
                    if not name.startswith(".") and name.lower().endswith(FOLDER_SUFFIXES):
                        file = Path(folder) / name
                        relative = Path(root.name) / file.relative_to(path)
                        found.append((str(file), relative, fmt or format_of(name), False))
        elif path.exists():
            found.append((given, Path(path.name), fmt or format_of(given), True))
        else:
            raise UsageError(f"{given}: no such file or folder")
    return found


def plan(inputs: Sequence[str], out: str | None, fmt: str | None = None) -> list[Job]:
    """Where the cleaned copy of each input goes.

    One file (or "-") is written to ``out``, or to standard output without it, or into
    ``out`` if that is an existing folder. A folder, or several inputs, need ``out`` to be
    a folder: one folder's tree is mirrored into it, several inputs go each under its own name.
    """
    if not inputs:
        raise UsageError("no input given")
    if "-" in inputs and len(inputs) > 1:
        raise UsageError("standard input ('-') cannot be mixed with other inputs")
    target = Path(out) if out is not None else None
    single = len(inputs) == 1 and (inputs[0] == "-" or not Path(inputs[0]).is_dir())
    files = expand(inputs, fmt, skip=target)
    if single:
        source, relative, form, named = files[0]
        if target is not None and target.is_dir():
            if source == "-":
                raise UsageError(f"{out} is a folder; give a file name for the output of standard input")
            target = target / relative
        return [Job(source, target, form, named)]
    if target is None:
        raise UsageError("a folder or several inputs need --out FOLDER")
    if target.exists() and not target.is_dir():
        raise UsageError(f"--out {out} is a file; a folder or several inputs need a folder")
    one_folder = len(inputs) == 1
    jobs = [
        Job(source, target / (Path(*relative.parts[1:]) if one_folder else relative), form, named)
        for source, relative, form, named in files
    ]
    seen: dict[Path, str] = {}
    for job in jobs:
        if job.target in seen:
            raise UsageError(f"{seen[job.target]} and {job.source} would both be written to {job.target}")
        seen[job.target] = job.source  # type: ignore[index]
    return jobs


# ---------------------------------------------------------------------------------------------
# Cleaning


class Cleaner:
    """Scans and rewrites records; one per process."""

    def __init__(self, resolver: Resolver, *, country: str | None = None, style: str = "replace") -> None:
        self.resolver, self.country, self.style = resolver, country, style

    def __call__(self, records: Sequence[Record]) -> tuple[list[tuple[bytes, str | None]], Report]:
        """Each record's output bytes and the problem that kept it unchanged, if any; and what was found."""
        report = Report()
        done: list[tuple[bytes, str | None]] = []
        for record in records:
            if record.text is None:
                done.append((record.raw, record.problem))
                continue
            try:
                found = scan(record.text, resolver=self.resolver, country=self.country)
                output = record.render(rewrite(record.text, found.mentions, style=self.style))
            except Exception as error:  # noqa: BLE001 - one record that trips a bug must not stop a corpus
                done.append((record.raw, f"internal error ({type(error).__name__}: {error}); passed through unchanged"))
                continue
            report.add(found, record.text, record.source, record.line)
            done.append((output, None))
        return done, report


_worker: Cleaner | None = None


def _start_worker(resolver: Resolver, country: str | None, style: str) -> None:
    """Make this process's cleaner. A forked worker has the resolver already; a spawned one
    receives a reference to its gazetteer files and loads them (see ``Resolver.__reduce__``)."""
    global _worker
    _worker = Cleaner(resolver, country=country, style=style)


def _work(records: list[Record]) -> tuple[list[tuple[bytes, str | None]], Report]:
    assert _worker is not None, "worker not started"
    return _worker(records)


def _work_chunk(chunk: list[tuple[int, Record]]) -> tuple[list[tuple[bytes, str | None]], Report]:
    return _work([record for _, record in chunk])


def _chunks(items: Iterator[tuple[int, Record]]) -> Iterator[list[tuple[int, Record]]]:
    chunk: list[tuple[int, Record]] = []
    size = 0
    for item in items:
        chunk.append(item)
        size += len(item[1].raw)
        if len(chunk) >= CHUNK_RECORDS or size >= CHUNK_BYTES:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def clean_jobs(
    jobs: Sequence[Job],
    resolver: Resolver | None = None,
    *,
    country: str | None = None,
    style: str = "replace",
    field: str = "text",
    column: str = "text",
    workers: int = 1,
    progress: bool = False,
    warn: Callable[[str, str], None] | None = None,
) -> Report:
    """Clean each job's input into its target, in order; returns the report of the run.

    ``workers`` processes share the work (0: one per core); the output is the same
    for any number. ``warn(where, problem)`` hears of each record passed through unread
    as it happens. Output files appear only once complete.
    """
    resolver = resolver if resolver is not None else Resolver()
    report = Report()
    items = (
        (number, record)
        for number, job in enumerate(jobs)
        for record in iter_records(job.source, job.fmt, field=field, column=column, pipes=job.named)
    )
    workers = workers or os.cpu_count() or 1
    pool = None
    if workers > 1:
        pool = Pool(workers, _work_chunk, _start_worker, (resolver, country, style))
        cleaned: Iterator[Any] = pool.ordered(_chunks(items), ahead=2 * workers)
    else:
        cleaner = Cleaner(resolver, country=country, style=style)
        cleaned = ((chunk, cleaner([record for _, record in chunk])) for chunk in _chunks(items))
    bar = _progress_bar(jobs) if progress else None
    sink: AtomicFile | _Stdout | None = None
    position, failed, completed = -1, False, False
    committer = _Committer()
    try:
        for chunk, (outputs, found) in cleaned:
            for (number, record), (data, problem) in zip(chunk, outputs, strict=True):
                while position < number:  # the records of the jobs before are all written
                    committer.finish(sink, failed)
                    position, failed = position + 1, False
                    sink = _open(jobs[position])
                report.tally(record, problem)
                problem = problem or record.problem
                if problem and warn is not None:
                    with bar.external_write_mode() if bar is not None else nullcontext():
                        warn(record.where, problem)
                if record.fatal:
                    failed = True
                else:
                    sink.write(data)  # type: ignore[union-attr]
                if bar is not None:
                    bar.update(len(record.raw))
            report.merge(found)
            if isinstance(sink, _Stdout):
                sink.commit()
        while position < len(jobs):  # the rest, including inputs with no records at all
            committer.finish(sink, failed)
            position, failed = position + 1, False
            sink = _open(jobs[position]) if position < len(jobs) else None
        committer.close()  # raises the WriteError of an output that could not be put in place
        completed = True
    except BaseException:
        if sink is not None:
            sink.discard()
        raise
    finally:
        committer.close(failing=not completed)
        if pool is not None:
            pool.close(abort=not completed)  # a worker that died, an interrupt: the others are killed
        if bar is not None:
            bar.close()
    return report


def _open(job: Job) -> AtomicFile | _Stdout:
    return _Stdout() if job.target is None else AtomicFile(job.target)


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


def _progress_bar(jobs: Sequence[Job]) -> Any:
    from tqdm import tqdm

    total = None if any(job.source == "-" for job in jobs) else sum(_size(job.source) for job in jobs)
    return tqdm(total=total, unit="B", unit_scale=True, delay=1.0, file=sys.stderr, leave=False, desc="cleaning")


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def clean_file(
    source: str | os.PathLike[str],
    target: str | os.PathLike[str] | None,
    resolver: Resolver | None = None,
    *,
    fmt: str | None = None,
    **options: Any,
) -> Report:
    """Clean one file (``"-"``: standard input) into ``target`` (None: standard output); may be the same file.

    ``options`` are those of ``clean_jobs``: country, style, field, column, workers, warn.
    """
    name = os.fspath(source)
    form = fmt or ("txt" if name == "-" else format_of(name))
    return clean_jobs([Job(name, None if target is None else Path(target), form)], resolver, **options)


def scan_records(
    records: Iterable[Record], resolver: Resolver | None = None, *, country: str | None = None
) -> Iterator[tuple[Record, Scan]]:
    """Each readable record with what ``scan`` found in it (records that could not be read are skipped)."""
    for record in records:
        if record.text is not None:
            yield record, scan(record.text, resolver=resolver, country=country)


def mention_record(record: Record, mention: Mention) -> dict[str, Any]:
    """A mention found in ``record`` as plain JSON-ready data, ``where`` first."""
    return {"where": record.locate(mention.start), **mention_fields(mention)}


def mention_fields(mention: Mention) -> dict[str, Any]:
    """A mention as plain JSON-ready data: its span and text, its place and how it was found."""
    match = mention.match
    return {"start": mention.start, "end": mention.end, "text": mention.text, **_place_fields(match), **_how(match)}
