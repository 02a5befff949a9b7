import json
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toponyms import Explanation, Gazetteer, Resolver, explain
from toponyms.explanation import REFERENCE, render
from toponyms.recall import FEATURES
from toponyms.records import explanation_record

NAMES = [
    "Krasnoarmeysk", "Pokrovsk", "Novoselivka", "Kramatorks", "Pushilin", "Покровську", "Пoкровськ", "Kharkow",
    "Summit", "Bakhmut", "Kostiantynivka", "Zaporozhye", "Tschobotarka", "Dimitrpovka", "Pokrovske", "",
]  # fmt: skip
HINTS = [{}, {"country": "UA"}, {"country": "ru"}, {"region": "Donetsk Oblast"}, {"near": (48.3, 37.2)},
         {"within": "Pokrovskyi Raion"}, {"region": ["Luhansk Oblast", "Kharkiv Oblast"], "near": (49.0, 38.0)}]  # fmt: skip


def _typo(name: str, at: int) -> str:
    """``name`` with the letters at ``at`` and the next swapped (a typo), when it is long enough."""
    at %= max(len(name) - 1, 1)
    return name[:at] + name[at + 1 : at + 2] + name[at : at + 1] + name[at + 2 :] if len(name) > 2 else name


names = st.one_of(
    st.sampled_from(NAMES),
    st.builds(_typo, st.sampled_from(NAMES), st.integers(0, 20)),
    st.text(max_size=14),
)


@pytest.fixture(scope="module")
def model_resolver(gazetteer: Gazetteer) -> Resolver:
    resolver = Resolver(gazetteer)
    resolver.scoring = "model"
    return resolver


def _check_answer_and_order(why: Explanation, resolver: Resolver, name: str, hints: dict, limit: int) -> None:
    assert why.answer == resolver.resolve(name, **hints)
    listed = resolver.candidates(name, limit=limit, **hints)
    assert [c.match for c in why.candidates] == listed
    assert [c.score for c in why.candidates] == sorted((c.score for c in why.candidates), reverse=True)
    if why.answer is not None:
        assert why.candidates[0].match == why.answer
    assert len(why.candidates) <= limit and why.considered >= len(why.candidates)


@settings(max_examples=150, deadline=None)
@given(name=names, hints=st.sampled_from(HINTS), limit=st.integers(1, 6))
def test_the_formula_explains_resolves_answer(formula_resolver: Resolver, name: str, hints: dict, limit: int) -> None:
    why = explain(name, limit=limit, resolver=formula_resolver, **hints)
    _check_answer_and_order(why, formula_resolver, name, hints, limit)
    assert why.scoring == "formula" and why.no_place is None
    for candidate in why.candidates:
        effects = {item.name: item.effect for item in candidate.evidence}
        assert {"method", "name status", "population", "share"} <= set(effects)
        # Each piece of evidence made neutral: a bigger share, the whole floor, no hint cannot lower the score,
        # an unknown population cannot raise it.
        assert effects["share"] <= 0 and effects.get("namesakes", 0) <= 0 and effects["name status"] <= 0
        assert effects["population"] >= 0
        assert all(effect <= 0 for item, effect in effects.items() if item.startswith("hint"))
    assert not {f.place.id for f in why.filtered} & {c.place.id for c in why.candidates}


@settings(max_examples=60, deadline=None)
@given(name=names, hints=st.sampled_from(HINTS))
def test_the_model_explains_resolves_answer(model_resolver: Resolver, name: str, hints: dict) -> None:
    why = explain(name, limit=1000, resolver=model_resolver, **hints)
    _check_answer_and_order(why, model_resolver, name, hints, 1000)
    assert why.scoring == "model" and why.filtered == ()
    if why.candidates:  # every place shown: they and "no place" share the probability
        assert sum(c.score for c in why.candidates) + why.no_place == pytest.approx(1, abs=1e-4 * (why.considered + 1))
    for candidate in why.candidates:
        for item in candidate.evidence:
            if item.name in REFERENCE:  # a feature at its reference value moves nothing
                value, reference = item.value.removesuffix(")").split(" (reference ")
                assert float(value) != pytest.approx(float(reference), abs=1e-3) and item.effect != 0


def test_evidence_of_a_former_name_among_namesakes(formula_resolver: Resolver) -> None:
    why = explain("Krasnoarmeysk", resolver=formula_resolver)
    first = why.candidates[0]
    assert first.place.name == "Pokrovsk" and first.matched.status == "former"
    status = next(item for item in first.evidence if item.name == "name status")
    assert status.value.startswith("former (2016)") and status.effect < 0
    russian = next(c for c in why.candidates if c.place.country == "RU")
    namesakes = next(item for item in russian.evidence if item.name == "namesakes")
    assert "Krasnoarmeysk (populated place" in namesakes.value and namesakes.effect < 0


def test_a_typo_costs_what_the_fuzzy_step_costs(formula_resolver: Resolver) -> None:
    # Kramatorsk is its name's only candidate, so the typo's method is all that differs.
    method = next(item for item in explain("Kramatorks", resolver=formula_resolver).candidates[0].evidence if item.name == "method")
    assert method.value.startswith("fuzzy (similarity")
    assert method.effect == pytest.approx(formula_resolver.resolve("Kramatorks").score - formula_resolver.resolve("Kramatorsk").score, abs=2e-4)


