"""What is built once per gazetteer to scan texts: the automaton of its names and the run pattern.

A text is cut into runs: capitalised words in a row, with the lowercase words that occur inside
gazetteer names where they follow a word they follow in one (Rostov na Donu, Antigua and
Barbuda, but Kharkiv | and | Sumy) and the generic words that end names (Donetsk oblast,
Донецкой области); no run starts with a preposition that starts no name (Під | Бахмутом).
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

import ahocorasick

from toponyms.chars import APOSTROPHES, LETTER, MARKS, UPPERCASE
from toponyms.extract.tables import tables
from toponyms.extract.words import is_word_like, lowercase, surface_forms
from toponyms.gazetteer import Gazetteer

SHORTEST_NAME = 3  # names shorter than this are too often ordinary words


class Joins(NamedTuple):
    """Where a run may be cut into parts that no name of the gazetteer spans."""

    # The lowercase words that join the words of a name (and, of, na), each with the words
    # (lowercase, in every spelling) that it follows in a name: and: antigua, bosnia, ...
    follows: dict[str, frozenset[str]]
    # The capitalised prepositions that begin no name: В, Під, Near (not In: In Salah).
    leading: frozenset[str]


class Scanners(NamedTuple):
    """The automaton over every surface form of every name, the pattern of the runs, and where a run may be cut."""

    automaton: ahocorasick.Automaton
    runs: re.Pattern[str]
    joins: Joins

    @classmethod
    def stored(cls, value: tuple[Any, ...]) -> Scanners:
        """The scanners from what ``build`` stored: plain values, which the compiled cache loads."""
        automaton, runs, follows, leading = value
        return cls(automaton, runs, Joins(follows, leading))


def are_stored_scanners(value: tuple[Any, ...]) -> bool:
    """Whether a cached value is what ``build`` makes."""
    return (
        len(value) == 4
        and isinstance(value[0], ahocorasick.Automaton)
        and isinstance(value[1], re.Pattern)
        and isinstance(value[2], dict)
        and isinstance(value[3], frozenset)
    )


def build(gazetteer: Gazetteer) -> tuple[ahocorasick.Automaton, re.Pattern[str], dict[str, frozenset[str]], frozenset[str]]:
    """The scanners of ``gazetteer`` as plain values (``Scanners.stored`` reads them): an Aho-Corasick
    automaton over every surface form of every name, the pattern of the runs of a text that may
    hold one, and where a run may be cut (``Joins``)."""
    automaton = ahocorasick.Automaton(ahocorasick.STORE_LENGTH)
    known = tables()
    inside: set[str] = set()  # lowercase words between two words of a name: na, and, of
    last: set[str] = set(known.region_words)  # lowercase words that end a name: oblast, область
    listing = {word for word in known.region_nouns if word.islower()}  # regions, областях, regional
    last |= listing  # a run holds them, so that it tells of a list of regions
    first: set[str] = set()  # the first words of names of several words, in every spelling
    follows: dict[str, set[str]] = {}  # each word of a name after its first: the words before it
    for place in gazetteer:
        for name in place.names:
            if len(name.text) >= SHORTEST_NAME and is_word_like(name.text):
                own = name.text == place.name
                for form in surface_forms(name.text):
                    # Truskavets' is found as Truskavets, the same name once normalised: an
                    # apostrophe after a name may close a quote, and clean() writes Truskavets. A
                    # place's own name keeps its apostrophe (Kem’), as clean() writes it so.
                    form = form if own else form.rstrip(APOSTROPHES)
                    if len(form) >= SHORTEST_NAME:
                        automaton.add_word(form)
                words = name.text.split()
                if len(words) > 1:
                    first |= surface_forms(words[0])
                for number, word in enumerate(words[1:], 1):
                    follows.setdefault(lowercase(word), set()).update(surface_forms(words[number - 1]))
                    if word[:1].islower():
                        (inside if number < len(words) - 1 else last).add(word)
                    elif word[:1].isupper():
                        last.add(lowercase(word))  # Krivoj rog, Donetsk oblast: sloppy case in text
    for organisation in known.organisation_names:  # a run holds one whole: Kyiv School of Economics
        words = organisation.split()
        for before, word in zip(words, words[1:]):
            follows.setdefault(lowercase(word), set()).update(surface_forms(before))
    if len(automaton):
        automaton.make_automaton()
    # A run is cut before a word for regions too (Kherson | regions), unless it may end a name
    # (Донецкой области): its name is looked up alone.
    joining = {word: frozenset(follows.get(word, ())) for word in inside | (listing - set(known.region_words))}
    leading = frozenset(word[:1].upper() + word[1:] for word in known.prepositions if word not in first)
    return automaton, run_pattern({word: joining[word] for word in inside}, last, leading), joining, leading


def run_pattern(inside: dict[str, frozenset[str]], last: set[str], leading: frozenset[str]) -> re.Pattern[str]:
    """Capitalised words in a row, joined by ``inside`` words and ended by up to three ``last`` or
    ``inside`` words; an ``inside`` word only after a word it follows in a name (``inside``: those
    words, lowercase), and no run starts with a ``leading`` preposition. What a run holds is then
    worked out once for each name it holds rather than for each new way of joining them:
    "Residents of Horlivka and Bakhmut" is three runs, Horlivka and Bakhmut the two that matter."""
    letters = rf"{LETTER}\-–{re.escape(''.join(sorted(APOSTROPHES)))}"
    word = rf"[{UPPERCASE}][{letters}]*"
    guards = {word: _after_one_of(befores, word) for word, befores in inside.items()}
    joining = _one_of(set(inside), guards)
    ending = _one_of(last | set(inside), {word: guard for word, guard in guards.items() if word not in last})
    # The capital comes first and the checks after it, so that the regex engine can skip ahead
    # to the next capital letter: twice as fast as a lookbehind in front.
    first = rf"[{UPPERCASE}](?<![^\W_].)(?<![{MARKS}].){_not_leading(leading)}[{letters}]*"
    return re.compile(rf"{first}(?:\s(?:{joining}\s)*{word})*(?:\s{ending}(?![{LETTER}])){{0,3}}")


def _after_one_of(befores: frozenset[str], word: str) -> str:
    """A check, just after ``word``, that the word before it is one of ``befores`` (in any case)."""
    by_length: dict[int, set[str]] = {}
    for before in befores:
        by_length.setdefault(len(before), set()).add(before)
    after = rf"\s{re.escape(word)}"
    # One look-behind for the words of each length: Python's look-behinds have a fixed width.
    checks = (rf"(?<=(?<![^\W_])(?<![{MARKS}])(?i:{_one_of(words)}){after})" for _, words in sorted(by_length.items()))
    return rf"(?![{LETTER}])(?:{'|'.join(checks)})"  # a word that goes on (in, into) is not checked


def _not_leading(leading: frozenset[str]) -> str:
    """A check, just after the capital that starts a run, that it starts none of ``leading`` and a blank.

    The check reads on from the capital (a trie of what follows it in the prepositions) and
    only then looks back at it, so that most words fail it at their second letter."""
    capitals: dict[str, set[str]] = {}  # what follows the capital: the capitals it follows
    for preposition in leading:
        capitals.setdefault(preposition[1:], set()).add(preposition[0])
    checks = {
        rest: rf"\s(?<=[{re.escape(''.join(sorted(firsts)))}]{re.escape(rest)}\s)" for rest, firsts in capitals.items()
    }
    return f"(?!{_one_of(set(capitals), checks)})" if capitals else ""


def _one_of(words: set[str], after: dict[str, str] | None = None) -> str:
    """A pattern for any of ``words``, shaped as their trie, so that matching one costs its length;
    where a word of ``after`` ends, its pattern must match too.

    >>> _one_of({"in", "into"})
    '(?:in(?:to)?)'
    """
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for letter in word:
            node = node.setdefault(letter, {})
        node[""] = (after or {}).get(word, "")  # a word ends here: its check, or none

    def branch(node: dict[str, Any]) -> str:
        branches = [re.escape(letter) + branch(child) for letter, child in sorted(node.items()) if letter]
        check = node.get("")  # None: no word ends here
        if not branches:
            return check or ""
        group = f"(?:{'|'.join(branches)})" if len(branches) > 1 else branches[0]
        if check is None:
            return group
        return f"(?:{group}|{check})" if check else f"(?:{group})?"

    return f"(?:{branch(trie)})" if trie else "(?!)"
