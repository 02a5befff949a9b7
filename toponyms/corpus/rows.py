"""Reading CSV: one record per row, a stray quote found and passed through, never the rest of the file swallowed."""

from __future__ import annotations

import csv
import itertools
import re
from collections import deque
from collections.abc import Iterable, Iterator

from toponyms import corpus
from toponyms.chars import has_surrogate_escape
from toponyms.corpus.record import Record, _bad_utf8, _bytes, _Piece


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
    csv.field_size_limit(max(csv.field_size_limit(), corpus.MAX_FIELD))
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
            if isinstance(raw, _Piece) or self.size > corpus.MAX_RECORD:
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
        why = f"a row longer than {_bytes(corpus.MAX_RECORD)}" if isinstance(error, _TooLong) else f"{error}"
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
