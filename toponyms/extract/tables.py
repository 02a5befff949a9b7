"""The word lists of ``data/text.json``, compiled into the sets and patterns the passes read."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from toponyms._data import table
from toponyms.chars import APOSTROPHES, CAPITALS, CYRILLIC_CAPITALS, CYRILLIC_SMALL, LETTER, MARKS, UPPERCASE, WORD_APOSTROPHES
from toponyms.extract.words import IN_WORD, WORD_END
from toponyms.normalize import normalize

# A name on either side of a gloss: one to three capitalised words. The capital comes before
# the look-behind, so that the regex engine can skip ahead to the next capital letter.
_GLOSS_NAME = rf"([{CAPITALS}](?<![{IN_WORD}].)[{IN_WORD}]*(?:\s[{CAPITALS}][{IN_WORD}]*){{0,2}})"
# One or two capitalised words: a name in a list of regions (the Zaporizhzhia and Kherson regions),
# in any alphabet: a name that is no region's as written may be one by the canonical name that
# clean() puts in its stead (Čeľabinsk, cleaned into Chelyabinsk).
LISTED_NAME = rf"[{UPPERCASE}](?<![{IN_WORD}].)[{IN_WORD}]*{WORD_END}(?:\s[{UPPERCASE}][{IN_WORD}]*{WORD_END})?"
LISTED = re.compile(LISTED_NAME)


class Gloss(NamedTuple):
    """How an article ties one name to another: its pattern, the cue that a text holding it holds,
    and whether it is weak evidence ("X (Y)"), which teaches only a name that looks like a garble."""

    pattern: re.Pattern[str]
    cue: re.Pattern[str]
    weak: bool


@dataclass(frozen=True, slots=True)
class Tables:
    """What the passes read of ``data/text.json``."""

    endings: frozenset[str]  # case endings a Cyrillic name may carry in a text
    suffixes: tuple[str, ...]  # endings of place names: an unknown word with one is reported
    glosses: tuple[Gloss, ...]
    gloss_cue: re.Pattern[str]  # any cue: a text without one has no gloss
    water: re.Pattern[str]  # any word for water, to tell at once that a text names none
    prepositions: frozenset[str]
    side_openers: frozenset[str]  # prepositions and articles, which a gloss's side may start with
    adjective_endings: tuple[str, ...]
    joining: frozenset[str]  # conjunctions and prepositions: no noun after an adjective (Родинського и Селидового)
    phrase_endings: tuple[str, ...]
    water_after: frozenset[str]
    water_before: frozenset[str]
    phrases: re.Pattern[str]
    region_words: tuple[str, ...]
    given_names: frozenset[str]  # normalised
    region_word: re.Pattern[str]  # a word for regions: regions, областях, regional
    region_list: re.Pattern[str]  # names, then the word that makes them regions (groups 1, 2), at the end
    region_nouns: dict[str, tuple[str, bool]]  # that word: the singular, and whether the last mention takes it
    region_singulars: tuple[str, ...]  # every such singular: region, oblast, область
    organisations: re.Pattern[str]  # media and organisations named after a place: Kyiv Post
    organisation_names: tuple[str, ...]  # as listed, for the runs to hold them whole


@cache
def tables() -> Tables:
    """The tables, compiled on first use."""
    data = table("text")
    region_words = "|".join(data["region_words"])
    prepositions = "|".join(sorted(map(re.escape, data["prepositions"]), key=len, reverse=True))
    cyrillic_word = rf"[{CYRILLIC_CAPITALS}][{CYRILLIC_SMALL}{WORD_APOSTROPHES}{MARKS}]+{WORD_END}"
    lists = data["region_lists"]
    region_nouns = {word: (noun, True) for word, noun in lists["plurals"].items()}
    region_nouns |= {word: (noun, False) for word, noun in lists["adjectives"].items()}
    conjunctions = "|".join(map(re.escape, lists["conjunctions"]))
    nouns = "|".join(sorted(map(re.escape, region_nouns), key=len, reverse=True))
    listed = rf"{LISTED_NAME}(?:,\s{LISTED_NAME})*(?:,?\s(?:{conjunctions})\s{LISTED_NAME})?"
    return Tables(
        endings=frozenset(data["endings"]),
        suffixes=tuple(data["suffixes"]),
        glosses=tuple(
            Gloss(
                re.compile(gloss["pattern"].replace("{a}", _GLOSS_NAME).replace("{b}", _GLOSS_NAME)),
                re.compile(gloss["cue"]),
                gloss.get("weak", False),
            )
            for gloss in data["glosses"]
        ),
        gloss_cue=re.compile("|".join(dict.fromkeys(gloss["cue"] for gloss in data["glosses"]))),
        water=re.compile("|".join(map(re.escape, shortest({*data["water"]["after"], *data["water"]["before"]})))),
        prepositions=frozenset(data["prepositions"]),
        side_openers=frozenset(data["prepositions"]) | frozenset(data["articles"]),
        adjective_endings=tuple(data["adjective_endings"]),  # as written: normalised, России would end like -ий
        joining=frozenset(data["conjunctions"]) | frozenset(data["prepositions"]),
        phrase_endings=tuple(normalize(ending) for ending in data["phrase_endings"]),
        water_after=frozenset(data["water"]["after"]),
        water_before=frozenset(data["water"]["before"]),
        # A phrase starts after any preposition: Під Великою Новосілкою is Великою Новосілкою.
        phrases=re.compile(
            rf"(?<![{LETTER}\-])(?!(?i:{prepositions})\s){cyrillic_word}(?:(?:\s|-на-){cyrillic_word}){{0,2}}"
            rf"(?:\s(?:{region_words}))?(?![{LETTER}])"  # and ends where a word does: no Кма of Кма0
        ),
        region_words=tuple(data["region_words"]),
        given_names=frozenset(normalize(name) for name in data["given_names"]),
        region_word=re.compile(rf"\b(?:{nouns})\b"),
        region_list=re.compile(rf"({listed})\s({nouns})$"),
        region_nouns=region_nouns,
        region_singulars=tuple(dict.fromkeys(noun for noun, _ in region_nouns.values())),
        organisations=re.compile(
            rf"(?<![{LETTER}])(?:{'|'.join(map(_any_apostrophe, sorted(data['organisations'], key=len, reverse=True)))})"
            rf"(?![{LETTER}])"
        ),
        organisation_names=tuple(data["organisations"]),
    )


def holds_region_word(run: str) -> bool:
    """Whether ``run`` holds a word for regions after another word (Kherson regions, Харківської обласної)."""
    return " " in run and not tables().region_nouns.keys().isdisjoint(run.split())


def _any_apostrophe(name: str) -> str:
    """A pattern for ``name`` as written, with any apostrophe where it has one (People's, People’s)."""
    return re.escape(name).replace("'", f"[{''.join(sorted(APOSTROPHES))}]")


def shortest(words: set[str]) -> tuple[str, ...]:
    """The words of ``words`` that contain no other: a text holds one of ``words`` only if it holds one of these.

    >>> shortest({"river", "riverbank", "reservoir"})
    ('reservoir', 'river')
    """
    return tuple(sorted(w for w in words if not any(other != w and other in w for other in words)))
