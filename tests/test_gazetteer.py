from pathlib import Path

import pytest
import yaml

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
