"""Step 5: Russian and Ukrainian case endings.

Names lifted out of running text come inflected (в Покровске, під Бахмутом,
у Покровську). This step proposes the nominative forms a word may stand for;
the index keeps only those that are real names, so a wrong guess costs nothing.
"""

from __future__ import annotations

from collections.abc import Container
from functools import cache, lru_cache
from itertools import islice, product

from toponyms._data import table
from toponyms.chars import is_cyrillic, is_cyrillic_word
from toponyms.normalize import normalize

MIN_STEM = 1  # stems are only candidates: Яру → Яр, Розі → Ріг


@cache
def _rules() -> tuple[tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...], tuple[tuple[str, str], ...]]:
    """(ending, its nominatives, the stem endings it is no case ending after), longest ending first;
    and the alternations. The table is written in plain spelling; lookups see normalised text (й → и, ї → і)."""
    data = table("inflection")
    never: dict[str, tuple[str, ...]] = {}
    for end, stems, _why in data.get("no_case_after", []):
        never[normalize(end)] = never.get(normalize(end), ()) + tuple(normalize(stem) for stem in stems)
    rules = sorted(
        ((normalize(end), tuple(normalize(nom) for nom in noms), never.get(normalize(end), ())) for end, noms in data["rules"]),
        key=lambda rule: -len(rule[0]),
    )
    return tuple(rules), tuple((normalize(a), normalize(b)) for a, b in data["alternations"])


@lru_cache(maxsize=65_536)
def word_nominatives(word: str) -> tuple[str, ...]:
    """Nominative forms a lowercase Cyrillic word may be an inflection of (the word itself excluded).

    >>> "покровськ" in word_nominatives("покровську")
    True
    >>> "харків" in word_nominatives("харкова")
    True
    >>> "покровськ" in word_nominatives("покровське"), "покровск" in word_nominatives("покровске")
    (False, True)
    """
    rules, alternations = _rules()
    found: dict[str, None] = {}
    for ending, nominatives, never_after in rules:
        if not word.endswith(ending) or len(word) - len(ending) < MIN_STEM:
            continue
        stem = word[: len(word) - len(ending)]
        if stem.endswith(never_after):  # Покровське is no case of Покровськ
            continue
        for nominative in nominatives:
            found[stem + nominative] = None
            if not nominative:
                for alternative in _alternated(stem, alternations):
                    found[alternative] = None
    found.pop(word, None)
    return tuple(found)


def word_forms(word: str) -> tuple[str, ...]:
    """``word`` and, if it is Cyrillic, the nominatives it may be an inflection of."""
    return (word, *word_nominatives(word)) if is_cyrillic_word(word) else (word,)


def _alternated(stem: str, alternations: tuple[tuple[str, str], ...]) -> list[str]:
    """The stem with its last vowel alternated (Харков → Харків), for closed last syllables."""
    if len(stem) < 2 or stem[-1] in "аеєиіоуюяь":
        return []
    return [stem[:-2] + new + stem[-1] for old, new in alternations if stem[-2] == old]


def nominatives(name: str, limit: int = 64, *, words_of_names: Container[str] | None = None) -> list[str]:
    """Nominative forms of a (normalised, Cyrillic) name of one or more words.

    Every word may be inflected (Донецкой области → Донецкая область); at most
    ``limit`` combinations are returned, the least changed first. With ``words_of_names``
    (the words of the names of several words), a name of several words gets only
    combinations of those words: Ночью Горішні Плавні has none.
    """
    if not name or not (is_cyrillic(name[0]) or any(is_cyrillic_word(word) for word in name.split(" "))):
        return []
    words = name.split(" ")
    options = [word_forms(word) for word in words]
    if words_of_names is not None and len(words) > 1:
        options = [tuple(option for option in forms if option in words_of_names) for forms in options]
    combos = (" ".join(combo) for combo in product(*options))
    return [combo for combo in islice(combos, limit + 1) if combo != name][:limit]


# Word formation: a demonym or adjective made from a name, a surname from a town's name.
DERIVING_SUFFIXES = frozenset({"n", "an", "ian", "ns", "ans", "ians", "ese", "ish", "ic", "yi", "iy", "kyi", "kiy", "ky"})
SURNAME_ENDINGS = ("ov", "ev", "in", "yn")  # Frolov, Surovikin: their towns are Frolovo, Surovikino


def derived(word: str, name: str) -> bool:
    """Whether ``word`` and ``name`` are one stem in two word forms rather than one word misspelt.

    >>> derived("pokrovskyi", "pokrovsk"), derived("frolov", "frolovo"), derived("pokrovks", "pokrovsk")
    (True, True, False)

    Ukrainian, Russians, German and Pokrovskyi are made from a place name (a demonym, an
    adjective); Frolov and Surovikin are surnames, whose towns are Frolovo and Surovikino.
    """
    if len(word) > len(name) and word.startswith(name):
        return word[len(name) :] in DERIVING_SUFFIXES
    if not name.startswith(word):
        return False
    if word.endswith("an"):
        return len(name) - len(word) <= 2  # German and Germany, Georgian and Georgia
    return word.endswith(SURNAME_ENDINGS) and len(name) == len(word) + 1
