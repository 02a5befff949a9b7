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

One module per step: ``record`` (a record and how it is written back), ``reading``
(text files and JSON Lines) and ``rows`` (CSV), ``jobs`` (inputs to outputs), ``runner``
(the records scanned and rewritten, in one process or several), ``report`` and
``writing`` (outputs put in place whole).
"""

from __future__ import annotations

# Limits. The modules of the package read them from here when they run, so that a caller
# (a test, say) may change them on the package: ``toponyms.corpus.MAX_RECORD = 1000``.
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

# The modules read the limits above, so they come after them.
from toponyms.corpus.jobs import FOLDER_SUFFIXES, Job, UsageError, expand, plan  # noqa: E402
from toponyms.corpus.reading import (  # noqa: E402
    FORMATS, SUFFIX_FORMATS, _read_text, format_of, iter_records, read_jsonl, read_text,  # noqa: F401
)  # fmt: skip
from toponyms.corpus.record import STDIN, Record, shown  # noqa: E402
from toponyms.corpus.report import (  # noqa: E402
    CONTEXT, AliasSighting, PlaceSummary, PlaceTally, Problem, Report, ReportData, Sighting, UnresolvedEntry,
    aliases_to_gazetteer, mention_fields, mention_record, snippet,
)  # fmt: skip
from toponyms.corpus.rows import read_csv  # noqa: E402
# The pool's workers run ``_work_chunk`` as the package has it, so that a test can put another in its place.
from toponyms.corpus.runner import Cleaner, _work_chunk, clean_file, clean_jobs, scan_records  # noqa: E402, F401
from toponyms.corpus.writing import AtomicFile, WriteError  # noqa: E402
from toponyms.workers import WorkerError  # noqa: E402

__all__ = [
    "AtomicFile", "Job", "Record", "Report", "UsageError", "WorkerError", "WriteError", "aliases_to_gazetteer",
    "clean_file", "clean_jobs", "expand", "iter_records", "mention_record", "plan", "read_csv", "read_jsonl",
    "read_text", "shown",
]  # fmt: skip

__all__ = [
    "CHUNK_BYTES", "CHUNK_RECORDS", "CONTEXT", "CONTEXTS", "FOLDER_SUFFIXES", "FORMATS", "MAX_ALIASES", "MAX_FIELD",
    "MAX_PROBLEMS", "MAX_RECORD", "MAX_UNRESOLVED", "STDIN", "SUFFIX_FORMATS", "AliasSighting", "AtomicFile", "Cleaner",
    "Job", "PlaceSummary", "PlaceTally", "Problem", "Record", "Report", "ReportData", "Sighting", "UnresolvedEntry",
    "UsageError", "WorkerError", "WriteError", "aliases_to_gazetteer", "clean_file", "clean_jobs", "expand",
    "format_of", "iter_records", "mention_fields", "mention_record", "plan", "read_csv", "read_jsonl", "read_text",
    "scan_records", "shown", "snippet",
]  # fmt: skip
