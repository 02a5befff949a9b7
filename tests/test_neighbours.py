"""The symmetric-deletion index of spelling keys (toponyms.neighbours), against the obvious way."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toponyms import Gazetteer
from toponyms.neighbours import Deletions, deletion_table

LETTERS = "abcdeiknorsv "  # few letters, so that random strings meet
KEYS = st.text(LETTERS, min_size=1, max_size=12).map(str.strip).filter(bool)


def _deletions(text: str, times: int) -> set[str]:
    """``text`` and every string made of it by deleting at most ``times`` letters."""
    found, last = {text}, {text}
    for _ in range(times):
        last = {word[:at] + word[at + 1 :] for word in last for at in range(len(word))}
        found |= last
    return found


def _near(keys: list[str], query: str, twice: bool) -> list[int]:
    """The obvious way: the keys one of whose one-letter deletions is one of the query's deletions."""
    wanted = _deletions(query, 2 if twice else 1)
    return [number for number, key in enumerate(keys) if _deletions(key, 1) & wanted]


@settings(max_examples=200, deadline=None)
@given(st.lists(KEYS, min_size=1, max_size=40, unique=True), KEYS, st.integers(0, 12))
def test_the_index_finds_what_the_obvious_way_finds(keys: list[str], query: str, twice_up_to: int) -> None:
    keys.sort()
    index = Deletions(*deletion_table(keys), twice_up_to=twice_up_to)
    assert index.near(query).tolist() == _near(keys, query, len(query) <= twice_up_to)


@pytest.fixture(scope="module")
def keys(gazetteer: Gazetteer) -> list[str]:
    return gazetteer.index.keyed.texts


@pytest.fixture(scope="module")
def index(keys: list[str]) -> Deletions:
    return Deletions(*deletion_table(keys), twice_up_to=10)


def _edited(key: str, how: str, at: int, letter: str) -> str:
    at %= len(key)
    if how == "replace":
        return key[:at] + letter + key[at + 1 :]
    if how == "insert":
        return key[:at] + letter + key[at:]
    if how == "delete":
        return key[:at] + key[at + 1 :]
    return key[:at] + key[at + 1 : at + 2] + key[at : at + 1] + key[at + 2 :]  # two neighbours swapped


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data(), st.sampled_from(["replace", "insert", "delete", "swap"]), st.integers(0, 80), st.sampled_from("aeiknostvz"))
def test_every_key_within_one_edit_of_a_gazetteer_key_finds_it(
    keys: list[str], index: Deletions, data: st.DataObject, how: str, at: int, letter: str
) -> None:
    number = data.draw(st.integers(0, len(keys) - 1))
    query = _edited(keys[number], how, at, letter)
    assert number in index.near(query).tolist(), (keys[number], query)


def test_two_edits_of_a_short_key_are_found_and_unrelated_keys_are_not(keys: list[str], index: Deletions) -> None:
    pokrovsk = keys.index("pokrovsk")
    assert pokrovsk in index.near("pokorvsk").tolist()  # two letters swapped
    assert pokrovsk in index.near("pakrovsck").tolist()  # a letter replaced and one added: two deletions of the query
    assert pokrovsk not in index.near("pkrvsk").tolist()  # two letters left out: two deletions of the key, not filed
    assert {keys[number] for number in index.near("pokrovsk")} <= {key for key in keys if abs(len(key) - len("pokrovsk")) <= 2}
