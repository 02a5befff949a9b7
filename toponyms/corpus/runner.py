"""Cleaning: records scanned and rewritten in order, by one process or several, into their outputs."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from toponyms import corpus
from toponyms.clean import rewrite
from toponyms.corpus.jobs import Job
from toponyms.corpus.reading import format_of, iter_records
from toponyms.corpus.record import Record
from toponyms.corpus.report import Report
from toponyms.corpus.writing import AtomicFile, _Committer, _Stdout
from toponyms.extract import scan
from toponyms.model import Scan
from toponyms.resolve import Resolver
from toponyms.workers import Pool


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
        if len(chunk) >= corpus.CHUNK_RECORDS or size >= corpus.CHUNK_BYTES:
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
        # The unit of work is looked up on the package, like the limits, where a test may wrap it.
        pool = Pool(workers, corpus._work_chunk, _start_worker, (resolver, country, style))
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
