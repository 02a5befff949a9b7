"""What a run found, for a person to review, and the aliases it mined as a gazetteer file."""

from __future__ import annotations

import csv
import io
import json
import os
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, TypedDict

import yaml

from toponyms import corpus, records
from toponyms.corpus.record import Record, shown
from toponyms.corpus.writing import AtomicFile
from toponyms.model import Mention, Scan
from toponyms.records import CandidateRecord, MentionRecord, PlaceRecord, candidate_record, place_record

if TYPE_CHECKING:
    from toponyms.gazetteer import Gazetteer

CONTEXT = 60  # characters either side of a finding in a report snippet


class PlaceTally(PlaceRecord):
    """A place the corpus names: how often, and under which surface forms."""

    mentions: int
    forms: Counter[str]


class PlaceSummary(PlaceRecord):
    """A place of ``Report.as_dict``: its surface forms most frequent first."""

    mentions: int
    forms: dict[str, int]


class Sighting(TypedDict):
    """Where a name was seen: ``file:line`` and the text around it."""

    where: str
    snippet: str


class UnresolvedEntry(TypedDict):
    """A name that resolved to nothing sure: how often it was seen, its best candidate, its first sightings."""

    text: str
    count: int
    best: CandidateRecord | None
    contexts: list[Sighting]


class AliasSighting(TypedDict):
    """One sighting of an alias mined from a gloss: the new name, the place of the known side, where."""

    text: str
    id: str
    name: str
    kind: str
    country: str
    region: str | None
    known: str
    where: str
    snippet: str


class Problem(TypedDict):
    """A record that could not be cleaned, and why."""

    where: str
    problem: str


class ReportData(TypedDict):
    """A report as plain data (``Report.as_dict``), in the order of its JSON document."""

    records: int
    passed_through_unread: int
    places: list[PlaceSummary]
    unresolved: list[UnresolvedEntry]
    unresolved_omitted: int
    aliases: list[AliasSighting]
    aliases_omitted: int
    problems: list[Problem]
    problems_omitted: int


class Report:
    """What a run found, for a person to review: places and their surface forms, unresolved
    names with context, aliases mined from glosses, and the records that could not be read.

    Its size is bounded whatever the size of the corpus: past ``MAX_UNRESOLVED`` names,
    ``MAX_ALIASES`` aliases (each with its first ``CONTEXTS`` sightings) and ``MAX_PROBLEMS``
    problems, what is new is only counted (``*_omitted``)."""

    def __init__(self) -> None:
        self.records = 0
        self.unread = 0
        self.places: dict[str, PlaceTally] = {}  # by place id
        self.unresolved: dict[str, UnresolvedEntry] = {}  # by text
        self.unresolved_omitted = 0  # sightings of the names past MAX_UNRESOLVED
        self.aliases: list[AliasSighting] = []  # in order
        self.aliases_omitted = 0  # sightings past the first CONTEXTS of an alias, or of aliases past MAX_ALIASES
        self._sightings: Counter[tuple[str, str]] = Counter()  # (alias, place id) -> sightings listed
        self.problems: list[Problem] = []
        self.problems_omitted = 0

    def add(self, scan: Scan, text: str, source: str, line: int | None = None) -> None:
        """Count what ``scan`` found in ``text``, a record of ``source`` starting on ``line``
        (None: ``text`` is the whole file, and each finding is placed on its own line)."""

        name = shown(source)

        def where(offset: int) -> str:
            return f"{name}:{line if line is not None else text.count(chr(10), 0, offset) + 1}"

        for mention in scan.mentions:
            place = mention.match.place
            tally = self.places.get(place.id)
            if tally is None:
                tally = self.places[place.id] = {**place_record(place), "mentions": 0, "forms": Counter()}
            tally["mentions"] += 1
            tally["forms"][mention.text] += 1
        for found in scan.unresolved:
            entry = self._unresolved(found.text, {"text": found.text, "count": 0, "best": None, "contexts": []}, 1)
            if entry is None:
                continue
            entry["count"] += 1
            best: CandidateRecord | None = None if found.best is None else candidate_record(found.best)
            if best is not None and (entry["best"] is None or best["score"] > entry["best"]["score"]):
                entry["best"] = best
            if len(entry["contexts"]) < corpus.CONTEXTS:
                entry["contexts"].append(
                    {"where": where(found.start), "snippet": snippet(text, found.start, found.end)}
                )
        for alias in scan.aliases:
            self._alias({
                "text": alias.text, **place_record(alias.place), "known": alias.known, "where": where(alias.start),
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
            tally = self.places.setdefault(ident, {**theirs, "mentions": 0, "forms": Counter()})
            tally["mentions"] += theirs["mentions"]
            tally["forms"].update(theirs["forms"])
        for text, seen in other.unresolved.items():
            entry = self._unresolved(text, {**seen, "count": 0, "best": None, "contexts": []}, seen["count"])
            if entry is None:
                continue
            entry["count"] += seen["count"]
            if seen["best"] is not None and (entry["best"] is None or seen["best"]["score"] > entry["best"]["score"]):
                entry["best"] = seen["best"]
            entry["contexts"] = (entry["contexts"] + seen["contexts"])[:corpus.CONTEXTS]
        self.unresolved_omitted += other.unresolved_omitted
        for alias in other.aliases:
            self._alias(alias)
        self.aliases_omitted += other.aliases_omitted
        for problem in other.problems:
            self._problem(problem)
        self.problems_omitted += other.problems_omitted

    def _unresolved(self, text: str, new: UnresolvedEntry, count: int) -> UnresolvedEntry | None:
        """The entry of the unresolved name ``text``, made from ``new`` if there is room; else None,
        and its ``count`` sightings are counted as omitted."""
        entry = self.unresolved.get(text)
        if entry is None:
            if len(self.unresolved) >= corpus.MAX_UNRESOLVED:
                self.unresolved_omitted += count
                return None
            entry = self.unresolved[text] = new
        return entry

    def _alias(self, sighting: AliasSighting) -> None:
        key = (sighting["text"], sighting["id"])
        listed = self._sightings.get(key, 0)
        if listed >= corpus.CONTEXTS or (listed == 0 and len(self._sightings) >= corpus.MAX_ALIASES):
            self.aliases_omitted += 1
            return
        self._sightings[key] += 1
        self.aliases.append(sighting)

    def _problem(self, problem: Problem) -> None:
        if len(self.problems) < corpus.MAX_PROBLEMS:
            self.problems.append(problem)
        else:
            self.problems_omitted += 1

    def as_dict(self) -> ReportData:
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
            best: Mapping[str, object] = entry["best"] or {}
            contexts: list[Mapping[str, object]] = [*entry["contexts"]] or [{}]  # a row even with no context
            for context in contexts:
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


def mention_record(record: Record, mention: Mention) -> MentionRecord:
    """A mention found in ``record`` as plain JSON-ready data, ``where`` first (see ``toponyms.records``)."""
    return records.mention_record(mention, where=record.locate(mention.start))


mention_fields = records.mention_record  # a mention without ``where``: the name older callers import
