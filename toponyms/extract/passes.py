"""Passes 1-3 over a text (a run, or a whole text): known names, inflected phrases, mixed-script
words and garbles. Each pass is a function of the text, what stands around it and the passes
before it; each returns the facts of the words around the text that its checks read, which the
run memo keys its findings on.

1. known names: an Aho-Corasick scan for every name of the gazetteer, longest match first, on
   word boundaries; a Cyrillic name may carry a case ending (в Покровске, під Бахмутом); a name
   that does not fit where it stands hides no name after its first word; then two or three
   capitalised words spelt in another system, which the resolver finds surely together
   (Novaya Kakhovka);
2. inflected Cyrillic phrases of two or three words (Донецкой области, Кривом Роге);
3. mixed-script words (Покровsk) and capitalised words that are no known name but resolve with
   high confidence (garbles such as Mirnohrad); other capitalised words shaped like place names
   are reported as unresolved (a mixed-script word that does not start with a capital is not
   looked at).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import NamedTuple

import ahocorasick

from toponyms.chars import MARK_SET, has_cyrillic, is_cyrillic, is_mixed
from toponyms.extract.checks import AFTER, AS_WRITTEN, BEFORE, after_at, before_at, is_important, judge
from toponyms.extract.lookup import Lookup
from toponyms.extract.spans import Spans
from toponyms.extract.tables import tables
from toponyms.extract.words import (
    CAPITALISED,
    SCRIPTS_MEET,
    TITLE_WORD,
    WORD_AROUND,
    letter_at,
    lowercase,
    overlaps,
    word_at,
    word_key,
    word_tail,
)
from toponyms.model import Match, Mention, Unresolved
from toponyms.normalize import normalize

# How a case form is found: by its case ending, or, where the key of the form is that of another spelling
# of the name, by that key (Украине is the key of Ukraine, and the model's recall names the surer step).
CASE_FORMS = frozenset({"inflection", "transliteration"})


def inflected_important(match: Match) -> bool:
    """Whether ``match`` is no garble that must reach the floor ``Floors.garble``, but an important place's name with a case ending in place of its last vowel,
    which pass 1 does not spell: под Константиновкой, в Константиновке (not Петрова, a surname,
    though it reads as the village Petrove)."""
    return match.method in CASE_FORMS and is_important(match)


class Site(NamedTuple):
    """A text the passes read, and the facts of the words around it where it stands (none for a whole text)."""

    text: str
    country: str | None
    beside: int  # facts of the word before (``BEFORE`` bits) and of the word after (``AFTER`` bits)


class Proposal(NamedTuple):
    """A candidate mention if it fits where it stands, and the facts around the site that decided it."""

    mention: Mention | None
    reads: int


class Found(NamedTuple):
    """What passes 1-3 found in a site: mentions and unresolved candidates, and the facts around it they read."""

    mentions: list[Mention]
    unresolved: list[Unresolved]
    reads: int


class Passes(NamedTuple):
    """What passes 1-3 found in a text."""

    mentions: list[Mention]
    unresolved: list[Unresolved]
    settled: bool  # every mention is sure and found as written: neither persons nor context change it
    lists_regions: bool  # what was scanned holds a word for regions after a name: pass 4 has lists to look for


NOTHING = Proposal(None, 0)


def settles(match: Match, sure: float) -> bool:
    """Whether a mention of ``match`` is settled: sure (at least ``sure``) and found as written."""
    return match.score >= sure and match.method in AS_WRITTEN


def propose(
    lookup: Lookup,
    site: Site,
    start: int,
    end: int,
    *,
    at_least: float = 0.0,
    fuzzy: bool = True,
    unless: Callable[[Match], bool] | None = None,
) -> Proposal:
    """The mention at ``site.text[start:end]`` if its best candidate reaches ``at_least`` (but for
    a candidate of which ``unless`` holds), it is a place at the threshold at least (under the
    model, 1 - P(no place): which of its namesakes is the context's to say), and it passes the
    checks where it stands."""
    text = site.text
    surface = text[start:end]
    best, chance = lookup.placed(surface, site.country, fuzzy=fuzzy)
    floor = 0.0 if unless is not None and best is not None and unless(best) else at_least
    if best is None or best.score < floor or chance < lookup.threshold:
        return NOTHING
    mention = Mention(start, end, surface, best)
    verdict = judge(mention, before_at(text, start, site.beside) | after_at(text, end, site.beside))
    edges = (BEFORE if start == 0 else 0) | (AFTER if end == len(text) else 0)
    return Proposal(mention if verdict.fits else None, verdict.reads & edges)


def passes(lookup: Lookup, automaton: ahocorasick.Automaton, site: Site) -> Found:
    """Passes 1-3 over ``site``, with ``automaton`` over the names of the lookup's gazetteer."""
    text = site.text
    found, garbled = Spans(), list[Unresolved]()
    whole = propose(lookup, site, 0, len(text)) if text in lookup.ahead else NOTHING
    reads = whole.reads
    if whole.mention is not None:  # the text is a name: the passes would find that and nothing else
        found.add(whole.mention)
    else:
        reads |= names(lookup, automaton, site, found)
        reads |= spelled(lookup, site, found)
        reads |= phrases(lookup, site, found)
        if SCRIPTS_MEET.search(text):
            reads |= mixed(lookup, site, found)
        reads |= garbles(lookup, site, found, garbled)
    mentions = found.mentions()
    organisations = [name.span() for name in tables().organisations.finditer(text)]
    if organisations:  # Kyiv Post, Ukrainska Pravda: no place
        mentions = [m for m in mentions if not overlaps(organisations, m.start, m.end)]
        garbled = [u for u in garbled if not overlaps(organisations, u.start, u.end)]
    return Found(mentions, garbled, reads)


# -- pass 1: known names -------------------------------------------------------------------


def names(lookup: Lookup, automaton: ahocorasick.Automaton, site: Site, found: Spans) -> int:
    """Add the known names of the site that fit where they stand, longest first.

    A name that does not fit hides no name after its first word: in "river Congo Republic
    of the Congo", Congo Republic is a river, and Republic of the Congo is still found.
    """
    text, reads = site.text, 0
    lowered, position = lowercase(text), 0
    while position < len(text):
        for start, end in known(automaton, text, lowered, position):
            proposal = propose(lookup, site, start, end)
            reads |= proposal.reads
            if proposal.mention is None and " " in text[start:end]:
                position = text.index(" ", start) + 1
                break
            found.add(proposal.mention)
        else:
            break
    return reads


def known(automaton: ahocorasick.Automaton, text: str, lowered: str, position: int) -> Iterator[tuple[int, int]]:
    """Spans of known names from ``position`` on, capitalised, on word boundaries, with any
    case ending and the marks of their last letter (``lowered``: ``text`` in lowercase)."""
    if not len(automaton):
        return
    endings = tables().endings
    while position < len(text):
        for last, length in automaton.iter_long(lowered, position):
            start, end = last - length + 1, last + 1
            while end < len(text) and text[end] in MARK_SET:
                end += 1  # the marks of its last letter
            if text[start].isupper() and not letter_at(text, start - 1):
                if not letter_at(text, end):
                    yield start, end
                    continue
                tail = word_tail(text, end)
                if is_cyrillic(text[start]) and tail.lower() in endings:
                    yield start, end + len(tail)
                    continue
            if not lowered[start : last + 1].isalpha():
                # No name here, but one may start inside it (Dondokhi Rostov is a name, but in
                # PresidentDondokhi Rostov-on-Don the name is Rostov-on-Don): look again from
                # its next letter, as the automaton goes on from its end.
                position = start + 1
                break
        else:
            return


def spelled(lookup: Lookup, site: Site, found: Spans) -> int:
    """Add the names of two or three capitalised words spelt in a system that no name of the
    gazetteer is written in, which the resolver still finds surely (Novaya Kakhovka, Veliky
    Burluk): each takes the place of the shorter names inside it (Novaya, Kakhovka)."""
    text, reads = site.text, 0
    words = [word.span() for word in TITLE_WORD.finditer(text)]
    if len(words) < 2:
        return reads
    keys = [word_key(text[start:end]) for start, end in words]
    index = lookup.gazetteer.index
    for first in range(len(words) - 1):
        for last in (first + 2, first + 1):  # three words, then two
            if last >= len(words) or any(text[words[n][1] : words[n + 1][0]] != " " for n in range(first, last)):
                continue  # the words of a name stand one blank apart
            start, end = words[first][0], words[last][1]
            if found.covers(start, end):
                break
            # A name's key is its words' keys, but for a few dozen names: what no name's key
            # is (nearly every run of capitalised words) is not looked up.
            if not index.by_key(" ".join(keys[first : last + 1])):
                continue
            proposal = propose(lookup, site, start, end, at_least=lookup.floors.sure, fuzzy=False)
            reads |= proposal.reads
            if proposal.mention is not None:
                found.replace_inside(proposal.mention)
                break
    return reads


# -- pass 2: inflected phrases ---------------------------------------------------------------


def phrases(lookup: Lookup, site: Site, found: Spans) -> int:
    """Add the names of several Cyrillic words in an oblique case, which no automaton entry spells."""
    text, reads = site.text, 0
    if not has_cyrillic(text):
        return reads
    known_words = tables()
    prepositions, phrase_endings, generic = known_words.prepositions, known_words.phrase_endings, known_words.region_words
    for phrase in known_words.phrases.finditer(text):
        end = phrase.end()
        # The phrase may begin with a word that is not part of the name (Біля Часового Яру):
        # try it whole, then without its first words, down to two words.
        starts = [
            phrase.start() + word.start()
            for word in WORD_AROUND.finditer(phrase.group())
            if word.group().lower() not in prepositions  # Біля Часового Яру: no name starts with Біля
        ]
        for start in starts[:-1]:
            if found.covers(start, end):
                break
            # A multi-word name in an oblique case starts like an adjective (Великой Новоселки,
            # Кривом Роге); only such a phrase is matched fuzzily, not a sentence's first
            # word before a name (Ночью Изюмовка, Жители Белгорода).
            # Not one that ends with a generic word, which makes names alike that are not
            # (Покровский район, a district, is no Портовський район, a quarter of Mariupol).
            first = WORD_AROUND.match(text, start)
            fuzzy = first is not None and normalize(first.group()).endswith(phrase_endings)
            fuzzy = fuzzy and text[start:end].rsplit(None, 1)[-1] not in generic
            proposal = propose(lookup, site, start, end, fuzzy=fuzzy)
            reads |= proposal.reads
            if proposal.mention is not None:
                found.replace_inside(proposal.mention)
                break
    return reads


# -- pass 3: mixed-script words, garbles and unresolved candidates ----------------------------


def mixed(lookup: Lookup, site: Site, found: Spans) -> int:
    """Add the words written in two scripts that resolve: Покровsk."""
    text, reads = site.text, 0
    for meeting in SCRIPTS_MEET.finditer(text):
        word = word_at(text, meeting.start())
        if word is not None and is_mixed(text[word[0] : word[1]]) and not found.overlaps(*word):
            proposal = propose(lookup, site, *word)
            reads |= proposal.reads
            found.add(proposal.mention)
    return reads


def garbles(lookup: Lookup, site: Site, found: Spans, unresolved: list[Unresolved]) -> int:
    """Add the capitalised words that resolve surely though no name spells them (Mirnohrad), or
    that are a name with a case ending in place of its last vowel (Константиновке), and put
    those shaped like place names that do not into ``unresolved``."""
    text, country, reads = site.text, site.country, 0
    suffixes = tables().suffixes
    for word in CAPITALISED.finditer(text):
        start, end = word.span()
        if found.overlaps(start, end) or (word.group(), country) in lookup.no_place:
            continue
        proposal = propose(lookup, site, start, end, at_least=lookup.floors.garble, unless=inflected_important)
        reads |= proposal.reads
        if proposal.mention is not None:
            found.add(proposal.mention)
        elif word.group().lower().endswith(suffixes):
            unresolved.append(Unresolved(start, end, word.group(), lookup.best(word.group(), country)))
        elif lookup.best(word.group(), country) is None:
            lookup.no_place.add((word.group(), country))  # most capitalised words: skip at once
    return reads
