"""The ``toponyms`` command line."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from toponyms.compiled import Gazetteer
from toponyms.gazetteer import GazetteerError
from toponyms.model import Match
from toponyms.resolve import Resolver

FOUND, NOT_FOUND, USAGE = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        gazetteer = Gazetteer.load(*args.gazetteer)
    except GazetteerError as error:
        print(f"toponyms: {error}", file=sys.stderr)
        return USAGE
    return args.run(args, Resolver(gazetteer))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="toponyms", description="Resolve the place names of news text to gazetteer entries."
    )
    parser.add_argument(
        "--gazetteer",
        action="append",
        default=[],
        metavar="PATH",
        help="gazetteer YAML file(s) to use instead of the bundled one; repeat to merge, later files adding names",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    lookup = commands.add_parser("lookup", help="show the candidate places for a name")
    lookup.add_argument("name", help="a place name in any spelling, e.g. Krasnoarmeysk")
    lookup.add_argument("--country", help="prefer places in this country (ISO code, e.g. UA)")
    lookup.add_argument("--limit", type=_positive, default=5, help="how many candidates (default 5)")
    lookup.add_argument("--json", action="store_true", help="print JSON for scripts")
    lookup.set_defaults(run=_lookup)
    return parser


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _lookup(args: argparse.Namespace, resolver: Resolver) -> int:
    found = resolver.candidates(args.name, limit=args.limit, country=args.country)
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


if __name__ == "__main__":
    sys.exit(main())