def test_a_hint_costs_what_the_hint_costs(formula_resolver: Resolver) -> None:
    # Pokrovsk in Ukraine is the only candidate outside Russia: without its factor, no hint weighs anything.
    ukrainian = next(c for c in explain("Pokrovsk", country="RU", resolver=formula_resolver).candidates if c.place.country == "UA")
    hint = next(item for item in ukrainian.evidence if item.name == "hint country")
    unhinted = next(m for m in formula_resolver.candidates("Pokrovsk") if m.place.id == ukrainian.place.id)
    assert hint.value.startswith("outside RU") and hint.effect == pytest.approx(ukrainian.score - unhinted.score, abs=2e-4)


def test_the_places_the_formulas_rules_drop_are_named_with_the_rule(formula_resolver: Resolver) -> None:
    dropped = {f.place.name: f.reason for f in explain("Pushilin", limit=20, resolver=formula_resolver).filtered}
    assert "no local language" in dropped["Pushkin"]  # GeoNames' Pusjkin, of no language
    summit = explain("Summit", resolver=formula_resolver)
    assert summit.answer is None and summit.candidates == ()
    assert summit.filtered and all("everyday word" in f.reason for f in summit.filtered)
    early = explain("Krasnoarmeysk", limit=20, resolver=formula_resolver).filtered
    assert any(f.method == "transliteration" and f.reason.startswith("resolving stops at the first step") for f in early)
    # A name found as written has no fuzzy candidates (toponyms.recall); one found by its spelling key has.
    early = explain("Krasnoarmeyssk", limit=20, resolver=formula_resolver).filtered
    assert any(f.method == "fuzzy" and f.reason.startswith("resolving stops at the first step") for f in early)


def test_the_model_says_why_a_word_is_no_place(model_resolver: Resolver) -> None:
    why = explain("Summit", resolver=model_resolver)
    assert why.answer is None and why.no_place > 0.5
    # An everyday word, found fuzzily only: the two reasons weigh about alike (0.44 and 0.47 once in_ukraine came in).
    assert {evidence.name for evidence in why.no_place_evidence[:2]} == {"ordinary_word", "best_method"}
    assert all(evidence.effect > 0.2 for evidence in why.no_place_evidence[:2])


def test_the_reference_is_a_sure_exact_hit(resolver: Resolver) -> None:
    assert set(REFERENCE) == set(FEATURES) - {"is_none", "query_script", "query_length", "query_words"}
    for name in ("Kramatorsk", "Bakhmut"):
        found = resolver.recall.candidates(name)
        row = found.features[1 + [resolver.gazetteer.places[p].name for p in found.places].index(name)]
        differ = {feature for feature, value in zip(FEATURES, row) if feature in REFERENCE and REFERENCE[feature] != value}
        assert differ <= {"log_population", "log_candidates", "ratio_gap"}, name


@pytest.mark.parametrize(
    "bad",
    [{"name": b"Kyiv"}, {"country": "XX"}, {"region": "Luhansk"}, {"near": (100, 0)}, {"within": "Nowhere Raion"}],
)
def test_bad_input_is_refused_as_resolve_refuses_it(resolver: Resolver, bad: dict) -> None:
    arguments = {"name": "Kyiv", **bad}
    with pytest.raises((TypeError, ValueError)) as resolving:
        resolver.resolve(**arguments)
    with pytest.raises(resolving.type) as explaining:
        explain(**arguments, resolver=resolver)
    assert str(explaining.value) == str(resolving.value)


def test_limit_is_a_positive_whole_number(resolver: Resolver) -> None:
    for limit in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="limit="):
            explain("Kyiv", limit=limit, resolver=resolver)


def test_text_and_record(formula_resolver: Resolver, model_resolver: Resolver) -> None:
    why = explain("Krasnoarmeysk", limit=2, resolver=formula_resolver)
    text = str(why)
    assert text == render(why) and text.startswith("'Krasnoarmeysk' → Pokrovsk (populated place, Donetsk Oblast, UA)")
    assert "share" in text and "not scored" in text
    record = json.loads(json.dumps(explanation_record(why), ensure_ascii=False))
    assert record["answer"]["id"] == why.answer.place.id and len(record["candidates"]) == 2
    assert record["candidates"][0]["evidence"][0] == {"name": "method", "value": "exact: confidence 1.00", "effect": 0.0}
    modelled = explain("Kramatorks", resolver=model_resolver)
    assert "P(no place)" in str(modelled) and explanation_record(modelled)["no_place"] == modelled.no_place


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "toponyms", *args], capture_output=True, text=True, timeout=120)


def test_cli_explains_in_text_and_json() -> None:
    done = run("lookup", "Krasnoarmeysk", "--explain", "--limit", "2")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("'Krasnoarmeysk' → Pokrovsk") and "name status" in done.stdout
    done = run("lookup", "Pokrovsk", "--explain", "--json", "--country", "RU", "--limit", "3")
    record = json.loads(done.stdout)
    assert record["answer"]["country"] == "RU" and len(record["candidates"]) == 3
    assert any(item["name"] == "hint country" for c in record["candidates"] for item in c["evidence"])
    assert run("lookup", "Pushilin", "--explain").returncode == 1
    unknown = run("lookup", "Pokrovske", "--explain", "--region", "Luhansk")
    assert unknown.returncode == 2 and "'Luhansk'" in unknown.stderr and "Traceback" not in unknown.stderr
