"""A record of a corpus: what was read, and how a cleaned text is put back in its place."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

from toponyms.atomic import shown

STDIN = "<stdin>"  # how standard input is named in messages and reports


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


class _Piece(bytes):
    """A piece of a line longer than ``MAX_RECORD``, read a piece at a time; the last ends the line."""


def _bytes(count: int) -> str:
    """A size for a message: ``64 MiB``, ``100 bytes``."""
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= size and count % size == 0:
            return f"{count // size} {unit}"
    return f"{count} bytes"


def _bad_utf8(raw: bytes, error: UnicodeDecodeError) -> str:
    return f"not valid UTF-8 (byte 0x{raw[error.start]:02x} at offset {error.start})"
