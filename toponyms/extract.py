"""Step 8: find the place names of a running text.

Four passes over a text, each adding what the last could not see:

1. known names — an Aho-Corasick scan for every name of the gazetteer, longest
   match first, on word boundaries; a Cyrillic name may carry a case ending
   (в Покровске, під Бахмутом);
2. mixed-script words (Покровsk) and capitalised words that are no known name
   but resolve with high confidence (garbles such as Mirnohrad);
3. glosses that tie an unknown name to a known one ("Krasnorozhsk—known in
   Ukrainian as Покровsk"): the unknown side takes the known side's place and
   is reported as a new alias;
4. context: an ambiguous name is resolved again, preferring places near the
   document's surely resolved ones and in its main country.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from functools import cache

import ahocorasick

from toponyms._data import table, words
from toponyms.model import Alias, Match, Mention, Scan, Unresolved
from toponyms.normalize import APOSTROPHES, normalize, strip_marks
from toponyms.resolve import Resolver, default_resolver
from toponyms.script import is_mixed

SURE = 0.8  # a mention this sure anchors the context of its document
GARBLE = 0.7  # an unknown capitalised word becomes a mention from this score on
SHORTEST_NAME = 3  # names shorter than this are too often ordinary words
CONTEXT_KM = 150.0  # a document's places spread over a region: its centre is a loose hint
IMPORTANT_POPULATION = 100_000  # a place this big is meant even when its name is a common word
NAME_CHARS = r"[^\W\d_][\w'’ʼ\-]*"
_WORD = re.compile(NAME_CHARS)
_CAPITALISED = re.compile(r"(?<![\w'’ʼ\-])[A-ZА-ЯЁІЇЄҐ][\w'’ʼ]{3,}")
_MIXED = re.compile(r"\w*(?:[A-Za-z]\w*[\u0400-\u04ff]|[\u0400-\u04ff]\w*[A-Za-z])\w*")
# A name on either side of a gloss: one to three words, the later ones capitalised.
_CAPITAL = "A-ZА-ЯЁІЇЄҐ"
_GLOSS_NAME = rf"([{_CAPITAL}][\w'’ʼ\-]*(?:\s[{_CAPITAL}][\w'’ʼ\-]*){{0,2}})"


@cache
def _prepositions() -> frozenset[str]:
    return frozenset(table("text")["prepositions"])


@cache
def _tables() -> tuple[frozenset[str], tuple[str, ...], tuple[re.Pattern[str], ...]]:
    data = table("text")
    glosses = tuple(
        re.compile(pattern.replace("{a}", _GLOSS_NAME).replace("{b}", _GLOSS_NAME)) for pattern in data["glosses"]
    )
    return frozenset(data["endings"]), tuple(data["suffixes"]), glosses


def surface_forms(name: str) -> set[str]:
    """The lowercase spellings under which ``name`` may stand in a text, all as long as ``name``."""
    lower = _lower(name)
    forms = {lower, _lower(strip_marks(name)) if len(strip_marks(name)) == len(name) else lower}
    for form in list(forms):
        for apostrophe in "'’ʼ":
            forms.add("".join(apostrophe if ch in APOSTROPHES else ch for ch in form))
    return {form for form in forms if len(form) == len(name)}


def _lower(text: str) -> str:
    """Lowercase without changing the length (the rare letters that grow stay as they are)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)


