"""Candidate generation for recall (toponyms.recall) and the trained decision (toponyms.decide)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz
from rapidfuzz.distance import Postfix, Prefix

from toponyms import Gazetteer, Resolver
from toponyms._data import table
from toponyms.decide import TABLE_DEPTH, Answers, ModelError, Trees, _trees, answers, model, probabilities, rank
from toponyms.normalize import normalize
from toponyms.script import is_mixed
from toponyms.recall import (
    COLUMN,
    FEATURES,
    SURNAME_ENDINGS,
    Recall,
    _as_good,
    _Groups,
    _pairs,
    _Tables,
)
from toponyms.resolve import Hints


@pytest.fixture(scope="module")
def recall(gazetteer: Gazetteer) -> Recall:
    return Recall(gazetteer)


def _best(recall: Recall, query: str, prior: str = "lookup") -> tuple[str | None, float]:
    found = recall.candidates(query)
    none, places = probabilities(found, prior)
    if not found.places or none >= places.max():
        return None, none
    best = int(places.argmax())
    return recall.gazetteer.column("name")[found.places[best]], float(places[best])


@pytest.mark.parametrize(
    ("query", "place"),
    [
        ("Dimitrpovka", "Dmytrivka"),  # no key within the old cutoff
        ("Tschobotarka", "Chobotarka"),  # the first-letter rule dropped it before tsch was fixed
        ("Khrtsa", "Hertsa"),  # Khertsa is a variant in no local language: never matched fuzzily before
        ("Pokrvosk", "Pokrovsk"),
    ],
)
def test_recall_finds_what_the_old_filters_dropped(recall: Recall, query: str, place: str) -> None:
    names = recall.gazetteer.column("name")
    assert place in {names[p] for p in recall.candidates(query).places}


def test_every_candidate_has_a_row_of_features_and_the_first_row_is_no_place(recall: Recall) -> None:
    found = recall.candidates("Kostiantynivka")
    assert found.features.shape == (len(found.places) + 1, len(FEATURES))
    assert found.features[0, COLUMN["is_none"]] == 1 and not found.features[1:, COLUMN["is_none"]].any()
    assert "exact" in found.methods and len(found.places) == len(set(found.places))


def test_probabilities_add_up_to_one_and_favour_the_obvious(recall: Recall) -> None:
    for prior in ("lookup", "text"):
        none, places = probabilities(recall.candidates("Pokrovsk"), prior)
        assert abs(none + places.sum() - 1) < 1e-9
    assert _best(recall, "Pokrovsk")[0] == "Pokrovsk"
    assert _best(recall, "Kyiv", "text") == ("Kyiv", pytest.approx(1.0, abs=0.05))
    assert _best(recall, "Saturday")[0] is None
    assert _best(recall, "Qzxwv")[0] is None
    assert _best(recall, "?!") == (None, 1.0)  # no candidate at all: certainly no place


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(["Pokrovsk", "Kramatorsk", "Kharkiv", "Бахмут", "Dnipro", "Sloviansk"]), st.integers(0, 2))
def test_case_and_look_alike_letters_do_not_change_the_answer(recall: Recall, name: str, how: int) -> None:
    changed = [name.upper(), name.lower(), name.replace("o", "о").replace("а", "a")][how]
    assert _best(recall, changed)[0] == _best(recall, name)[0]


LOOK_ALIKES = dict(zip("асеорху", "aceopxy"))  # Cyrillic letters and the Latin ones that look the same


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_a_latin_look_alike_in_a_cyrillic_name_changes_no_candidate_and_no_feature(recall: Recall, data) -> None:
    names = recall.gazetteer.column("name")  # any place: its Cyrillic names are drawn below
    place = recall.gazetteer.places[data.draw(st.integers(0, len(names) - 1))]
    cyrillic = [n.text for n in place.names if n.text.isalpha() and all("\u0400" <= ch <= "\u04ff" for ch in n.text)]
    cyrillic = [text for text in cyrillic if any(ch in LOOK_ALIKES for ch in text[1:])]
    if not cyrillic:
        return
    name = data.draw(st.sampled_from(cyrillic))
    at = data.draw(st.sampled_from([i for i, ch in enumerate(name) if i and ch in LOOK_ALIKES]))
    swapped = name[:at] + LOOK_ALIKES[name[at]] + name[at + 1 :]
    original, perturbed = recall.candidates(name), recall.candidates(swapped)
    assert perturbed.places == original.places, swapped
    assert np.array_equal(perturbed.features, original.features), swapped


def test_a_model_file_that_does_not_fit_is_refused() -> None:
    data = json.loads(json.dumps(table("decision")))
    assert model("lookup").leaves.shape[0] == len(data["priors"]["lookup"]["leaves"])
    with pytest.raises(ModelError, match="features"):
        _trees({**data, "features": data["features"][:-1]}, "lookup")
    broken = {**data, "priors": {"lookup": {**data["priors"]["lookup"], "depth": 40}}}
    with pytest.raises(ModelError, match="depth"):
        _trees(broken, "lookup")
    with pytest.raises(ValueError, match="prior"):
        model("gossip")


def test_the_trees_walk_as_a_plain_loop_does() -> None:
    trees = model("lookup")
    rng = np.random.default_rng(0)
    matrix = rng.normal(size=(7, len(FEATURES))) * 3
    expected = []
    for row in matrix:
        total = 0.0
        for t in range(trees.features.shape[0]):
            node = 0
            for _ in range(trees.depth):
                node = 2 * node + (1 if row[trees.features[t, node]] <= trees.thresholds[t, node] else 2)
            total += trees.leaves[t, node - (2**trees.depth - 1)]
        expected.append(total / trees.temperature)
    assert np.allclose(trees.scores(matrix), expected)


def _trees_of(depth: int, count: int, seed: int) -> Trees:
    rng = np.random.default_rng(seed)
    inner = 2**depth - 1
    features = rng.integers(0, 4, size=(count, inner))
    thresholds = rng.integers(-2, 3, size=(count, inner)) / 2  # few distinct tests, shared between trees
    return Trees(depth, features, thresholds, rng.normal(size=(count, inner + 1)), 0.7)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 4), st.integers(1, 30), st.integers(0, 2**32 - 1), st.integers(1, 9))
def test_the_trees_table_scores_as_their_walk_does_bit_for_bit(depth: int, count: int, seed: int, rows: int) -> None:
    trees = _trees_of(depth, count, seed)
    rng = np.random.default_rng(seed + 1)
    matrix = rng.integers(-3, 4, size=(rows, len(FEATURES))) / 2  # values on the thresholds too
    matrix[0, 0] = np.nan  # a comparison with nan is false, on either path
    assert (trees._table is None) == (depth > TABLE_DEPTH)
    assert trees.scores(matrix).tobytes() == trees._walked(matrix).tobytes()
    for prior in ("lookup", "text"):  # the model's own trees, on a random matrix
        assert model(prior).scores(matrix * 3).tobytes() == model(prior)._walked(matrix * 3).tobytes()


def test_the_model_seam_scores_names_asked_for_alone_by_probability(gazetteer: Gazetteer) -> None:
    resolver, formula = Resolver(gazetteer), Resolver(gazetteer)
    resolver.scoring = "model"
    found = resolver.candidates("Kharkov", limit=5)
    assert found[0].place.name == "Kharkiv" and found[0].score > 0.9 and sum(m.score for m in found) <= 1 + 1e-3
    assert resolver.candidates("Pokrovsk", country="RU", limit=1)[0].place.country == "RU"
    # names lifted from running text keep the formula, until find's floors are derived from the model
    assert resolver.candidates_in_text("Харкова", limit=3) == formula.candidates_in_text("Харкова", limit=3)


def _naive_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.text("abcя ", max_size=6), st.text("abcя ", max_size=8)), min_size=1, max_size=6))
def test_common_prefixes_and_suffixes_are_counted_as_a_plain_loop_counts_them(pairs: list[tuple[str, str]]) -> None:
    keys, others = [key for key, _ in pairs], [other for _, other in pairs]
    assert _pairs(keys, others, Prefix.similarity).tolist() == [_naive_prefix(k, o) for k, o in pairs]
    assert _pairs(keys, others, Postfix.similarity).tolist() == [_naive_prefix(k[::-1], o[::-1]) for k, o in pairs]
    assert _pairs(keys[:1] * len(others), others, Prefix.similarity).tolist() == [
        _naive_prefix(keys[0], other) for other in others
    ]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 4), st.floats(1, 1e4)), min_size=1, max_size=12))
def test_rivals_and_shares_are_those_of_numpys_grouping(rows: list[tuple[int, int, float]]) -> None:
    groups = np.array([method * 1000 + similarity for method, similarity, _ in rows], dtype=np.float64)
    weights = np.array([weight for _, _, weight in rows])
    _, group, counts = np.unique(groups, return_inverse=True, return_counts=True)
    rivals, shares = _as_good(groups, weights)
    assert rivals == (counts[group] - 1).tolist()
    assert shares == np.bincount(group, weights=weights)[group].tolist()  # the same sums, bit for bit


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.sampled_from([0.0, 0.5, 0.75, 1.0]), min_size=1, max_size=8), min_size=1, max_size=4))
def test_what_is_worked_out_over_each_query_is_worked_out_over_it_alone(runs: list[list[float]]) -> None:
    groups = _Groups(np.array([len(run) for run in runs]), np)
    values = np.array([value for run in runs for value in run])
    expected = [max(run[:i] + run[i + 1 :], default=-1.0) for run in runs for i in range(len(run))]
    assert groups.best_of_others(values, missing=-1.0).tolist() == expected
    assert groups.largest(values).tolist() == [max(run) for run in runs]
    whole = (values * 4).astype(np.int64)
    assert groups.greater(whole).tolist() == [sum(other > value for other in run) for run in runs for value in run]


NAMED = ["Pokrovsk", "Kostiantynivka", "Харкова", "Kiev", "Dimitrpovka", "Bakhmut", "Artemovsk", "Mariupol", "Шишaky"]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(NAMED))
def test_what_is_read_of_each_name_and_place_is_what_they_say(recall: Recall, query: str) -> None:
    found = recall.candidates(query)
    gazetteer = recall.gazetteer
    places, owner = gazetteer.places, gazetteer.index.owner
    for row, number, hit in zip(found.features[1:], found.places, found.hits):
        place = places[number]
        name = place.names[owner(hit)[1]]
        assert row[COLUMN["status"]] == {"official": 0, "variant": 1, "former": 2, "garbled": 3}[name.status]
        former = name.status == "former"
        assert row[COLUMN["former_age"]] == ((2026 - name.year if name.year else 100) if former else -1)
        assert row[COLUMN["lang_known"]] == (name.lang is not None)
        assert row[COLUMN["mainstream"]] == gazetteer.index.is_mainstream(hit)
        namesakes = {gazetteer.index.owners[h] for h in gazetteer.index.by_form(normalize(name.text))}
        assert row[COLUMN["name_namesakes"]] == pytest.approx(math.log1p(max(len(namesakes) - 1, 0)))
        assert row[COLUMN["log_population"]] == pytest.approx(math.log10(place.population + 1))
        assert row[COLUMN["population_unknown"]] == (place.population == 0)
        assert row[COLUMN["approximate"]] == bool(place.approximate)
        assert row[COLUMN["in_ukraine"]] == (place.country == "UA")
        key = recall._tables.key_of(hit)
        assert row[COLUMN["name_surname_shape"]] == (" " not in key and key.endswith(SURNAME_ENDINGS))
    assert found.features[0, COLUMN["in_ukraine"]] == -1  # the "no place" row has no country
    assert found.features[0, COLUMN["name_surname_shape"]] == -1


@pytest.mark.parametrize(
    ("query", "place", "hit"),
    [
        ("Солчин", "gn:8250814", "Солочин"),  # a typo of Солочин: not Solochyn, of the same key, in another script
        ("Кахзаки", "gn:551535", "Казаки"),
    ],
)
def test_of_a_place_s_names_under_one_key_the_one_written_most_like_the_query_speaks_for_it(
    recall: Recall, query: str, place: str, hit: str
) -> None:
    found = recall.candidates(query)
    ids = recall.gazetteer.column("id")
    at = [ids[number] for number in found.places].index(place)
    assert recall._tables.texts[found.hits[at]] == hit
    assert found.features[at + 1, COLUMN["same_script"]] == 1


def _nearest_hits(tables: _Tables, index, form: str, numbers: list[int]) -> tuple[list[int], list[int], list[int]]:
    """``_Tables.nearest_hits`` as a plain loop: the keys in turn, each key's names most like ``form``
    first (stable), a place kept at its first name."""
    first: dict[int, tuple[int, int]] = {}
    for number in numbers:
        hits = index.keyed.hits[index.keyed.starts[number] : index.keyed.starts[number + 1]]
        ordered = sorted(hits, key=lambda hit: -fuzz.ratio(form, tables.forms[tables.hit_form[hit]]))
        for hit in ordered:
            first.setdefault(index.owners[hit], (hit, number))
    return list(first), [hit for hit, _ in first.values()], [number for _, number in first.values()]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(NAMED + ["Солчин", "Кахзаки", "Novoselivka", "Pokrovske"]))
def test_each_place_s_name_most_like_the_query_is_found_as_a_plain_loop_finds_it(recall: Recall, query: str) -> None:
    tables, found = recall._tables, recall.found(query)
    numbers = tables.fuzzy_keys(found.key) + [tables.hit_key[hit] for hit in recall.index.by_form(found.form)][:3]
    numbers = list(dict.fromkeys(number for number in numbers if number >= 0))
    assert tables.nearest_hits(found.form, numbers) == _nearest_hits(tables, recall.index, found.form, numbers)


QUERIES = st.sampled_from(NAMED) | st.text("aoeikrsvnКиївая' -", max_size=12)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(QUERIES, min_size=1, max_size=6))
def test_a_query_among_others_gets_the_features_it_gets_alone(recall: Recall, queries: list[str]) -> None:
    matrix, many = recall._featurise([recall.found(query) for query in queries])
    assert len(matrix) == sum(len(found.features) for found in many)
    for query, found in zip(queries, many):
        alone = recall.candidates(query)
        assert (found.places, found.hits, found.methods) == (alone.places, alone.hits, alone.methods)
        assert found.features.tobytes() == alone.features.tobytes()  # bit for bit


def test_a_name_found_as_written_gets_no_fuzzy_candidates(recall: Recall) -> None:
    for query in ("Kostiantynivka", "kostiantynivka", "Костянтинівка", "Пoкровськ"):
        assert "fuzzy" not in recall.candidates(query).methods and recall.candidates(query).places
    assert "fuzzy" in recall.candidates("Kostiantynovka").methods  # no name is written so


def _names(gazetteer: Gazetteer) -> st.SearchStrategy[str]:
    """A name of the gazetteer, as written, in lower or upper case, or in mixed script."""
    texts = answers(Recall(gazetteer)).texts
    spelt = st.sampled_from([str.strip, str.lower, str.upper, lambda text: text.replace("o", "о").replace("а", "a")])
    return st.builds(lambda number, how: how(texts[number]), st.integers(0, len(texts) - 1), spelt)


def _afresh(resolver: Resolver, query: str, **options: object) -> list:
    """``rank`` without the answers worked out beforehand."""
    entry = Answers.entry
    Answers.entry = lambda self, query: -1  # type: ignore[method-assign]
    try:
        return rank(resolver, query, **options)  # type: ignore[arg-type]
    finally:
        Answers.entry = entry  # type: ignore[method-assign]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.data(),
    st.sampled_from([1, 5]),
    st.sampled_from([(), ("UA",), ("RU",), ("UA", "Donetsk Oblast"), (None, None, (48.3, 37.2))]),
    st.sampled_from(["lookup", "text"]),
)
def test_the_answers_worked_out_beforehand_are_those_worked_out_afresh(
    gazetteer: Gazetteer, data: st.DataObject, limit: int, hint: tuple, prior: str
) -> None:
    query = data.draw(_names(gazetteer))
    resolver = Resolver(gazetteer)
    resolver.scoring = "model"
    country, region, near = (*hint, None, None, None)[:3]
    hints = Hints(country, near, 50.0, frozenset([region] if region else ()), frozenset())
    stored = rank(resolver, query.strip(), limit=limit, hints=hints, prior=prior)
    assert stored == _afresh(resolver, query.strip(), limit=limit, hints=hints, prior=prior)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_the_stored_probabilities_are_those_of_the_model_bit_for_bit(recall: Recall, data: st.DataObject) -> None:
    query = data.draw(_names(recall.gazetteer))
    entry = answers(recall).entry(query)
    if entry < 0:  # a name that mixes scripts is answered afresh
        assert is_mixed(query) or not normalize(query)
        return
    found = recall.candidates(query)
    for prior in ("lookup", "text"):  # both priors' answers, made from one featurisation
        places, hits, methods, none, chances = answers(recall).read(entry, query, prior)
        expected_none, expected = probabilities(found, prior)
        assert (places, hits, methods) == (list(found.places), list(found.hits), list(found.methods))
        assert none == expected_none and chances == expected.tolist(), prior


def test_the_tables_read_from_the_cache_are_those_made_anew(gazetteer: Gazetteer) -> None:
    assert gazetteer.digest is not None  # the session's gazetteer is compiled, so its tables are cached
    _Tables(gazetteer)  # made and cached, unless an earlier run cached them
    cached = _Tables(gazetteer)
    digest, gazetteer.digest = gazetteer.digest, None
    try:
        made = _Tables(gazetteer)
    finally:
        gazetteer.digest = digest
    assert np.array_equal(cached.name_rows, made.name_rows) and np.array_equal(cached.place_rows, made.place_rows)
    assert {step: (numbers, spans) for step, (numbers, _, spans) in cached.buckets.items()} == {
        step: (numbers, spans) for step, (numbers, _, spans) in made.buckets.items()
    }
    assert np.array_equal(cached.deletions.table, made.deletions.table) and cached.deletions.bits == made.deletions.bits
    assert cached.forms == made.forms and cached.hit_form == made.hit_form and cached.hit_key == made.hit_key
    for column in ("key_lengths", "surname_keys"):
        assert np.array_equal(getattr(cached, column), getattr(made, column))
    assert cached.grams.texts == made.grams.texts and cached.grams.hits == made.grams.hits


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(NAMED), st.integers(1, 6), st.booleans())
def test_a_model_lookup_gives_the_first_of_a_longer_one(gazetteer: Gazetteer, query: str, limit: int, fuzzy: bool) -> None:
    resolver = Resolver(gazetteer)
    resolver.scoring = "model"
    hints = Hints(country="UA") if fuzzy else Hints()
    longer = rank(resolver, query, limit=100, hints=hints, fuzzy=fuzzy)
    assert rank(resolver, query, limit=limit, hints=hints, fuzzy=fuzzy) == longer[:limit]


@pytest.mark.parametrize(
    ("query", "place"),
    [
        ("Pokrovsk", "gn:704422"),  # Donetsk oblast's town, not its Russian namesake nor Engels' name until 1931
        # Pokrovsk's name until 2016, borne today by two Russian towns: about the threshold (0.45-0.53) while
        # training drew former names a tenth as often as the other kinds and never as written; 0.81 since.
        ("Krasnoarmeysk", "gn:704422"),
        ("Zaporozhye", "gn:687700"),
        ("Харкова", "gn:706483"),  # Kharkiv, in the genitive
        ("Києві", "gn:703448"),  # Kyiv, in the locative
        ("Bakhmut", "gn:713174"),
        ("Artemovsk", "gn:713174"),  # Bakhmut's name until 2016
    ],
)
def test_the_seeds_names_mean_their_place_under_the_model(gazetteer: Gazetteer, query: str, place: str) -> None:
    resolver = Resolver(gazetteer)
    resolver.scoring = "model"
    found = resolver.resolve(query)
    assert found is not None and found.place.id == place and found.score >= 0.5, (query, found)


@pytest.mark.parametrize(
    "query",
    [
        "Pushilin",
        "Zelensky",
        pytest.param(
            "Syrskyi",  # the general; the village Syrskoye is spelt alike. Refits move it about the threshold:
            # 0.51, 0.23, 0.38, and 0.54 once the passages of find-model moved the news rates.
            marks=pytest.mark.xfail(strict=True, reason="the village Syrskoye at 0.54, over the threshold"),
        ),
    ],
)
def test_surnames_are_no_place_under_the_model(gazetteer: Gazetteer, query: str) -> None:
    resolver = Resolver(gazetteer)
    resolver.scoring = "model"
    assert resolver.resolve(query) is None, resolver.candidates(query, limit=1)
