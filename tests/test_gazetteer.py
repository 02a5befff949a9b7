import re
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toponyms import Gazetteer, GazetteerError, Name, Resolver
from toponyms.keys import lookup_form, spelling_key

PLACE = """\
places:
  - id: test:1
    name: Testivka
    kind: populated place
    country: UA
    region: Test Oblast
    lat: 48.0
    lon: 37.0
    population: 1200
    names:
      - {name: Тестівка, lang: uk, status: official}
      - {name: Testovka, lang: ru}
"""


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOPONYMS_CACHE", str(tmp_path / "cache"))


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, "utf-8")
    return path


def test_loads_exactly_the_files_given(tmp_path: Path) -> None:
    gazetteer = Gazetteer.load(write(tmp_path, "a.yaml", PLACE))
    assert len(gazetteer) == 1
    place = gazetteer["test:1"]
    assert (place.name, place.kind, place.country, place.population) == ("Testivka", "populated place", "UA", 1200)
    assert {name.text for name in place.names} == {"Testivka", "Тестівка", "Testovka"}
    assert Resolver(gazetteer).resolve("Тестовка") is None or Resolver(gazetteer).resolve("Testovka").place == place


def test_later_files_add_names_and_places(tmp_path: Path) -> None:
    base = write(tmp_path, "base.yaml", PLACE)
    extra = write(
        tmp_path,
        "extra.yaml",
        """\
places:
  - id: test:1
    names:
      - {name: Testograd, status: garbled, source: an article}
      - {name: Testovka, status: former, year: 2016}
  - {id: test:2, name: Other, kind: region, country: RU, lat: 50, lon: 40}
""",
    )
    gazetteer = Gazetteer.load(base, extra)
    names = {name.text: name for name in gazetteer["test:1"].names}
    assert names["Testograd"].status == "garbled"
    assert (names["Testovka"].status, names["Testovka"].year, names["Testovka"].lang) == ("former", 2016, "ru")
    assert gazetteer["test:2"].kind == "region"
    resolver = Resolver(gazetteer)
    assert resolver.resolve("Testograd").place.id == "test:1"
    assert Resolver(Gazetteer.load(base)).resolve("Testograd") is None


BROKEN = [
    ("places: [", "not valid YAML", 2),
    ("- just a list", "a mapping with a 'places' list", 1),
    (PLACE.replace("    lat: 48.0\n", ""), "entry 1 (id 'test:1'): missing field(s) lat", 2),
    (PLACE.replace("lat: 48.0", "lat: 148.0"), "lat 148.0 is out of range", 2),
    (PLACE.replace("lon: 37.0", "lon: east"), "field 'lon' should be int or float, got str", 2),
    (PLACE.replace("kind: populated place", "kind: town"), "kind 'town' is not one of", 2),
    (PLACE.replace("country: UA", "country: Ukraine"), "country 'Ukraine' is not an ISO", 2),
    (PLACE.replace("lang: ru}", "lang: ru, status: old}"), "status 'old' is not one of", 2),
    (PLACE.replace("    population: 1200\n", "    populaton: 1200\n"), "unknown field(s) populaton", 2),
    (PLACE + PLACE.removeprefix("places:\n"), "entry 2 (id 'test:1'): duplicate id 'test:1'", 13),
]


@pytest.mark.parametrize(("text", "message", "line"), BROKEN)
def test_malformed_file_names_file_line_and_entry(tmp_path: Path, text: str, message: str, line: int) -> None:
    path = write(tmp_path, "broken.yaml", text)
    with pytest.raises(GazetteerError) as raised:
        Gazetteer.load(path)
    assert str(raised.value).startswith(f"{path}:{line}: ")
    assert message in str(raised.value)


def test_yaml_is_loaded_safely(tmp_path: Path) -> None:
    path = write(tmp_path, "evil.yaml", "places: !!python/object/apply:os.system ['echo owned']\n")
    with pytest.raises(GazetteerError, match="not valid YAML"):
        Gazetteer.load(path)