class Extractor:
    """Finds place mentions in texts against one resolver's gazetteer."""

    def __init__(self, resolver: Resolver | None = None) -> None:
        self.resolver = resolver if resolver is not None else default_resolver()
        self.automaton = ahocorasick.Automaton(ahocorasick.STORE_LENGTH)
        for place in self.resolver.gazetteer:
            for name in place.names:
                if len(name.text) >= SHORTEST_NAME and _is_word_like(name.text):
                    for form in surface_forms(name.text):
                        self.automaton.add_word(form)
        if len(self.automaton):
            self.automaton.make_automaton()
        self._resolved: dict[tuple[str, str | None, tuple[float, float] | None], list[Match]] = {}

    def scan(self, text: str, *, country: str | None = None) -> Scan:
        """Mentions, unresolved candidates and glossed aliases of ``text``."""
        if not isinstance(text, str):
            raise TypeError(f"find() takes the text as str, got {type(text).__name__}; decode bytes first")
        spans = dict(self._known(text, country))
        self._add_unknown(text, country, spans)
        unresolved = self._unresolved(text, country, spans)
        aliases = self._glosses(text, country, spans)
        mentions = self._in_context(text, sorted(spans.values(), key=lambda m: m.start), country)
        covered = [(m.start, m.end) for m in mentions]
        unresolved = [u for u in unresolved if not _overlaps(covered, u.start, u.end)]
        return Scan(mentions=tuple(mentions), unresolved=tuple(unresolved), aliases=tuple(aliases))

    def find(self, text: str, *, country: str | None = None) -> list[Mention]:
        """Every place mention of ``text``: sorted, non-overlapping, ``m.text == text[m.start:m.end]``."""
        return list(self.scan(text, country=country).mentions)

    # -- pass 1: known names ---------------------------------------------------------------

    def _known(self, text: str, country: str | None) -> Iterator[tuple[int, Mention]]:
        if not len(self.automaton):
            return
        endings, _, _ = _tables()
        lowered = _lower(text)
        last_end = 0
        for end, length in self.automaton.iter_long(lowered):
            start, end = end - length + 1, end + 1
            if start < last_end or not text[start].isupper() or _letter_at(text, start - 1):
                continue
            if _letter_at(text, end):
                tail = _word_tail(text, end)
                if not _is_cyrillic(text[start]) or tail.lower() not in endings:
                    continue
                end += len(tail)
            mention = self._mention(text, start, end, country)
            if mention is not None:
                last_end = end
                yield start, mention

    # -- pass 2: mixed-script words and garbles ----------------------------------------------

    def _add_unknown(self, text: str, country: str | None, spans: dict[int, Mention]) -> None:
        taken = sorted((m.start, m.end) for m in spans.values())
        for pattern, sure in ((_MIXED, 0.0), (_CAPITALISED, GARBLE)):
            for found in pattern.finditer(text):
                start, end = found.span()
                if pattern is _MIXED and not is_mixed(found.group()):
                    continue
                if _overlaps(taken, start, end):
                    continue
                mention = self._mention(text, start, end, country, at_least=sure)
                if mention is not None:
                    spans[start] = mention
                    taken = sorted((*taken, (start, end)))

    def _unresolved(self, text: str, country: str | None, spans: dict[int, Mention]) -> list[Unresolved]:
        _, suffixes, _ = _tables()
        taken = sorted((m.start, m.end) for m in spans.values())
        found = []
        for word in _CAPITALISED.finditer(text):
            start, end = word.span()
            if _overlaps(taken, start, end):
                continue
            best = self._candidates(word.group(), country)
            if word.group().lower().endswith(suffixes):
                found.append(Unresolved(start, end, word.group(), best[0] if best else None))
        return found

    # -- pass 3: glosses ---------------------------------------------------------------------

    def _glosses(self, text: str, country: str | None, spans: dict[int, Mention]) -> list[Alias]:
        _, suffixes, patterns = _tables()
        aliases = []
        for number, pattern in enumerate(patterns):
            parenthesis_only = number == len(patterns) - 1  # "X (Y)": the weakest evidence
            for gloss in pattern.finditer(text):
                sides = [(gloss.start(i), gloss.end(i), gloss.group(i)) for i in (1, 2)]
                known = [self._known_side(text, start, end, country, spans) for start, end, _ in sides]
                if (known[0] is None) == (known[1] is None):
                    continue  # both known, or neither: nothing to learn
                (start, end, alias), anchor = (sides[0], known[1]) if known[0] is None else (sides[1], known[0])
                alias = _trim_alias(alias)
                end = start + len(alias)
                if not alias or (parenthesis_only and not _looks_like_a_garble(alias, suffixes)):
                    continue
                if any(start < m.end and m.start < end for m in spans.values()):
                    continue
                spans[start] = Mention(
                    start, end, alias, replace(anchor.match, method="gloss", matched=anchor.match.matched, query=alias)
                )
                aliases.append(Alias(alias, anchor.match.place, start, end, anchor.text))
        return aliases

    def _known_side(
        self, text: str, start: int, end: int, country: str | None, spans: dict[int, Mention]
    ) -> Mention | None:
        for mention in spans.values():
            if mention.start <= start < mention.end or start <= mention.start < end:
                return mention
        return self._mention(text, start, end, country, at_least=SURE)

    # -- pass 4: context ---------------------------------------------------------------------

    def _in_context(self, text: str, mentions: list[Mention], country: str | None) -> list[Mention]:
        anchors = [m.match.place for m in mentions if m.match.score >= SURE and m.match.place.kind == "populated place"]
        if not anchors:
            return mentions
        focus = country or Counter(place.country for place in anchors).most_common(1)[0][0]
        local = [place for place in anchors if place.country == focus] or anchors
        near = (
            round(sum(p.lat for p in local) / len(local), 1),
            round(sum(p.lon for p in local) / len(local), 1),
        )
        settled = []
        for mention in mentions:
            if mention.match.score < SURE and mention.match.method != "gloss":
                better = self._candidates(mention.text, focus, near)
                if better and better[0].score >= self.resolver.threshold:
                    mention = replace(mention, match=better[0])
            settled.append(mention)
        return settled

    # -- shared ------------------------------------------------------------------------------

    def _mention(
        self, text: str, start: int, end: int, country: str | None, *, at_least: float = 0.0
    ) -> Mention | None:
        surface = text[start:end]
        found = self._candidates(surface, country)
        threshold = max(at_least, self.resolver.threshold)
        if not found or found[0].score < threshold:
            return None
        mention = Mention(start, end, surface, found[0])
        if _is_common_word(mention) and not _is_supported(text, mention):
            return None
        return mention

    def _candidates(
        self, surface: str, country: str | None, near: tuple[float, float] | None = None
    ) -> list[Match]:
        key = (surface, country, near)
        found = self._resolved.get(key)
        if found is None:
            found = self.resolver.candidates(
                surface, limit=3, country=country, near=near, near_km=CONTEXT_KM, in_text=True
            )
            if len(self._resolved) > 200_000:
                self._resolved.clear()
            self._resolved[key] = found
        return found


