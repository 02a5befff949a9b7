"""The rules of ``find`` keep the right answers that resolve on their own (issue 16): names before a
conjunction, everyday words capitalised in mid-sentence, the first of two names joined, a name
next to a person's, and a big town's case forms that pass 1 does not spell."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toponyms import Resolver, find
from toponyms.extract import Extractor
from toponyms.extract.checks import CYRILLIC_AFTER, LOWER_BEFORE, NAME_AFTER, after_at, before_at, judge
from toponyms.model import Mention


def places(text: str) -> list[tuple[str, str]]:
    return [(m.text, m.match.place.name) for m in find(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Удари по Родинського и Селидового.", [("Родинського", "Rodynske"), ("Селидового", "Selydove")]),
        ("Удари по Родинському та Білозерському.", [("Родинському", "Rodynske"), ("Білозерському", "Bilozerske")]),
        ("Евакуація триває з Родинського та Покровська.", [("Родинського", "Rodynske"), ("Покровська", "Pokrovsk")]),
        ("Окупанти вдарили по Білозерському у вівторок.", [("Білозерському", "Bilozerske")]),
    ],
)
def test_an_adjective_shaped_name_before_a_conjunction_or_preposition_is_a_place(
    text: str, expected: list[tuple[str, str]]
) -> None:
    assert places(text) == expected


@pytest.mark.parametrize(
    "text",
    ["Крымский мост временно перекрыт.", "Российские и украинские военные подтвердили обмен пленными."],
)
def test_an_adjective_before_a_noun_is_still_no_place(text: str) -> None:
    assert places(text) == []


def test_a_conjunction_or_preposition_after_a_mention_is_no_noun_it_qualifies() -> None:
    for joining in ("и", "та", "й", "і", "або", "в", "у", "під"):
        assert not after_at(f"Родинського {joining} x", 11, 0) & CYRILLIC_AFTER, joining
    assert after_at("Крымский мост", 8, 0) & CYRILLIC_AFTER


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ворог обстріляв Ізюм вночі.", [("Ізюм", "Izium")]),
        ("Уночі росіяни атакували Харків і Ізюм дронами.", [("Харків", "Kharkiv"), ("Ізюм", "Izium")]),
        ("Russia shelled Kiev overnight.", [("Russia", "Russia"), ("Kiev", "Kyiv")]),
    ],
)
def test_an_everyday_word_capitalised_in_mid_sentence_is_the_place(text: str, expected: list[tuple[str, str]]) -> None:
    assert places(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Ізюм подорожчав.",  # a sentence's first word is capitalised anyway
        "Купили. Ізюм подорожчав.",
        "Human rights groups and Never again.",  # English capitalises more than names
        "The Human Rights Watch said so.",  # before a name: a name of several words
        "Об этом рассказал Олег.",  # a first name is a person's
        "Про це розповіла Ольга.",
    ],
)
def test_an_everyday_word_capitalised_where_any_word_may_be_needs_more(text: str) -> None:
    assert places(text) == []


def test_mid_sentence_is_a_fact_of_the_word_just_before() -> None:
    assert before_at("обстріляв Ізюм", 10, 0) == LOWER_BEFORE
    assert not before_at("обстріляв, Ізюм", 11, 0) & LOWER_BEFORE  # a list: no word joins it
    assert not before_at("Ворог. Ізюм", 7, 0) & LOWER_BEFORE
    assert not before_at("Обстріляли Ізюм", 11, 0) & LOWER_BEFORE


def test_the_mid_sentence_rule_reads_the_name_after(resolver: Resolver) -> None:
    surface = "Ізюм"
    mention = Mention(0, len(surface), surface, resolver.candidates_in_text(surface)[0])
    assert judge(mention, LOWER_BEFORE).fits
    assert not judge(mention, LOWER_BEFORE | NAME_AFTER).fits
    assert not judge(mention, 0).fits


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Росіяни атакують біля Покровська та Мирнограда.", [("Покровська", "Pokrovsk"), ("Мирнограда", "Myrnohrad")]),
        ("Бої тривають біля Костянтинівки та міста Дружківка.", [("Костянтинівки", "Kostiantynivka"), ("Дружківка", "Druzhkivka")]),
        ("Российские войска наступают у Покровска и Мирнограда.", [("Покровска", "Pokrovsk"), ("Мирнограда", "Myrnohrad")]),
    ],
)
def test_the_first_of_two_joined_names_is_found(text: str, expected: list[tuple[str, str]]) -> None:
    assert places(text) == expected


def test_the_first_of_two_names_is_found_before_a_word_for_a_settlement() -> None:
    assert [surface for surface, _ in places("Росіяни атакують біля Покровська та села Зелене.")] == [
        "Покровська", "Зелене"
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Про це повідомив мер Покровська Сергій Добряк.", [("Покровська", "Pokrovsk")]),
        ("Мер Покровська Сергій Добряк заявив.", [("Покровська", "Pokrovsk")]),
        ("Глава Покровска Сергей Добряк заявил об эвакуации.", [("Покровска", "Pokrovsk")]),
        ("У Покровську Олександр Кравченко сказав.", [("Покровську", "Pokrovsk")]),
        ("Голова Костянтинівки Сергій Горбунов заявив.", [("Костянтинівки", "Kostiantynivka")]),
    ],
)
def test_a_name_in_an_oblique_case_before_a_persons_name_is_a_place(text: str, expected: list[tuple[str, str]]) -> None:
    assert places(text) == expected


@pytest.mark.parametrize(
    ("text", "person"),
    [
        ("The commander, Oleksandr Syrskyi, said so.", "Syrskyi"),
        ("Наказ віддав генерал Сирський Олександр.", "Сирський"),
        ("Кривой Рог, родной город Владимира Зеленского, подвергся удару.", "Владимира"),
    ],
)
def test_a_persons_name_is_still_no_place(text: str, person: str) -> None:
    assert person not in {surface for surface, _ in places(text)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Бои идут под Константиновкой и в Константиновке.", ["Константиновкой", "Константиновке"]),
        ("Під Костянтинівкою і в Костянтинівці точаться бої.", ["Костянтинівкою", "Костянтинівці"]),
    ],
)
def test_a_big_towns_case_forms_are_found_despite_its_namesakes(text: str, expected: list[str]) -> None:
    found = find(text)
    assert [m.text for m in found] == expected
    assert {m.match.place.name for m in found} == {"Kostiantynivka"}
    assert all(m.match.score < 0.7 for m in found)  # under GARBLE: the case form is no garble


def test_a_surname_that_reads_as_a_villages_case_form_is_no_place() -> None:
    # Петрова reads as the village Petrove with a case ending, but Petrove is small: GARBLE holds.
    assert places("Об этом сообщила Петрова.") == []


@pytest.mark.parametrize(
    "text",
    [
        "Ворог обстріляв Ізюм вночі. Ізюм подорожчав.",
        "Удари по Родинського и Селидового, мер Покровська Сергій Добряк.",
        "Бои под Константиновкой и Константиновка.",
    ],
)
def test_the_runs_find_what_the_passes_find_with_the_new_facts(text: str) -> None:
    runs, whole = Extractor().scan_runs(text), Extractor().scan_whole(text)
    assert [(m.start, m.text, m.match) for m in runs.mentions] == [(m.start, m.text, m.match) for m in whole.mentions]


# The words of the cases above, and words that make their facts hold or not beside them.
WORDS = ["Ізюм", "Изюм", "Kiev", "обстріляв", "shelled", "Ворог", "Родинського", "Селидового", "Покровська",
         "Мирнограда", "Константиновкой", "Константиновке", "Петрова", "и", "та", "у", "під", "села", "мер", "Мер",
         "Сергій", "Добряк", "Владимира", "Зеленского", "мост", "войска", "Human", "Rights", ".", ",", "Олег"]  # fmt: skip
REUSED = Extractor()


# Derandomised: the known misses below (a phrase after a sentence's first word) are within reach of
# these words, and a suite must not pass or fail by the draw.
@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(WORDS), max_size=12).map(" ".join), st.lists(st.sampled_from(WORDS), max_size=12).map(" ".join))
def test_the_runs_find_what_the_passes_find_around_the_new_facts(warm_up: str, text: str) -> None:
    REUSED.scan(warm_up)
    runs, whole = REUSED.scan_runs(text), Extractor().scan_whole(text)
    assert [(m.start, m.end, m.match) for m in runs.mentions] == [(m.start, m.end, m.match) for m in whole.mentions]
    assert runs.settled == whole.settled


@pytest.mark.xfail(
    strict=True,
    reason="pass 2 tries a phrase's last words, not its first ones: the whole text tries Великой Новоселки "
    "inside Ночью Великой Новоселки, the run cut after Ночью only Великой Новоселки Щастя and Новоселки Щастя "
    "(as on main before issue 16; found by the property test of test_extract with more words)",
)
@pytest.mark.parametrize(
    "text",
    [
        "Ночью Великой Новоселки Щастя",
        # Likewise: the whole text matches Константиновкой Ізюм fuzzily (Konstantinovskoye, 0.53) inside
        # Ворог Константиновкой Ізюм; the run cut after Ворог finds Константиновкой (Kostiantynivka).
        "Ворог Константиновкой Ізюм Ізюм",
    ],
)
def test_the_runs_find_a_phrase_that_the_whole_text_finds_before_another_name(text: str) -> None:
    runs, whole = Extractor().scan_runs(text), Extractor().scan_whole(text)
    assert [(m.start, m.end) for m in runs.mentions] == [(m.start, m.end) for m in whole.mentions]


# -- the same rules with find scoring by the text model (``Resolver.text_scoring = "model"``) -----------------


@pytest.fixture(scope="module")
def by_model(gazetteer) -> Resolver:  # type: ignore[no-untyped-def]
    resolver = Resolver(gazetteer)
    resolver.text_scoring = "model"
    return resolver


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ворог обстріляв Ізюм вночі.", [("Ізюм", "Izium")]),
        ("Уночі росіяни атакували Харків і Ізюм дронами.", [("Харків", "Kharkiv"), ("Ізюм", "Izium")]),
        ("Росіяни атакують біля Покровська та Мирнограда.", [("Покровська", "Pokrovsk"), ("Мирнограда", "Myrnohrad")]),
        ("Российские войска наступают у Покровска и Мирнограда.", [("Покровска", "Pokrovsk"), ("Мирнограда", "Myrnohrad")]),
        ("Бои идут под Константиновкой и в Константиновке.", [("Константиновкой", "Kostiantynivka"), ("Константиновке", "Kostiantynivka")]),
        ("Під Костянтинівкою і в Костянтинівці точаться бої.", [("Костянтинівкою", "Kostiantynivka"), ("Костянтинівці", "Kostiantynivka")]),
        ("Удари по Родинському та Білозерському.", [("Родинському", "Rodynske"), ("Білозерському", "Bilozerske")]),
        ("Ізюм подорожчав.", []),
        ("Об этом рассказал Олег.", []),
        ("Об этом сообщила Петрова.", []),
        ("Крымский мост временно перекрыт.", []),
    ],
)
def test_the_rules_hold_when_find_scores_by_the_model(by_model: Resolver, text: str, expected: list[tuple[str, str]]) -> None:
    assert [(m.text, m.match.place.name) for m in find(text, resolver=by_model)] == expected


def test_under_the_model_a_big_towns_case_form_is_surely_a_place_and_most_likely_the_town(by_model: Resolver) -> None:
    # Which Kostiantynivka the model leaves unsure (Константиновке alone about 0.6, under the garble floor:
    # the important town's exception still lets it in), but not that it is a place.
    from toponyms.extract.checks import FLOORS

    for surface in ("Константиновке", "Константиновкой", "Костянтинівці", "Костянтинівкою"):
        chance, found = by_model.place_in_text(surface)
        assert found[0].place.name == "Kostiantynivka" and chance >= FLOORS["model"].place, surface
