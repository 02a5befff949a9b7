from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toponyms import russian
from toponyms._data import table
from toponyms.russian import RussianFormsError, russian_form, samples

UKRAINIAN_ONLY = "іїєґІЇЄҐ"
APOSTROPHES = table("russian_forms")["apostrophes"] + "'"


@pytest.mark.parametrize(
    ("ukrainian", "russian_name"),
    [
        ("Нова Каховка", "Новая Каховка"),  # agrees before a blank only...
        ("Нова-Каховка", "Нова-Каховка"),  # ...not before a hyphen
        ("Каховка Нова", "Каховка Нова"),  # nor as the last word
        ("ПОКРОВСЬК", "ПОКРОВСК"),
        ("покровськ", "покровск"),
        ("Куп’янськ", "Купянск"),  # any apostrophe
        ("Kup'yansk", "Kupyansk"),  # Latin words only lose apostrophes
        ("Часів  Яр", "Часов  Яр"),  # separators kept as they were
        ("", ""),
    ],
)
def test_words_case_and_separators(ukrainian: str, russian_name: str) -> None:
    assert russian_form(ukrainian) == russian_name


def test_samples_are_unique_and_cover_the_brief() -> None:
    pairs = samples()
    assert len({ukrainian for ukrainian, _ in pairs}) == len(pairs)
    assert ("Миколаїв", "Николаев") in pairs and ("Вугледар", "Угледар") in pairs


@given(st.text())
@settings(max_examples=500)
def test_any_text_comes_out_without_ukrainian_letters_or_apostrophes(text: str) -> None:
    form = russian_form(text)
    assert not set(form) & set(UKRAINIAN_ONLY + APOSTROPHES)


@given(st.lists(st.sampled_from("абвгґдеєжзиіїйклмнопрстуфхцчшщьюя'’ -"), max_size=20).map("".join))
@settings(max_examples=500)
def test_ukrainian_letters_come_out_russian(text: str) -> None:
    form = russian_form(text)
    assert not set(form) & set(UKRAINIAN_ONLY + APOSTROPHES)
    assert form.count(" ") == text.count(" ") and form.count("-") == text.count("-")


@pytest.fixture
def bad_table(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """A copy of the table that a test may break; the cache is emptied before and after."""
    data = {key: (list(value) if isinstance(value, list) else value) for key, value in table("russian_forms").items()}
    monkeypatch.setattr(russian, "table", lambda name: data)
    russian._tables.cache_clear()
    yield data
    russian._tables.cache_clear()


@pytest.mark.parametrize(
    ("key", "rule", "message"),
    [
        ("letters", ["і(", "и", "a broken pattern"], r"russian_forms\.json: letters \d+ \('і\('\): missing \)"),
        ("endings", ["а$", "\\1ая", "no group"], r"russian_forms\.json: endings \d+ \('а\$'\).*names no group"),
        ("adjective_rules", ["а$", "ая"], r"russian_forms\.json: adjective_rules \d+ .*\[pattern, replacement, why\]"),
        ("letters", ["а", "б", " "], r"russian_forms\.json: letters \d+ "),
    ],
)
def test_a_bad_rule_is_named_with_its_file(bad_table: dict[str, Any], key: str, rule: list, message: str) -> None:
    bad_table[key].append(rule)
    with pytest.raises(RussianFormsError, match=message):
        russian_form("Покровськ")


def test_a_missing_list_is_named(bad_table: dict[str, Any]) -> None:
    del bad_table["letters"]
    with pytest.raises(RussianFormsError, match=r"russian_forms\.json: letters must be a list"):
        russian_form("Покровськ")