def _is_common_word(mention: Mention) -> bool:
    """A one-word mention that is also an everyday word (Never, Bar, Human, Правда)."""
    return " " not in mention.text and normalize(mention.text) in words("common_words")


def _is_supported(text: str, mention: Mention) -> bool:
    """An important place under its official name, or a preposition of place just before."""
    place = mention.match.place
    important = place.kind in ("country", "region") or place.population >= IMPORTANT_POPULATION
    if important and mention.match.matched.status == "official":
        return True
    before = text[max(0, mention.start - 24) : mention.start].split()
    return bool(before) and before[-1].lower() in _prepositions()


def _is_word_like(name: str) -> bool:
    return bool(_WORD.fullmatch(name.split(" ")[0])) and not name.isdigit()


def _is_cyrillic(ch: str) -> bool:
    return "\u0400" <= ch <= "\u04ff"


def _letter_at(text: str, i: int) -> bool:
    return 0 <= i < len(text) and text[i].isalnum()


def _word_tail(text: str, i: int) -> str:
    j = i
    while j < len(text) and text[j].isalnum():
        j += 1
    return text[i:j]


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether [start, end) overlaps any of the sorted, non-overlapping ``spans``."""
    i = bisect_right(spans, (start, float("inf")))
    return (i > 0 and spans[i - 1][1] > start) or (i < len(spans) and spans[i][0] < end)


def _trim_alias(alias: str) -> str:
    """A gloss name ends at its last capitalised word: 'Krasnorozhsk and' is not a name."""
    words = alias.split(" ")
    while len(words) > 1 and not words[-1][:1].isupper():
        words.pop()
    return " ".join(words).rstrip("'’ʼ-")


def _looks_like_a_garble(alias: str, suffixes: tuple[str, ...]) -> bool:
    return not alias.isupper() and (is_mixed(alias) or alias.lower().endswith(suffixes))


@cache
def default_extractor() -> Extractor:
    """The extractor over the bundled gazetteer, made on first use."""
    return Extractor()


def _extractor(resolver: Resolver | None) -> Extractor:
    return default_extractor() if resolver is None else _extractor_for(resolver)


@cache
def _extractor_for(resolver: Resolver) -> Extractor:
    return Extractor(resolver)


def scan(text: str, *, resolver: Resolver | None = None, country: str | None = None) -> Scan:
    """Mentions, unresolved candidates and glossed aliases of ``text``; see ``Extractor.scan``."""
    return _extractor(resolver).scan(text, country=country)


def find(text: str, *, resolver: Resolver | None = None, country: str | None = None) -> list[Mention]:
    """Every place mention in ``text``, sorted and non-overlapping.

    >>> [(m.text, m.match.place.name) for m in find("Fighting near Krasnoarmeysk and в Бахмуте.")]
    [('Krasnoarmeysk', 'Pokrovsk'), ('Бахмуте', 'Bakhmut')]
    """
    return _extractor(resolver).find(text, country=country)

