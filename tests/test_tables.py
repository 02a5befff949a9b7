"""The data tables prove themselves: each sample beside a rule runs here, each known miss is a strict xfail."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from importlib.resources import files
from typing import Any

import pytest

from toponyms import Resolver, clean, find, scan
from toponyms._data import SCHEMAS, TableError, TextSample, checked, table
from toponyms.inflect import word_nominatives
from toponyms.keys import spelling_key
from toponyms.russian import russian_form
from toponyms.script import is_mixed, repair_word


def _russian(ukrainian: str, russian: str) -> None:
    assert russian_form(ukrainian) == russian


def _inflected(inflected: str, nominative: str) -> None:
    assert nominative in word_nominatives(inflected)


def _repaired(mixed: str, repaired: str) -> None:
    assert is_mixed(mixed)
    assert repair_word(mixed) == repaired
    assert not is_mixed(repaired)


def _one_key(*spellings: str) -> None:
    assert len({spelling_key(spelling) for spelling in spellings}) == 1


PAIRED: dict[str, Callable[..., None]] = {
    "russian_forms": _russian, "inflection": _inflected, "homoglyphs": _repaired, "spelling": _one_key,
}  # fmt: skip


def _cases() -> Iterator[Any]:
    """Every sample and known miss of every table, as pytest parameters: (table, sample)."""
    for name in ("russian_forms", "inflection", "homoglyphs"):
        data: Any = table(name)
        for number, pair in enumerate(data["samples"]):
            yield pytest.param(name, tuple(pair), id=f"{name}-{number}-{pair[0]}")
        for number, (*pair, why) in enumerate(data.get("misses", [])):
            yield pytest.param(name, tuple(pair), id=f"{name}-miss-{number}-{pair[0]}", marks=_known(why))
    spelling = table("spelling")
    for number, group in enumerate(spelling["samples"]):
        yield pytest.param("spelling", tuple(group), id=f"spelling-{number}-{group[0]}")
    for number, (spellings, why) in enumerate(spelling.get("misses", [])):
        yield pytest.param("spelling", tuple(spellings), id=f"spelling-miss-{number}-{spellings[0]}", marks=_known(why))
    text = table("text")
    for number, gloss in enumerate(text["glosses"]):
        for count, claims in enumerate(gloss["samples"]):
            yield _text_case(f"glosses {number}", count, claims)
    for section, samples in text["samples"].items():
        for count, claims in enumerate(samples):
            yield _text_case(section, count, claims)


def _known(why: str) -> pytest.MarkDecorator:
    return pytest.mark.xfail(strict=True, reason=why)


def _text_case(where: str, count: int, claims: TextSample) -> Any:
    marks = [_known(claims["xfail"])] if "xfail" in claims else []
    return pytest.param("text", (where, claims), id=f"text-{where}-{count}", marks=marks)


@pytest.mark.parametrize(("name", "sample"), list(_cases()))
def test_samples_of_the_tables(name: str, sample: tuple[Any, ...], without_garbles: Resolver) -> None:
    if name in PAIRED:
        PAIRED[name](*sample)
        return
    where, claims = sample
    text = claims["text"]
    # A gloss teaches a name only where the gazetteer does not know it yet: without the curated garbles.
    resolver = without_garbles if where.startswith("glosses") else None
    mentions = find(text, resolver=resolver)
    if "mentions" in claims:
        assert [(m.text, m.match.place.name) for m in mentions] == [tuple(m) for m in claims["mentions"]]
    if "not_places" in claims:
        assert not set(claims["not_places"]) & {m.text for m in mentions}
    if "aliases" in claims:
        aliases = scan(text, resolver=resolver).aliases
        assert [(a.text, a.place.geonameid) for a in aliases] == [tuple(a) for a in claims["aliases"]]
    once = clean(text, resolver=resolver)
    assert clean(once, resolver=resolver) == once


def _raw(name: str) -> Any:
    return json.loads((files("toponyms") / "data" / f"{name}.json").read_text("utf-8"))


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_every_table_fits_its_schema_and_says_why_in_its_misses(name: str) -> None:
    data = table(name)
    assert checked(name, _raw(name)) == data
    assert all(miss[-1].strip() for miss in data.get("misses", []))


@pytest.mark.parametrize(
    ("name", "change", "message"),
    [
        ("text", lambda d: d["glosses"][0].update(pattern="{a} known as"), r"text\.json: glosses 0\.pattern .*no \{b\}"),
        ("text", lambda d: d["glosses"][2].update(cue="(now"), r"text\.json: glosses 2\.cue .*not a regular expression"),
        ("text", lambda d: d["glosses"][5].update(weak="yes"), r"text\.json: glosses 5\.weak \('yes'\) must be true or false"),
        ("text", lambda d: d["samples"].update(rivers=[]), r"text\.json: samples key \('rivers'\) must be 'endings' or"),
        ("text", lambda d: d["samples"]["water"][0].update(mentions=[["Dnipro"]]), r"samples\.water 0\.mentions 0 .*\[surface, place\]"),
        ("text", lambda d: d.pop("organisations"), r"text\.json: organisations must be a list of text; it is missing"),
        ("geonames", lambda d: d["kinds"].update(PPL="village"), r"geonames\.json: kinds\.PPL \('village'\) must be 'country' or"),
        ("spelling", lambda d: d["samples"].insert(6, ["Kyiv"]), r"spelling\.json: samples 6 \(\['Kyiv'\]\): fewer; must be two spellings"),
        ("homoglyphs", lambda d: d["lowercase"].update(ab="аб"), r"homoglyphs\.json: lowercase key \('ab'\): not one character"),
        ("inflection", lambda d: d["rules"].append(["ами"]), r"inflection\.json: rules \d+ \(\['ами'\]\) must be \[ending, nominatives\]"),
        ("inflection", lambda d: d.update(rulez=[]), r"inflection\.json: rulez: unknown key; known: rules, no_case_after, alternations"),
        ("russian_forms", lambda d: d["misses"].append(["Київ", "Киев", ""]), r"russian_forms\.json: misses \d+ why \(''\): blank"),
    ],
)
def test_a_broken_table_is_named_by_file_and_key(name: str, change: Callable[[Any], None], message: str) -> None:
    data = copy.deepcopy(_raw(name))
    change(data)
    with pytest.raises(TableError, match=message):
        checked(name, data)


def test_a_table_without_a_schema_is_an_error() -> None:
    with pytest.raises(TableError, match=r"toponyms/data/cities\.json: no schema; known: decision, geonames"):
        checked("cities", {})
