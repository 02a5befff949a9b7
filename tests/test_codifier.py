"""Every settlement of Ukraine's codifier (KATOTTG) in the bundled gazetteer: linked, placed, named."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, cases
from toponyms import Gazetteer, Resolver, find
from toponyms.keys import spelling_key

LINKS = cases("codifier_links")


@pytest.fixture(scope="module")
def settlements(gazetteer: Gazetteer) -> list:
    return [place for place in gazetteer if place.code and place.kind == "populated place"]


def ukrainian(place) -> str:
    return next(name.text for name in place.names if name.lang == "uk" and name.status == "official")


def test_every_codifier_settlement_is_a_place_once(settlements: list) -> None:
    codes = [place.code for place in settlements]
    assert len(codes) == len(set(codes)) > 29_000  # 29,703 in the edition of 2024 (K, M, X, C)


@pytest.mark.parametrize("case", LINKS, ids=[f"{c['name']}-{c['code']}" for c in LINKS])
def test_a_settlement_is_linked_to_its_geonames_place_or_new(gazetteer: Gazetteer, case: dict) -> None:
    place = gazetteer.by_code(case["code"])
    assert place is not None and place.code == case["code"]
    assert (place.geonameid, place.name) == (case["geonameid"], case["name"])
    assert (place.hromada, place.raion) == (case["hromada"], case["raion"])
    # Coordinates of its own where GeoNames has them, else its hromada's centre, marked as such.
    assert place.approximate is (case["geonameid"] is None)
    assert place.id == (f"gn:{case['geonameid']}" if case["geonameid"] else f"katottg:{case['code']}")


def test_the_hierarchy_points_at_places_of_its_kind(gazetteer: Gazetteer, settlements: list) -> None:
    for place in settlements[::97]:
        if place.raion_code:
            raion = gazetteer.by_code(place.raion_code)
            assert raion is not None and raion.kind == "district" and raion.name == place.raion
        if place.hromada_code:
            hromada = gazetteer.by_code(place.hromada_code)
            assert hromada is not None and hromada.kind == "community" and hromada.name == place.hromada
            assert hromada.raion_code == place.raion_code


def test_every_place_has_coordinates_in_ukraine_or_near(settlements: list) -> None:
    # Ukraine spans 44.3-52.4 N and 22.1-40.2 E; a hromada's centre stands in for a new village.
    for place in settlements:
        assert 44.0 < place.lat < 52.6 and 22.0 < place.lon < 40.5, place


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_a_settlement_resolves_by_its_ukrainian_name_to_itself_or_a_namesake(
    resolver: Resolver, settlements: list, data: st.DataObject
) -> None:
    place = data.draw(st.sampled_from(settlements))
    name = ukrainian(place)
    # Answered, it is the place or a namesake, which bears the name in some spelling (Shevchenko, a district,
    # for the village Шевченко); unanswered (Дмитрове: the village, or в Дмитрове, Dmitrov?), a candidate.
    match = resolver.resolve(name)
    if match is None:
        assert place in [found.place for found in resolver.candidates(name, limit=1_000)]
    else:
        assert match.place == place or spelling_key(name) in {spelling_key(n.text) for n in match.place.names}


@pytest.mark.parametrize(
    ("query", "kind", "name"),
    [
        ("Pokrovskyi raion", "district", "Pokrovskyi Raion"),
        ("Покровський район", "district", "Pokrovskyi Raion"),
        ("Pokrovsk district", "district", "Pokrovskyi Raion"),
        ("Покровського району", "district", "Pokrovskyi Raion"),
        ("Pokrovsk hromada", "community", "Pokrovska hromada"),
        ("Бахмутської громади", "community", "Bakhmutska hromada"),
        ("Pokrovsk", "populated place", "Pokrovsk"),
    ],
)
def test_raions_and_hromadas_resolve_as_such_and_not_as_their_town(
    resolver: Resolver, query: str, kind: str, name: str
) -> None:
    match = resolver.resolve(query)
    assert match is not None and (match.place.kind, match.place.name, match.place.region) == (
        kind,
        name,
        "Donetsk Oblast",
    )


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("Новоочеретоватое", "Novoocheretuvate"),  # the Russian form news writes, derived by rule
        ("Novoocheretovatoye", "Novoocheretuvate"),  # ... and romanised
        ("Красноармейск", "Pokrovsk"),  # a former name, in Russian
        ("Сіверськодонецьк", "Sievierodonetsk"),  # renamed in 2024
    ],
)
def test_russian_forms_and_renamings_resolve(resolver: Resolver, query: str, name: str) -> None:
    match = resolver.resolve(query)
    assert match is not None and match.place.name == name


def test_every_renaming_is_a_dated_sourced_former_name(gazetteer: Gazetteer) -> None:
    with (ROOT / "data" / "renamings.tsv").open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream, delimiter="\t"))
    assert len(rows) > 150
    for row in rows:
        place = gazetteer.by_code(row["katottg"])
        assert place is not None, row
        former = {name.text: name for name in place.names if name.status == "former"}
        assert row["former"] in former, (place, row)
        assert former[row["former"]].year == int(row["year"]) and row["act"] in former[row["former"]].source


def test_within_prefers_the_namesake_of_a_raion_and_rejects_unknown_areas(resolver: Resolver) -> None:
    match = resolver.resolve("Novoselivka", within="Pokrovskyi Raion")
    assert match is not None and match.place.raion == "Pokrovskyi Raion"
    assert resolver.resolve("Novoselivka", within=match.place.raion_code).place == match.place
    with pytest.raises(ValueError, match="Nowhere Raion"):
        resolver.resolve("Novoselivka", within="Nowhere Raion")


def test_find_takes_the_namesake_of_the_raion_a_text_names() -> None:
    mentions = find("Russians shelled Novoselivka in Pokrovsk district.")
    assert [(m.text, m.match.place.kind) for m in mentions] == [
        ("Novoselivka", "populated place"),
        ("Pokrovsk district", "district"),
    ]
    assert mentions[0].match.place.raion == "Pokrovskyi Raion"


def test_lookup_within_a_raion_on_the_command_line() -> None:
    command = [sys.executable, "-m", "toponyms", "lookup", "Novoselivka", "--within", "Pokrovskyi Raion", "--json"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    best = json.loads(done.stdout)[0]
    assert (best["raion"], best["approximate"], best["code"][:6]) == ("Pokrovskyi Raion", True, "UA1416")
    refused = subprocess.run([*command[:-3], "--within", "Nowhere Raion"], capture_output=True, text=True, timeout=300)
    assert refused.returncode == 2 and "Nowhere Raion" in refused.stderr