def test_missing_file_is_a_gazetteer_error(tmp_path: Path) -> None:
    with pytest.raises(GazetteerError, match="cannot read"):
        Gazetteer.load(tmp_path / "nowhere.yaml")


def test_compiled_copy_is_never_stale(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", PLACE)
    assert Gazetteer.load(path)["test:1"].name == "Testivka"
    assert list((tmp_path / "cache").glob("*.pickle")), "the first load leaves a compiled copy"
    path.write_text(PLACE.replace("name: Testivka", "name: Testove"), "utf-8")
    assert Gazetteer.load(path)["test:1"].name == "Testove"


def test_compiled_copy_is_reused(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", PLACE)
    Gazetteer.load(path)
    (compiled,) = (tmp_path / "cache").glob("*.pickle")
    stamp = compiled.stat().st_mtime_ns
    assert Gazetteer.load(path)["test:1"].name == "Testivka"
    assert compiled.stat().st_mtime_ns == stamp


def test_damaged_cache_is_rebuilt(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", PLACE)
    Gazetteer.load(path)
    (compiled,) = (tmp_path / "cache").glob("*.pickle")
    compiled.write_bytes(b"not a pickle")
    assert Gazetteer.load(path)["test:1"].name == "Testivka"


def test_bundled_gazetteer_is_valid_yaml_with_attribution(gazetteer: Gazetteer) -> None:
    (source,) = gazetteer.sources
    text = source.read_text("utf-8")
    assert "GeoNames" in text[:2000] and "CC BY 4.0" in text[:2000]
    assert len(yaml.safe_load(text)["places"]) == len(gazetteer)


def test_derived_data_is_cached_beside_the_compiled_gazetteer(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", PLACE)
    builds: list[int] = []

    def build() -> list[str]:
        builds.append(1)
        return [place.name for place in gazetteer]

    gazetteer = Gazetteer.load(path)
    assert gazetteer.derived("names", build) == ["Testivka"]
    gazetteer = Gazetteer.load(path)
    assert gazetteer.derived("names", build) == ["Testivka"]
    assert len(builds) == 1, "the second load reads the cached copy"
    path.write_text(PLACE.replace("name: Testivka", "name: Testove"), "utf-8")
    gazetteer = Gazetteer.load(path)
    assert gazetteer.derived("names", build) == ["Testove"]
    assert len(builds) == 2, "a changed file builds it anew"
    in_memory = Gazetteer(gazetteer.places)
    assert in_memory.derived("names", build) == ["Testove"] and len(builds) == 3


def test_compiled_copy_holds_the_same_places_and_index(tmp_path: Path) -> None:
    extra = """\
  - id: test:2
    geonameid: 704422
    name: Pokrovsk
    kind: populated place
    country: UA
    lat: 48.28
    lon: 37.18
    names:
      - {name: Krasnoarmeysk, lang: ru, status: former, year: 2016}
      - {name: Krasnorozhsk, status: garbled, source: an article}
      - Pokrowsk
"""
    path = write(tmp_path, "a.yaml", PLACE + extra)
    fresh = Gazetteer.load(path, cache=False)
    Gazetteer.load(path)  # compiles
    compiled = Gazetteer.load(path)  # reads the compiled copy
    assert compiled.places == fresh.places and compiled.get("test:2") == fresh["test:2"]
    assert all(type(name) is Name for place in compiled for name in place.names)
    assert compiled.index.keys == fresh.index.keys
    for place in fresh:
        for name in place.names:
            form, key = lookup_form(name.text), spelling_key(name.text)
            assert compiled.index.by_form(form) == fresh.index.by_form(form) != ()
            assert compiled.index.by_key(key) == fresh.index.by_key(key)
    assert compiled.index.by_form("nowhere") == () and compiled.index.by_key("zzz") == ()


# --- issue 18, item 9: anchors and aliases (the billion laughs) ---------------------------------------

LAUGHS = """\
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
places:
  - {id: x:1, name: Lol, kind: populated place, country: UA, lat: 1, lon: 1, names: *i}
"""


def test_the_billion_laughs_is_refused_at_once(tmp_path: Path) -> None:
    path = write(tmp_path, "laughs.yaml", LAUGHS)
    with pytest.raises(GazetteerError) as raised:
        Gazetteer.load(path)
    assert str(raised.value).startswith(f"{path}:1: anchor &a: anchors and aliases are not allowed")


@st.composite
def shared_entries(draw: st.DrawFn) -> tuple[list[dict], list[dict]]:
    """Places written with some parts shared (which YAML writes as an anchor and aliases), and the same unshared."""
    count = draw(st.integers(1, 4))
    names = [[{"name": f"Name{n}{k}", "lang": "uk"} for k in range(draw(st.integers(1, 3)))] for n in range(count)]
    places = [
        {"id": f"x:{n}", "name": f"Place{n}", "kind": "populated place", "country": "UA", "lat": 1.0, "lon": 2.0,
         "names": names[n]}
        for n in range(count)
    ]  # fmt: skip
    source, target = draw(st.integers(0, count - 1)), draw(st.integers(0, count))
    what = draw(st.sampled_from(["names", "name", "entry"] if count > 1 else ["name", "entry"]))
    shared = [dict(place) for place in places]
    if what == "names":  # two places with one names list
        other = draw(st.integers(0, count - 1).filter(lambda n: n != source))
        shared[other]["names"] = shared[source]["names"]
    elif what == "name":  # one name twice
        shared[source]["names"] = [*shared[source]["names"], shared[source]["names"][0]]
    else:  # a whole entry twice
        shared.insert(target, shared[source])
    return shared, places


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shared_entries())
def test_any_anchor_or_alias_is_refused_with_its_line(tmp_path: Path, entries: tuple[list[dict], list[dict]]) -> None:
    shared, plain = entries
    text = yaml.safe_dump({"places": shared}, sort_keys=False)
    assert "&id001" in text, "shared parts are written as an anchor and aliases"
    path = write(tmp_path, "shared.yaml", text)
    with pytest.raises(GazetteerError) as raised:
        Gazetteer.load(path, cache=False)
    line = text[: text.index("&id001")].count("\n") + 1
    assert str(raised.value).startswith(f"{path}:{line}: anchor &id001: anchors and aliases are not allowed")
    written_out = write(tmp_path, "plain.yaml", yaml.safe_dump({"places": plain}, sort_keys=False))
    assert len(Gazetteer.load(written_out, cache=False)) == len(plain)


ANCHORED = [
    (PLACE.replace("name: Testivka", "name: &n Testivka").replace("{name: Testovka", "{name: *n"), 3, "anchor &n"),
    (PLACE.replace("  - id: test:1\n", "  - &p\n    id: test:1\n") + "  - *p\n", 2, "anchor &p"),
    ("base: &base {kind: populated place, country: UA}\n"
     + PLACE.replace("    kind: populated place\n", "    <<: *base\n"), 1, "anchor &base"),
    (PLACE.replace("{name: Testovka, lang: ru}", "*undefined"), 12, "alias *undefined"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "line", "what"), ANCHORED)
def test_anchors_on_scalars_entries_and_merge_keys_are_refused(tmp_path: Path, text: str, line: int, what: str) -> None:
    path = write(tmp_path, "anchored.yaml", text)
    expected = rf"^{path}:{line}: {re.escape(what)}: anchors and aliases are not allowed"
    with pytest.raises(GazetteerError, match=expected):
        Gazetteer.load(path, cache=False)


def test_ampersands_and_asterisks_in_names_are_no_aliases(tmp_path: Path) -> None:
    text = PLACE + "      - {name: \"Bosnia &Herzegovina\"}\n      - '*Star'\n      - Rock&Roll\n      - A*B\n"
    gazetteer = Gazetteer.load(write(tmp_path, "a.yaml", text), cache=False)
    assert {"Bosnia &Herzegovina", "*Star", "Rock&Roll", "A*B"} <= {name.text for name in gazetteer["test:1"].names}


# --- issue 18, item 10: numbers out of range -----------------------------------------------------------

OUT_OF_RANGE = [
    (PLACE.replace("population: 1200", "population: 1" + "0" * 400), "population of 401 digits is out of range [0, "),
    (PLACE.replace("population: 1200", "population: 10000000001"), "population 10000000001 is out of range"),
    (PLACE.replace("population: 1200", "population: 1" + "0" * 5000), "integer 10000000000000000000... has too many"),
    (PLACE.replace("lat: 48.0", "lat: 1.0e+400"), "lat inf is out of range [-90, 90]"),
    (PLACE.replace("lon: 37.0", "lon: -.inf"), "lon -inf is out of range [-180, 180]"),
    (PLACE.replace("lat: 48.0", "lat: .nan"), "lat nan is out of range"),
    (PLACE.replace("lat: 48.0", "lat: 1" + "0" * 400), "lat of 401 digits is out of range [-90, 90]"),
    (PLACE.replace("    lat: 48.0\n", "    lat: 48.0\n    geonameid: 0\n"), "geonameid 0 is out of range [1, "),
    (PLACE.replace("    lat: 48.0\n", f"    lat: 48.0\n    geonameid: {2**64}\n"), "geonameid 18446744073709551616 is"),
    (PLACE.replace("lang: ru}", "lang: ru, status: former, year: 1" + "0" * 400 + "}"), "year of 401 digits is out"),
    (PLACE.replace("lang: ru}", "lang: ru, status: former, year: 3000}"), "name 'Testovka': year 3000 is out of range"),
    (PLACE.replace("lang: ru}", "lang: ru, status: former, year: 0}"), "year 0 is out of range [1, 2100]"),
]


@pytest.mark.parametrize(("text", "message"), OUT_OF_RANGE)
def test_numbers_out_of_range_name_file_line_and_entry(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, "big.yaml", text)
    with pytest.raises(GazetteerError) as raised:
        Gazetteer.load(path)
    assert str(raised.value).startswith(f"{path}:2: entry 1 (id 'test:1'): ") or "has too many" in message
    assert str(raised.value).startswith(f"{path}:")
    assert message in str(raised.value)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    population=st.one_of(st.integers(-(10**12), 10**12), st.integers(10**300, 10**400), st.just(10**10)),
    year=st.one_of(st.integers(-5000, 5000), st.integers(10**300, 10**400), st.sampled_from([1, 2100])),
)
def test_what_loads_resolves_without_overflow(tmp_path: Path, population: int, year: int) -> None:
    text = PLACE.replace("population: 1200", f"population: {population}").replace(
        "lang: ru}", f"lang: ru, status: former, year: {year}}}"
    )
    path = write(tmp_path, "numbers.yaml", text)
    if 0 <= population <= 10**10 and 1 <= year <= 2100:
        resolver = Resolver(Gazetteer.load(path, cache=False))
        for query in ("Testivka", "Testovka", "Тестивка", "Testivko"):
            match = resolver.resolve(query)
            assert match is None or 0 <= match.score <= 1
        assert resolver.resolve("Testovka").place.id == "test:1"
        assert resolver.candidates("Testivka", near=(48.0, 37.0), country="UA")
    else:
        with pytest.raises(GazetteerError, match=r"(population|year) .* is out of range"):
            Gazetteer.load(path, cache=False)


@pytest.mark.parametrize("loader", ["C", "Python"])
def test_deep_nesting_is_a_gazetteer_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loader: str) -> None:
    if loader == "Python":  # as where libyaml is missing
        import toponyms.yaml_reader as module

        class PythonLoader(yaml.SafeLoader):
            pass

        PythonLoader.add_constructor("tag:yaml.org,2002:int", module._construct_int)
        monkeypatch.setattr(module, "_GazetteerLoader", PythonLoader)
    path = write(tmp_path, "deep.yaml", "places: " + "[" * 50_000 + "]" * 50_000 + "\n")
    with pytest.raises(GazetteerError, match=rf"^{path}(:1)?: not valid YAML: .*(nesting depth|nested too deeply)"):
        Gazetteer.load(path, cache=False)
