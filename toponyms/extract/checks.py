"""The checks every candidate mention passes, and what they read of the words beside it.

A check reads the words on either side of a mention only through *facts* about them, one bit
each (``PREPOSITION_BEFORE``, ``WATER_AFTER``, ...), and each rule declares the facts it reads:
it is shown those and no others. ``judge`` says whether a mention fits and which facts it read
to decide, so that the run memo keys a run's findings on exactly those facts of the words
around it (a run that no check looked out of is worked out once, wherever it stands).

>>> facts_before("в") == PREPOSITION_BEFORE, facts_after("river") == WATER_AFTER
(True, True)
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

from toponyms._data import words
from toponyms.chars import is_cyrillic
from toponyms.extract.tables import tables
from toponyms.extract.words import (
    CACHE_LIMIT,
    is_name_like,
    letter_at,
    starts_sentence,
    word_after,
    word_before,
)
from toponyms.model import Match, Mention
from toponyms.normalize import normalize

SURE = 0.8  # a mention this sure, found as written, anchors the context of its document (the formula's floor)
AS_WRITTEN = frozenset({"exact", "normalized", "script"})
LOCAL_LANGUAGES = frozenset({"uk", "ru", "en"})
IMPORTANT_POPULATION = 50_000  # a place this big is meant even when its name is a common word

# The facts about the words beside a mention that a check may read, a bit each.
PREPOSITION_BEFORE = 1  # the word before is a preposition: in, під, village
WATER_BEFORE = 2  # the word before is a word for a river: берега (Дніпра), river (Dnipro)
WATER_AFTER = 4  # the word after is a word for a river: (Dnipro) river
CYRILLIC_AFTER = 8  # the word after is a lowercase Cyrillic word, no conjunction or preposition: (Крымский) мост
NAME_AFTER = 16  # the word after is capitalised and lowercase after its first letter: (Vladimir) Putin
LOWER_BEFORE = 32  # the word before is a lowercase word one blank before, in the same sentence: (обстріляв) Ізюм
BEFORE = PREPOSITION_BEFORE | WATER_BEFORE | LOWER_BEFORE  # the facts of the word before
AFTER = WATER_AFTER | CYRILLIC_AFTER | NAME_AFTER  # the facts of the word after
WATER = WATER_BEFORE | WATER_AFTER
DRY = (BEFORE | AFTER) & ~WATER  # the facts that may hold in a text without a word for water


def facts_before(word: str) -> int:
    """The facts that hold of ``word``, standing before a mention."""
    lowered, known = word.lower(), tables()
    return (PREPOSITION_BEFORE if lowered in known.prepositions else 0) | (
        WATER_BEFORE if lowered in known.water_before else 0
    )


def facts_after(word: str) -> int:
    """The facts that hold of ``word``, standing after a mention."""
    known = tables()
    facts = WATER_AFTER if word in known.water_after else 0
    if word[:1].islower() and is_cyrillic(word[:1]) and word not in known.joining:
        facts |= CYRILLIC_AFTER
    if is_name_like(word):
        facts |= NAME_AFTER
    return facts


def before_at(text: str, start: int, outer: int) -> int:
    """The facts of the word before ``text[start:]``; at the start of ``text``, those of ``outer``
    (the facts of the words around ``text`` where it stands).

    >>> before_at("shelled Kiev", 8, 0) == LOWER_BEFORE, before_at("shelled. Kiev", 9, 0)
    (True, 0)
    """
    if start == 0:
        return outer & BEFORE
    word = word_before(text, start)
    facts = facts_before(word)
    if word[:1].islower() and text[start - 1] == " " and letter_at(text, start - 2):
        facts |= LOWER_BEFORE
    return facts


def after_at(text: str, end: int, outer: int) -> int:
    """The facts of the word after ``text[:end]``; at the end of ``text``, those of ``outer``."""
    return outer & AFTER if end == len(text) else facts_after(word_after(text, end))


class Floors(NamedTuple):
    """The scores from which ``find`` takes a candidate for sure, or takes a word no name spells."""

    sure: float  # a mention this sure anchors its document's context, and is settled if found as written
    garble: float  # a capitalised word that no name spells (Mirnohrad, Константиновке) is a mention from here
    place: float  # a name is a place from here (and the resolver's threshold): ``Resolver.place_in_text``


# By ``Resolver.text_scoring``. The formula's were set by hand; the model's are probabilities of its
# ``text`` prior, chosen on the validation split of build/training.tsv (benchmarks/floors.py; the
# precision each buys is in docs/finding.md).
FLOORS = {"formula": Floors(sure=SURE, garble=0.7, place=0.0), "model": Floors(sure=0.64, garble=0.85, place=0.63)}


class WordFacts(NamedTuple):
    """What a mention's surface says of itself, whatever stands beside it."""

    preposition: bool  # Біля, Под: a preposition that starts a sentence
    given_name: bool  # Vladimir, Ольга: a first name, though a town's name too
    common: bool  # an everyday word (one word)
    adjectival: bool  # a Cyrillic adjective (one word): Крымский, Запорізькому


@lru_cache(maxsize=CACHE_LIMIT)
def word_facts(surface: str) -> WordFacts:
    """The ``WordFacts`` of ``surface``; cached."""
    known = tables()
    preposition = surface.lower() in known.prepositions
    given = normalize(surface) in known.given_names
    if " " in surface:
        return WordFacts(preposition, given, False, False)
    adjectival = is_cyrillic(surface[0]) and surface.lower().endswith(known.adjective_endings)
    return WordFacts(preposition, given, normalize(surface) in words("common_words"), adjectival)


class Rule(NamedTuple):
    """One check: whether it applies to a mention (which the mention alone decides), the facts of
    the words beside it that it reads, and its verdict from those facts alone: True (a place),
    False (no place) or None (the next rule decides)."""

    name: str
    applies: Callable[[Mention, WordFacts], bool]
    reads: int
    verdict: Callable[[int], bool | None]


def _never(facts: int) -> bool | None:
    return False


def _not_if_any(facts: int) -> bool | None:
    return False if facts else None


def _only_if_any(facts: int) -> bool | None:
    return facts != 0


def _only_mid_sentence(facts: int) -> bool | None:
    return True if facts == LOWER_BEFORE else None


def _capital_tells(mention: Mention) -> bool:
    """Whether a capital in mid-sentence tells that ``mention``, spelt exactly as a name, is a name:
    in Cyrillic (Ізюм), or of a big place (Kiev)."""
    match = mention.match
    return match.method == "exact" and (
        is_cyrillic(mention.text[0]) or match.place.population >= IMPORTANT_POPULATION
    )


def _inflects_given_name(mention: Mention) -> bool:
    """Whether ``mention`` is a first name with a case ending: Владимира, Ольгу."""
    return mention.match.method == "inflection" and normalize(mention.match.matched.text) in tables().given_names


def _is_loose(mention: Mention) -> bool:
    return mention.match.method not in AS_WRITTEN  # Кропивницький is a name as written


# In order: the first verdict stands; a mention that no rule turns down is a place.
RULES = (
    Rule("a preposition is no place", lambda m, own: own.preposition, 0, _never),
    Rule("a name beside a word for water is a river's", lambda m, own: True, WATER, _not_if_any),
    Rule(
        "a first name (or its case form: Владимира Зеленского) before a name is a person's",
        lambda m, own: own.given_name or _inflects_given_name(m),
        NAME_AFTER,
        _not_if_any,
    ),
    Rule(
        "a loose match of an adjective before a lowercase word is no place (Крымский мост, Российские войска)",
        lambda m, own: own.adjectival and _is_loose(m),
        CYRILLIC_AFTER,
        _not_if_any,
    ),
    Rule(
        "an everyday word spelt as a name and capitalised after a lowercase word is a place, but before a name:"
        " in Cyrillic, or a big place's in any script, as English capitalises more than names"
        " (Ворог обстріляв Ізюм, shelled Kiev overnight; not the Human Rights Watch, and Never again, сказал Олег)",
        lambda m, own: own.common and not own.given_name and _capital_tells(m) and not is_important(m.match),
        LOWER_BEFORE | NAME_AFTER,
        _only_mid_sentence,
    ),
    Rule(
        "an everyday word is a place after a preposition, or when the place is important",
        lambda m, own: own.common and not is_important(m.match),
        PREPOSITION_BEFORE,
        _only_if_any,
    ),
)


class Verdict(NamedTuple):
    """Whether a mention fits where it stands, and the facts of the words beside it that decided it."""

    fits: bool
    reads: int


def judge(mention: Mention, beside: int) -> Verdict:
    """Whether ``mention`` fits between words of which the facts ``beside`` hold, by ``RULES``."""
    own, reads = word_facts(mention.text), 0
    for rule in RULES:
        if rule.applies(mention, own):
            reads |= rule.reads
            verdict = rule.verdict(beside & rule.reads)
            if verdict is not None:
                return Verdict(verdict, reads)
    return Verdict(True, reads)


def is_important(match: Match) -> bool:
    """A country or region, or a big place named in a local language or by a status we know."""
    place, name = match.place, match.matched
    if place.kind in ("country", "region"):
        return True
    local = name.status != "variant" or name.lang in LOCAL_LANGUAGES or is_cyrillic(name.text[:1])
    return place.population >= IMPORTANT_POPULATION and local


def without_persons(text: str, mentions: list[Mention]) -> list[Mention]:
    """Drop loose matches that stand next to an unknown name-like word: Oleksandr Syrskyi (but not
    a name in an oblique case after the word that governs it: мер Покровська Сергій Добряк)."""
    if all(m.match.method in AS_WRITTEN for m in mentions):
        return mentions
    starts = {m.start for m in mentions}
    ends = {m.end for m in mentions}
    prepositions = tables().prepositions
    kept = []
    for mention in mentions:
        if mention.match.method not in AS_WRITTEN and mention.match.method != "gloss":
            start, end = mention.start, mention.end
            joined_before = governed = False
            # Only a word one space before joins: Kyiv, Kramatorks is two places.
            if text[start - 1 : start] == " " and letter_at(text, start - 2):
                before = word_before(text, start)
                joined_before = (
                    is_name_like(before)
                    and before.lower() not in prepositions
                    and start - 1 not in ends  # the word before is no mention
                )
                # A Cyrillic name with a case ending after a word that governs it is no surname
                # before a first name: мер Покровська Сергій Добряк, у Покровську Олександр Кравченко.
                inflected = mention.match.method == "inflection" and is_cyrillic(mention.text[0])
                governed = inflected and (before[:1].islower() or before.lower() in prepositions)
                # Жители Белгорода: a Cyrillic noun in the genitive follows a sentence's first word,
                # which governs it (looked at last, where it would change either answer).
                if (
                    (joined_before or inflected and not governed)
                    and is_cyrillic(mention.text[0])
                    and starts_sentence(text, start - 1 - len(before))
                ):
                    joined_before, governed = False, inflected
            joined_after = not governed and text[end : end + 1] == " " and is_name_like(word_after(text, end))
            if joined_before or (joined_after and end + 1 not in starts):
                continue
        kept.append(mention)
    return kept
