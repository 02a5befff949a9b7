"""Step 8: find the place names of a running text.

A text is cut into runs: capitalised words in a row, with the lowercase words
that occur inside gazetteer names where they follow a word they follow in one
(Rostov na Donu, Antigua and Barbuda, but Kharkiv | and | Sumy) and the generic
words that end names (Donetsk oblast, Донецкой области); no run starts with a
preposition that starts no name (Під | Бахмутом). Only runs
can hold a mention, and a run's findings depend on nothing but the run and
what kind of word stands on either side of it (a preposition, a word for a
river, a lowercase Cyrillic word), so they are worked out once per run and
kept: a corpus repeats its runs, and a repeated run costs a dictionary lookup.
A run that is exactly a name of the gazetteer takes what was worked out for
that name once per gazetteer, ahead of any text. A run seen for the first time
is cut where no name can span it (before a word for regions: Kherson | regions;
after a first word that opens no name: Ночью | Горішні Плавні; around a joining
word after a hyphenated word it follows in no name), and its parts looked up alone.

The passes over a run, each adding what the last could not see:

1. known names — an Aho-Corasick scan for every name of the gazetteer, longest
   match first, on word boundaries; a Cyrillic name may carry a case ending
   (в Покровске, під Бахмутом); a name that does not fit where it stands hides
   no name after its first word; then two or three capitalised words spelt in
   another system, which the resolver finds surely together (Novaya Kakhovka);
2. inflected Cyrillic phrases of two or three words (Донецкой области, Кривом Роге);
3. mixed-script words (Покровsk) and capitalised words that are no known name
   but resolve with high confidence (garbles such as Mirnohrad); other
   capitalised words shaped like place names are reported as unresolved
   (a mixed-script word that does not start with a capital is not looked at);

and over the whole text:

4. lists of regions: the names before a word for regions are regions, not
   towns ("the Zaporizhzhia and Kherson regions", "Донецькій та Луганській областях");
5. glosses that tie an unknown name to a known one ("Krasnorozhsk—known in
   Ukrainian as Покровsk"): the unknown side takes the known side's place and
   is reported as a new alias;
6. context: an ambiguous name is resolved again, preferring places near the
   document's surely resolved ones (those of its main country, if they lie in several).

Every candidate passes the same checks (``_fits``): an everyday word
needs support, an adjective before a noun and a river are no place, and a
loose match next to an unknown capitalised word is taken for part of a person's name.
No place is found inside the name of a medium or organisation named after one
(Kyiv Post, Ukrainska Pravda: ``organisations`` in data/text.json).
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_right
from collections.abc import Collection, Iterator
from dataclasses import dataclass, replace
from functools import cache, cached_property, lru_cache, partial
from typing import Any, NamedTuple

import ahocorasick

from toponyms._data import table, words
from toponyms.chars import APOSTROPHES, is_mixed
from toponyms.gazetteer import Gazetteer
from toponyms.inflect import word_forms
from toponyms.keys import spelling_key
from toponyms.model import Alias, Match, Mention, Scan, Unresolved
from toponyms.normalize import normalize, strip_marks
from toponyms.resolve import Resolver, default_resolver

SURE = 0.8  # a mention this sure, found as written, anchors the context of its document
GARBLE = 0.7  # an unknown capitalised word becomes a mention from this score on
SHORTEST_NAME = 3  # names shorter than this are too often ordinary words
CONTEXT_KM = 150.0  # a document's places spread over a region: its centre is a loose hint
IMPORTANT_POPULATION = 50_000  # a place this big is meant even when its name is a common word
AS_WRITTEN = frozenset({"exact", "normalized", "script"})
# How a mention must be found to anchor its document's context (with a score of SURE): a fuzzy
# match need not; an inflected or transliterated one may, as its canonical name will after clean().
ANCHORING = AS_WRITTEN | {"inflection", "transliteration"}
LOCAL_LANGUAGES = frozenset({"uk", "ru", "en"})
CACHE_LIMIT = 200_000
AHEAD = 250_000  # names whose resolution is worked out once per gazetteer, ahead of any text
_NO_REGIONS: frozenset[str] = frozenset()  # a text that names no region (raion, hromada) surely
AREAS = frozenset({"district", "community"})  # raions and hromadas: a text that names one names its villages

_CAPITAL = "A-ZА-ЯЁІЇЄҐ"
# Every capital letter of the alphabets up to CJK: a run may start with Ł, Ö or Ω too.
_UPPER = re.escape("".join(chr(code) for code in range(0x2E80) if chr(code).isupper()))
# Combining marks belong to the letter before them (Бахму́т, Artemovsk + U+0301): wherever a word
# begins or ends, they count as letters, so that no word and no mention ends inside a letter and
# its marks. Those of the alphabets with capitals (Latin, Greek, Cyrillic) and the general blocks.
_MARK_RANGES = ((0x0300, 0x036F), (0x0483, 0x0489), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF),
                (0x2DE0, 0x2DFF), (0xA66F, 0xA67D), (0xA69E, 0xA69F), (0xFE20, 0xFE2F))  # fmt: skip
_MARKS = "".join(f"\\u{first:04x}-\\u{last:04x}" for first, last in _MARK_RANGES)  # in a character class
_MARK_SET = frozenset(chr(code) for first, last in _MARK_RANGES for code in range(first, last + 1))
_LETTER = rf"\w{_MARKS}"  # in a character class: a letter, digit or mark
# A word ends with a letter (or its marks), not with an apostrophe or a hyphen: in 'Truskavets'',
# the last apostrophe is a quote's; in Oblast-based, the hyphen joins a word.
_WORD_END = r"(?<!['’ʼ\-])"
_CAPITALISED = re.compile(rf"(?<![{_LETTER}'’ʼ\-])[{_CAPITAL}][{_LETTER}'’ʼ]{{3,}}{_WORD_END}")
_WORD = re.compile(rf"[^\W\d_][{_LETTER}'’ʼ\-]*")
_TITLE_WORD = re.compile(rf"(?<![{_LETTER}'’ʼ\-])[{_CAPITAL}][{_LETTER}'’ʼ\-]*{_WORD_END}")  # a capitalised word
_SCRIPTS_MEET = re.compile(r"[A-Za-z][\u0400-\u04ff]|[\u0400-\u04ff][A-Za-z]")
_WORD_AROUND = re.compile(rf"[{_LETTER}]+")
_CYRILLIC = re.compile("[\u0400-\u04ff]")
# A name on either side of a gloss: one to three capitalised words. The capital comes before
# the look-behind, so that the regex engine can skip ahead to the next capital letter.
_GLOSS_NAME = rf"([{_CAPITAL}](?<![{_LETTER}'’ʼ\-].)[{_LETTER}'’ʼ\-]*(?:\s[{_CAPITAL}][{_LETTER}'’ʼ\-]*){{0,2}})"
GLOSS_REACH = 160  # characters a gloss spans on either side of its cue, at most
REGION_LIST_REACH = 160  # characters a list of regions spans before its word for regions, at most
REGION_PREFIX = 4  # letters of a name that must begin a region's name for it to be tried as one
# One or two capitalised words: a name in a list of regions (the Zaporizhzhia and Kherson regions),
# in any alphabet: a name that is no region's as written may be one by the canonical name that
# clean() puts in its stead (Čeľabinsk, cleaned into Chelyabinsk).
_LISTED_NAME = (
    rf"[{_UPPER}](?<![{_LETTER}'’ʼ\-].)[{_LETTER}'’ʼ\-]*{_WORD_END}(?:\s[{_UPPER}][{_LETTER}'’ʼ\-]*{_WORD_END})?"
)
_LISTED = re.compile(_LISTED_NAME)


@dataclass(frozen=True, slots=True)
class _Tables:
    endings: frozenset[str]
    suffixes: tuple[str, ...]
    glosses: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...]  # each pattern with its cue
    gloss_cue: re.Pattern[str]  # any cue: a text without one has no gloss
    water: re.Pattern[str]  # any word for water, to tell at once that a text names none
    prepositions: frozenset[str]
    side_openers: frozenset[str]  # prepositions and articles, which a gloss's side may start with
    adjective_endings: tuple[str, ...]
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
def _tables() -> _Tables:
    data = table("text")
    region_words = "|".join(data["region_words"])
    prepositions = "|".join(sorted(map(re.escape, data["prepositions"]), key=len, reverse=True))
    cyrillic_word = rf"[А-ЯЁІЇЄҐ][а-яёіїєґ'’ʼ{_MARKS}]+{_WORD_END}"
    lists = data["region_lists"]
    region_nouns = {word: (noun, True) for word, noun in lists["plurals"].items()}
    region_nouns |= {word: (noun, False) for word, noun in lists["adjectives"].items()}
    conjunctions = "|".join(map(re.escape, lists["conjunctions"]))
    nouns = "|".join(sorted(map(re.escape, region_nouns), key=len, reverse=True))
    listed = rf"{_LISTED_NAME}(?:,\s{_LISTED_NAME})*(?:,?\s(?:{conjunctions})\s{_LISTED_NAME})?"
    return _Tables(
        endings=frozenset(data["endings"]),
        suffixes=tuple(data["suffixes"]),
        glosses=tuple(
            (re.compile(gloss["pattern"].replace("{a}", _GLOSS_NAME).replace("{b}", _GLOSS_NAME)), re.compile(gloss["cue"]))
            for gloss in data["glosses"]
        ),
        gloss_cue=re.compile("|".join(dict.fromkeys(gloss["cue"] for gloss in data["glosses"]))),
        water=re.compile("|".join(map(re.escape, _shortest({*data["water"]["after"], *data["water"]["before"]})))),
        prepositions=frozenset(data["prepositions"]),
        side_openers=frozenset(data["prepositions"]) | frozenset(data["articles"]),
        adjective_endings=tuple(data["adjective_endings"]),  # as written: normalised, России would end like -ий
        phrase_endings=tuple(normalize(ending) for ending in data["phrase_endings"]),
        water_after=frozenset(data["water"]["after"]),
        water_before=frozenset(data["water"]["before"]),
        # A phrase starts after any preposition: Під Великою Новосілкою is Великою Новосілкою.
        phrases=re.compile(
            rf"(?<![{_LETTER}\-])(?!(?i:{prepositions})\s){cyrillic_word}(?:(?:\s|-на-){cyrillic_word}){{0,2}}"
            rf"(?:\s(?:{region_words}))?(?![{_LETTER}])"  # and ends where a word does: no Кма of Кма0
        ),
        region_words=tuple(data["region_words"]),
        given_names=frozenset(normalize(name) for name in data["given_names"]),
        region_word=re.compile(rf"\b(?:{nouns})\b"),
        region_list=re.compile(rf"({listed})\s({nouns})$"),
        region_nouns=region_nouns,
        region_singulars=tuple(dict.fromkeys(noun for noun, _ in region_nouns.values())),
        organisations=re.compile(
            rf"(?<![{_LETTER}])(?:{'|'.join(map(_any_apostrophe, sorted(data['organisations'], key=len, reverse=True)))})"
            rf"(?![{_LETTER}])"
        ),
        organisation_names=tuple(data["organisations"]),
    )


def _any_apostrophe(name: str) -> str:
    """A pattern for ``name`` as written, with any apostrophe where it has one (People's, People’s)."""
    return re.escape(name).replace("'", f"[{''.join(sorted(APOSTROPHES))}]")


def _shortest(words: set[str]) -> tuple[str, ...]:
    """The words of ``words`` that contain no other: a text holds one of ``words`` only if it holds one of these."""
    return tuple(sorted(w for w in words if not any(other != w and other in w for other in words)))


def surface_forms(name: str) -> set[str]:
    """The lowercase spellings under which ``name`` may stand in a text, all as long as ``name``."""
    lower = _lower(name)
    bare = strip_marks(name)
    forms = {lower, _lower(bare) if len(bare) == len(name) else lower}
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
        gazetteer = self.resolver.gazetteer
        build = partial(_scanners, gazetteer)
        self.automaton, self.runs, self._joins = gazetteer.derived(
            "name-scanners", build, shaped_by=("extract.py", "data/text.json"), kind=tuple, check=_are_scanners
        )
        # Like the automaton, how each name of the gazetteer resolves is worked out once, ahead.
        self._ahead: dict[str, _Ahead | None] = (
            gazetteer.derived(
                "name-resolutions", partial(_resolutions, self.resolver), shaped_by=_RESOLUTION_SHAPING, kind=dict
            )
            if gazetteer.digest is not None
            else {}
        )
        # The best candidate of a surface: by surface, country, centre, regions and whether fuzzily.
        self._resolved: dict[tuple[str, str | None, tuple[float, float] | None, frozenset[str], bool], Match | None]
        self._resolved = {}
        self._no_place: set[tuple[str, str | None]] = set()  # capitalised words with no candidate at all
        self._anchoring: dict[tuple[int, str | None], bool] = {}  # whether a place's name anchors, by id
        self._openers: dict[tuple[str, str | None], bool] = {}  # whether a word opens no name (_opens_no_name)
        # What each run was found to hold, and the matches its findings name by number. A full
        # cache is replaced as a whole, between documents, so that a document (in any thread)
        # reads the numbers of its findings in the list they were made with.
        self._cache = _Cache({}, [])
        # While a run is worked out: its edges, and what around it could change its findings
        # (_PREPOSITION, _WATER_BEFORE, ...); per thread, so that threads may share an extractor.
        self._run = threading.local()

    def scan(self, text: str, *, country: str | None = None) -> Scan:
        """Mentions, unresolved candidates and glossed aliases of ``text``."""
        mentions, unresolved, aliases = self._scan(text, country)
        return Scan(mentions=tuple(mentions), unresolved=tuple(unresolved), aliases=tuple(aliases))

    def find(self, text: str, *, country: str | None = None) -> list[Mention]:
        """Every place mention of ``text``: sorted, non-overlapping, ``m.text == text[m.start:m.end]``."""
        return self._scan(text, country, unresolved=False)[0]

    def _scan(
        self, text: str, country: str | None, *, unresolved: bool = True
    ) -> tuple[list[Mention], list[Unresolved], list[Alias]]:
        """Mentions, unresolved candidates (none unless ``unresolved``) and aliases of ``text``."""
        if not isinstance(text, str):
            raise TypeError(f"find() takes the text as str, got {type(text).__name__}; decode bytes first")
        self.resolver.check_country(country)
        # The checks before each pass are made here: most texts need few passes, and a call costs.
        mentions, candidates, settled, regions = self._in_runs(text, country)
        if regions:
            mentions = self._region_lists(text, country, mentions)
        aliases: list[Alias] = []
        if _tables().gloss_cue.search(text):
            mentions, aliases = self._glosses(text, country, mentions)
        if not settled:
            mentions = self._in_context(_without_persons(text, mentions), country)
        if candidates and unresolved:
            covered = [(m.start, m.end) for m in mentions]
            return mentions, [u for u in candidates if not _overlaps(covered, u.start, u.end)], aliases
        return mentions, [], aliases

    # -- runs ----------------------------------------------------------------------------------

    def _in_runs(self, text: str, country: str | None) -> tuple[list[Mention], list[Unresolved], bool, bool]:
        """What passes 1-3 find in ``text``, run by run; whether every mention is settled (sure
        and found as written, so that neither persons nor context can change it); and whether a
        run holds a word for regions (so that pass 4 has a list of regions to look for)."""
        mentions: list[Mention] = []
        unresolved: list[Unresolved] = []
        settled, marks = True, 0
        watery = _tables().water.search(text) is not None
        relevant = _relevant(watery)  # the context flags that can matter in this text
        cache = self._cache
        if len(cache.findings) > CACHE_LIMIT:
            cache = self._cache = _Cache({}, [])
        cached, matches, add = cache.findings.get, cache.matches, mentions.append
        for run in self.runs.finditer(text):
            key = run.group()
            findings = cached((key, country, "", ""))
            if findings is None or findings[_CONTEXT] & relevant:
                findings = self._findings_of(cache, key, country, text, *run.span(), watery)
            marks |= findings[_CONTEXT]
            if len(findings) > _MENTIONS:
                start = run.start()
                for a, b, surface, match in findings[_MENTIONS:]:  # a loop, not a comprehension: most runs hold one
                    add(Mention(start + a, start + b, surface, matches[match]))
                settled = settled and findings[_SETTLED]
            if findings[_UNRESOLVED]:
                start = run.start()
                unresolved += [
                    Unresolved(start + a, start + b, surface, None if best is None else matches[best])
                    for a, b, surface, best in findings[_UNRESOLVED]
                ]
        return mentions, unresolved, settled, bool(marks & _REGION_WORD)

    def _findings_of(
        self, cache: _Cache, run: str, country: str | None, text: str, start: int, end: int, watery: bool
    ) -> _Findings:
        """What passes 1-3 find in ``run``, standing at ``text[start:end]`` (``watery``: the text has a word for water)."""
        findings = cache.findings.get((run, country, "", ""))
        if findings is None:
            findings = self._findings_in_context(cache, run, country, "", "")
        context = findings[_CONTEXT] & _relevant(watery)
        if not context:
            return findings
        before = _before_class(text, start, context) if context & (_PREPOSITION | _WATER_BEFORE) else ""
        after = _after_class(text, end, context) if context & (_CYRILLIC_AFTER | _WATER_AFTER) else ""
        if not before and not after:
            return findings
        in_context = cache.findings.get((run, country, before, after))
        return in_context if in_context is not None else self._findings_in_context(cache, run, country, before, after)

    def _findings_in_context(self, cache: _Cache, run: str, country: str | None, before: str, after: str) -> _Findings:
        """What passes 1-3 find in ``run`` between a word standing for ``before`` and one for ``after``; cached."""
        ahead = self._ahead.get(run) if country is None and not before and not after else None
        # A run is not cut inside an organisation's name (Kyiv School of Economics).
        cut = ahead is None and " " in run and not _tables().organisations.search(run)
        parts = self._parts(run, country) if cut else None
        if parts is not None:
            findings = self._joined(cache, run, parts, country, before, after)
        elif ahead is not None and ahead[_ALONE] is not None and ahead[_SCORE] >= self.resolver.threshold:
            # The run is a name, and a mention standing alone: what the passes would find.
            findings = cache.keep([(0, len(run), run, self._match(ahead, run))], [], ahead[_ALONE])
        else:
            findings = cache.keep(*self._passes(run, country, before, after))
        if " " in run and not _tables().region_nouns.keys().isdisjoint(run.split()):  # Kherson regions
            findings = (findings[_CONTEXT] | _REGION_WORD, *findings[_SETTLED:])
        cache.findings[(run, country, before, after)] = findings
        return findings

    def _parts(self, run: str, country: str | None) -> list[tuple[int, int]] | None:
        """The spans of ``run`` that no name of the gazetteer spans, or None when the run is one.

        A run is cut after a leading preposition (В | Нова Одеса) or a first word that opens no
        name (Жители | Нова Дача: ``_opens_no_name``), and around a lowercase joining word that
        follows no word it follows in a name (Donetsk | and | Kharkiv, but Antigua and Barbuda).
        Lowercase words after a cut start no part: no name starts with one.
        """
        follows, leading = self._joins
        words = run.split()  # the run pattern puts one blank between two words
        parts: list[tuple[int, int]] = []
        start: int | None = 0
        end = len(words[0])  # of the word before
        for before, word in zip(words, words[1:]):
            begin = end + 1
            if end == len(before) and (  # the first word
                before in leading or word[:1].isupper() and self._opens_no_name(before, country)
            ):
                parts.append((0, end))
                start = begin if word[:1].isupper() else None
            elif word in follows and _lower(before) not in follows[word]:
                if start is not None:
                    parts.append((start, end))
                start = None
            elif start is None and word[:1].isupper():
                start = begin
            end = begin + len(word)
        if start is not None:
            parts.append((start, end))
        return None if parts == [(0, len(run))] else parts

    def _opens_no_name(self, word: str, country: str | None) -> bool:
        """Whether ``word``, first in a run, is no mention and begins no name of several words in any
        form the passes try: as spelt, in another spelling (``_spelled``), in an oblique case
        (``_phrases``), nor fuzzily. Then the passes find in the run what they find in its first
        word and in the rest apart, and each part is worked out once, not once for each pair:
        Ночью | Горішні Плавні, Residents | Bakhmut. Cached."""
        key = (word, country)
        opens = self._openers.get(key)
        if opens is None:
            form = normalize(word)
            words_of_names = self.resolver.gazetteer.index.words_of_names
            opens = not (
                not word.isalpha()  # a name may begin inside it: Kramatorsk-Malaya Nekhvoroshcha
                or is_mixed(word)
                or not words_of_names.isdisjoint(word_forms(form))  # as written or in an oblique case
                or _word_key(word).partition(" ")[0] in self._first_keys
                or _is_cyrillic(word[0]) and form.endswith(_tables().phrase_endings)
            )
            if opens:
                best = self._best(word, country)
                opens = best is None or best.score < self.resolver.threshold
            if len(self._openers) > CACHE_LIMIT:
                self._openers.clear()
            self._openers[key] = opens
        return opens

    @cached_property
    def _first_keys(self) -> frozenset[str]:
        """The first words of the spelling keys of names of several words."""
        return frozenset(key.partition(" ")[0] for key in self.resolver.gazetteer.index.keyed.texts if " " in key)

    def _joined(
        self, cache: _Cache, run: str, parts: list[tuple[int, int]], country: str | None, before: str, after: str
    ) -> _Findings:
        """What passes 1-3 find in ``run``, cut into ``parts`` (``_parts``), between a word
        standing for ``before`` and one for ``after``: what they find in each part, in the run."""
        text, offset = _standing(run, before, after)
        watery = _tables().water.search(text) is not None
        mentions: list[tuple[int, int, str, int]] = []
        unresolved: list[tuple[int, int, str, int | None]] = []
        context, settled = 0, True
        for start, end in parts:
            found = self._findings_of(cache, run[start:end], country, text, offset + start, offset + end, watery)
            mentions += [(start + a, start + b, surface, match) for a, b, surface, match in found[_MENTIONS:]]
            unresolved += [(start + a, start + b, surface, best) for a, b, surface, best in found[_UNRESOLVED]]
            settled = settled and found[_SETTLED]
            if start == 0:
                context |= found[_CONTEXT] & (_PREPOSITION | _WATER_BEFORE)
            if end == len(run):
                context |= found[_CONTEXT] & (_CYRILLIC_AFTER | _WATER_AFTER)
        return (context, settled, tuple(unresolved), *mentions)

    def _passes(
        self, run: str, country: str | None, before: str, after: str
    ) -> tuple[list[tuple[int, int, str, Match]], list[tuple[int, int, str, Match | None]], int]:
        """Run passes 1-3 over ``run`` between a word standing for ``before`` and one for ``after``:
        mentions and unresolved candidates, spans relative to the run, and the context flags."""
        text, offset = _standing(run, before, after)
        watch = self._run
        watch.edges, watch.context = (offset, offset + len(run)), 0
        try:
            found = _Spans()
            whole = self._mention(text, offset, offset + len(run), country) if run in self._ahead else None
            if whole is not None:  # the run is a name: the passes would find that and nothing else
                found.add(whole)
                garbles = []
            else:
                self._names(text, country, found)
                self._spelled(text, country, found)
                self._phrases(text, country, found)
                if _SCRIPTS_MEET.search(text):
                    self._mixed(text, country, found)
                garbles = self._garbles(text, country, found)
        finally:
            watch.edges = None
        mentions = found.mentions()
        organisations = [name.span() for name in _tables().organisations.finditer(text)]
        if organisations:  # Kyiv Post, Ukrainska Pravda: no place
            mentions = [m for m in mentions if not _overlaps(organisations, m.start, m.end)]
            garbles = [u for u in garbles if not _overlaps(organisations, u.start, u.end)]
        return (
            [(m.start - offset, m.end - offset, m.text, m.match) for m in mentions],
            [(u.start - offset, u.end - offset, u.text, u.best) for u in garbles],
            watch.context,
        )

    # -- pass 1: known names ---------------------------------------------------------------

    def _names(self, text: str, country: str | None, found: _Spans) -> None:
        """The known names of ``text`` that fit where they stand, longest first.

        A name that does not fit hides no name after its first word: in "river Congo Republic
        of the Congo", Congo Republic is a river, and Republic of the Congo is still found.
        """
        lowered, position = _lower(text), 0
        while position < len(text):
            for start, end in self._known(text, lowered, position):
                mention = self._mention(text, start, end, country)
                if mention is None and " " in text[start:end]:
                    position = text.index(" ", start) + 1
                    break
                found.add(mention)
            else:
                return

    def _spelled(self, text: str, country: str | None, found: _Spans) -> None:
        """Names of two or three capitalised words spelt in a system that no name of the gazetteer
        is written in, which the resolver still finds surely (Novaya Kakhovka, Veliky Burluk):
        each takes the place of the shorter names inside it (Novaya, Kakhovka)."""
        words = [word.span() for word in _TITLE_WORD.finditer(text)]
        if len(words) < 2:
            return
        keys = [_word_key(text[start:end]) for start, end in words]
        index = self.resolver.gazetteer.index
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
                mention = self._mention(text, start, end, country, at_least=SURE, fuzzy=False)
                if mention is not None:
                    found.replace_inside(mention)
                    break

    def _known(self, text: str, lowered: str, position: int) -> Iterator[tuple[int, int]]:
        """Spans of known names from ``position`` on, capitalised, on word boundaries, with any
        case ending and the marks of their last letter (``lowered``: ``text`` in lowercase)."""
        if not len(self.automaton):
            return
        endings = _tables().endings
        while position < len(text):
            for last, length in self.automaton.iter_long(lowered, position):
                start, end = last - length + 1, last + 1
                while end < len(text) and text[end] in _MARK_SET:
                    end += 1  # the marks of its last letter
                if text[start].isupper() and not _letter_at(text, start - 1):
                    if not _letter_at(text, end):
                        yield start, end
                        continue
                    tail = _word_tail(text, end)
                    if _is_cyrillic(text[start]) and tail.lower() in endings:
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

    # -- pass 2: inflected phrases ---------------------------------------------------------

    def _phrases(self, text: str, country: str | None, found: _Spans) -> None:
        """Multi-word Cyrillic names in an oblique case, which no automaton entry spells."""
        if not _CYRILLIC.search(text):
            return
        prepositions, phrase_endings = _tables().prepositions, _tables().phrase_endings
        generic = _tables().region_words
        for phrase in _tables().phrases.finditer(text):
            end = phrase.end()
            # The phrase may begin with a word that is not part of the name (Біля Часового Яру):
            # try it whole, then without its first words, down to two words.
            starts = [
                phrase.start() + word.start()
                for word in _WORD_AROUND.finditer(phrase.group())
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
                first = _WORD_AROUND.match(text, start)
                fuzzy = first is not None and normalize(first.group()).endswith(phrase_endings)
                fuzzy = fuzzy and text[start:end].rsplit(None, 1)[-1] not in generic
                mention = self._mention(text, start, end, country, fuzzy=fuzzy)
                if mention is not None:
                    found.replace_inside(mention)
                    break

    # -- pass 3: mixed-script words, garbles and unresolved candidates ------------------------

    def _mixed(self, text: str, country: str | None, found: _Spans) -> None:
        for meeting in _SCRIPTS_MEET.finditer(text):
            word = _word_at(text, meeting.start())
            if word is not None and is_mixed(text[word[0] : word[1]]) and not found.overlaps(*word):
                found.add(self._mention(text, *word, country))

    def _garbles(self, text: str, country: str | None, found: _Spans) -> list[Unresolved]:
        suffixes = _tables().suffixes
        unresolved = []
        for word in _CAPITALISED.finditer(text):
            start, end = word.span()
            if found.overlaps(start, end) or (word.group(), country) in self._no_place:
                continue
            mention = self._mention(text, start, end, country, at_least=GARBLE)
            if mention is not None:
                found.add(mention)
            elif word.group().lower().endswith(suffixes):
                unresolved.append(Unresolved(start, end, word.group(), self._best(word.group(), country)))
            elif self._best(word.group(), country) is None:
                self._no_place.add((word.group(), country))  # most capitalised words: skip at once
        return unresolved

    # -- pass 4: lists of regions ------------------------------------------------------------

    def _region_lists(self, text: str, country: str | None, mentions: list[Mention]) -> list[Mention]:
        """``mentions``, with the names before a word for regions taken for the regions: in
        "the Zaporizhzhia and Kherson regions", Zaporizhzhia Oblast and Kherson Oblast, not the towns.
        Called for a text one of whose runs holds such a word (``_REGION_WORD``)."""
        tables = _tables()
        found: _Spans | None = None
        for word in tables.region_word.finditer(text):
            start, end = word.span()
            if not _word_before(text, start)[:1].isupper():
                continue  # the regional governor
            # The list ends at the word: found searching from a little before it.
            listed = tables.region_list.search(text, max(0, start - REGION_LIST_REACH), end)
            if listed is not None:
                found = self._regions_listed(text, listed, country, found or _Spans(mentions))
        return mentions if found is None else found.mentions()

    def _regions_listed(self, text: str, listed: re.Match[str], country: str | None, found: _Spans) -> _Spans:
        """``found`` with the names of ``listed`` (a ``region_list`` match) taken for regions."""
        noun, plural = _tables().region_nouns[listed.group(2)]
        names = list(_LISTED.finditer(text, *listed.span(1)))
        if plural and len(names) < 2:
            return found  # Донецкой области: one name, found as one already
        for number, name in enumerate(names):
            start, end = name.span()
            region = self._region_at(text, start, end, noun, country, found)
            if region is None and " " in name.group():  # Strikes Hit Zaporizhzhia and Kherson Regions
                start = text.index(" ", start) + 1
                region = self._region_at(text, start, end, noun, country, found)
            if region is None:
                continue
            if plural and number == len(names) - 1:
                end = listed.end(2)  # Kherson regions, Луганській областях
            found.replace_inside(Mention(start, end, text[start:end], region))
        return found

    def _region_at(self, text: str, start: int, end: int, noun: str, country: str | None, found: _Spans) -> Match | None:
        """The region that the name at ``text[start:end]`` surely names before ``noun``, as written
        or, when it is a mention, by its place's canonical name, which clean() puts in its stead."""
        region = self._region(text[start:end], noun, country)
        mention = found.at(start, end)
        if region is None and mention is not None and (mention.start, mention.end) == (start, end):
            region = self._region(mention.match.place.name, noun, country)
        return region

    def _region(self, name: str, noun: str, country: str | None) -> Match | None:
        """The region that ``name`` followed by ``noun`` (region, область), or by a word for a region
        in the name's script, surely names, if any: Донецькій regional is Донецька область, as
        Donetsk regional (its cleaned form) is Donetsk region. Not fuzzily, and only for a name that
        begins as a region's name does: most names in a list are towns, and each try costs a search."""
        if name[:REGION_PREFIX].lower() not in self._region_prefixes:
            return None
        cyrillic = _is_cyrillic(name[0])
        if _is_cyrillic(noun[0]) != cyrillic:  # Донецькій regional: a word for a region in the name's script
            noun = next((word for word in _tables().region_singulars if _is_cyrillic(word[0]) == cyrillic), noun)
        best = self._best(f"{name} {noun}", country, fuzzy=False)
        return best if best is not None and best.place.kind == "region" and best.score >= SURE else None

    @cached_property
    def _region_prefixes(self) -> frozenset[str]:
        """The first letters of the names of the gazetteer's regions, lowercase, in every spelling."""
        regions = (place for place in self.resolver.gazetteer if place.kind == "region")
        forms = (form for place in regions for name in place.names for form in surface_forms(name.text))
        return frozenset(form[:REGION_PREFIX] for form in forms)

    # -- pass 5: glosses ---------------------------------------------------------------------

    def _glosses(self, text: str, country: str | None, mentions: list[Mention]) -> tuple[list[Mention], list[Alias]]:
        """``mentions`` with the unknown sides of glosses added, and those sides as aliases."""
        tables = _tables()
        aliases: list[Alias] = []
        found = _Spans(mentions)
        stretches: dict[re.Pattern[str], list[tuple[int, int]]] = {}
        for number, (pattern, cue) in enumerate(tables.glosses):
            parenthesis_only = number == len(tables.glosses) - 1  # "X (Y)": the weakest evidence
            if cue not in stretches:
                stretches[cue] = _around(text, cue)
            glosses = (gloss for start, end in stretches[cue] for gloss in pattern.finditer(text, start, end))
            for gloss in glosses:
                sides = [_trim_side(text, gloss.start(i), gloss.end(i)) for i in (1, 2)]
                known = [found.at(start, end) or self._mention(text, start, end, country, at_least=SURE) for start, end in sides]
                if (known[0] is None) == (known[1] is None):
                    continue  # both known, or neither: nothing to learn
                (start, end), anchor = (sides[0], known[1]) if known[0] is None else (sides[1], known[0])
                alias = text[start:end]
                if not alias or found.overlaps(start, end):
                    continue
                if parenthesis_only and not _looks_like_a_garble(alias, tables.suffixes):
                    continue
                found.add(Mention(start, end, alias, replace(anchor.match, method="gloss", query=alias)))
                aliases.append(Alias(alias, anchor.match.place, start, end, anchor.text))
        return found.mentions(), aliases

    # -- pass 6: context ---------------------------------------------------------------------

    def _in_context(self, mentions: list[Mention], country: str | None) -> list[Mention]:
        """``mentions`` with the unsure ones resolved again near the document's anchors, in the
        regions it names surely ("Pokrovske in the Dnipropetrovsk region") and in the raions and
        hromadas it names surely ("Novoselivka, Pokrovsk district"). The
        anchors are the mentions sure as found, then also those whose canonical name is sure, as
        clean() writes them (DNPR, cleaned into Dnipro, anchors the cleaned text: so that clean()
        is idempotent, it anchors here too)."""
        # Loops rather than generators: this runs for most documents.
        anchors: list[Match] = []
        named: set[str] = set()
        areas: set[str] = set()
        unsure = False
        for mention in mentions:
            match = mention.match
            place = match.place
            if match.score < SURE:
                unsure = unsure or match.method != "gloss"
            elif place.kind == "region":
                named.add(place.name)
            elif place.kind in AREAS and place.code is not None:
                areas.add(place.code)
            elif match.method in ANCHORING and place.kind == "populated place":
                # Not its hromada or raion as a hint: a town's hromada holds villages named like
                # other towns (Pokrovske by Bakhmut), and news names neighbours across raions.
                anchors.append(match)
        if not unsure:
            return mentions
        regions = frozenset(named) if named else _NO_REGIONS
        within = frozenset(areas) if areas else _NO_REGIONS
        near = _centre(anchors, country)
        settled = (
            self._near(mentions, mentions, country, near, regions, within)
            if near is not None or regions or within
            else mentions
        )
        anchoring = {id(match) for match in anchors}
        written: set[int] = set()  # where the mentions start whose canonical names would anchor
        for mention in settled:
            if id(mention.match) not in anchoring and self._anchors_when_written(mention.match, country):
                written.add(mention.start)
        if written:
            anchored = [m.match for m in settled if m.start in written or id(m.match) in anchoring]  # in text order
            again = _centre(anchored, country)
            if again is not None and again != near:
                # Again from the mentions as found: near the first centre, an unsure mention may have
                # become sure, and it is unsure in the cleaned text too (Proletarskiy, sure near
                # Donetsk alone, is another place near Donetsk and Velyka Novosilka).
                settled = self._near(mentions, settled, country, again, regions, within, written)
        return settled

    def _near(
        self,
        found: list[Mention],
        settled: list[Mention],
        country: str | None,
        near: tuple[float, float] | None,
        regions: frozenset[str],
        within: frozenset[str],
        kept: Collection[int] = (),
    ) -> list[Mention]:
        """``settled`` (``found``, or ``found`` settled in an earlier round) with the mentions unsure
        as found (but those starting at ``kept``) resolved again near ``near``, in ``regions`` and in
        the raions and hromadas ``within`` (by code)."""
        again = []
        for mention, current in zip(found, settled):
            if mention.match.score < SURE and mention.match.method != "gloss" and mention.start not in kept:
                better = self._best(mention.text, country, near, regions, within)
                if better is not None and better.score >= self.resolver.threshold:
                    current = Mention(mention.start, mention.end, mention.text, better)
            again.append(current)
        return again

    def _anchors_when_written(self, match: Match, country: str | None) -> bool:
        """Whether the canonical name of ``match``'s place, written in a text, anchors its context; cached."""
        key = (id(match.place), country)  # the gazetteer's places live as long as the extractor
        anchors = self._anchoring.get(key)
        if anchors is None:
            written = self._best(match.place.name, country) if match.place.kind == "populated place" else None
            anchors = (
                written is not None
                and written.place is match.place
                and written.score >= SURE
                and written.method in ANCHORING
            )
            self._anchoring[key] = anchors
        return anchors

    # -- shared ------------------------------------------------------------------------------

    def _mention(
        self, text: str, start: int, end: int, country: str | None, *, at_least: float = 0.0, fuzzy: bool = True
    ) -> Mention | None:
        surface = text[start:end]
        best = self._best(surface, country, fuzzy=fuzzy)
        if best is None or best.score < max(at_least, self.resolver.threshold):
            return None
        mention = Mention(start, end, surface, best)
        before, after = _word_before(text, start), _word_after(text, end)
        fits = _fits(mention, before, after)
        edges = getattr(self._run, "edges", None)
        if edges is not None:
            self._run.context |= _context_of(mention, before, after, fits, edges)
        return mention if fits else None

    def _best(
        self,
        surface: str,
        country: str | None,
        near: tuple[float, float] | None = None,
        regions: frozenset[str] = _NO_REGIONS,
        within: frozenset[str] = _NO_REGIONS,
        *,
        fuzzy: bool = True,
    ) -> Match | None:
        """The best candidate for ``surface``, or None if it has none; cached."""
        key = (surface, country, near, regions, within, fuzzy)
        if key in self._resolved:
            return self._resolved[key]
        if country is None and near is None and not regions and not within and surface in self._ahead:
            ahead = self._ahead[surface]
            best = None if ahead is None else self._match(ahead, surface)
        else:
            found = self.resolver.candidates(
                surface,
                limit=1,
                country=country,
                near=near,
                near_km=CONTEXT_KM,
                region=regions,
                within=within,
                in_text=True,
                fuzzy=fuzzy,
            )
            best = found[0] if found else None
        if len(self._resolved) > CACHE_LIMIT:
            self._resolved.clear()
            self._no_place.clear()
        self._resolved[key] = best
        return best

    def _match(self, ahead: _Ahead, surface: str) -> Match:
        number, name, method, score, _ = ahead
        place = self.resolver.gazetteer.places[number]
        return Match(place, score, method, place.names[name], surface)


def _are_scanners(value: tuple[Any, ...]) -> bool:
    """Whether a cached value is what ``_scanners`` makes."""
    return len(value) == 3 and isinstance(value[0], ahocorasick.Automaton) and isinstance(value[1], re.Pattern)


def _scanners(gazetteer: Gazetteer) -> tuple[ahocorasick.Automaton, re.Pattern[str], _Joins]:
    """An Aho-Corasick automaton over every surface form of every name of ``gazetteer``,
    the pattern of the runs of a text that may hold one, and where a run may be cut."""
    automaton = ahocorasick.Automaton(ahocorasick.STORE_LENGTH)
    inside: set[str] = set()  # lowercase words between two words of a name: na, and, of
    last: set[str] = set(_tables().region_words)  # lowercase words that end a name: oblast, область
    listing = {word for word in _tables().region_nouns if word.islower()}  # regions, областях, regional
    last |= listing  # a run holds them, so that it tells of a list of regions (_REGION_WORD)
    first: set[str] = set()  # the first words of names of several words, in every spelling
    follows: dict[str, set[str]] = {}  # each word of a name after its first: the words before it
    for place in gazetteer:
        for name in place.names:
            if len(name.text) >= SHORTEST_NAME and _is_word_like(name.text):
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
                    follows.setdefault(_lower(word), set()).update(surface_forms(words[number - 1]))
                    if word[:1].islower():
                        (inside if number < len(words) - 1 else last).add(word)
                    elif word[:1].isupper():
                        last.add(_lower(word))  # Krivoj rog, Donetsk oblast: sloppy case in text
    for organisation in _tables().organisation_names:  # a run holds one whole: Kyiv School of Economics
        words = organisation.split()
        for before, word in zip(words, words[1:]):
            follows.setdefault(_lower(word), set()).update(surface_forms(before))
    if len(automaton):
        automaton.make_automaton()
    joins = _Joins(
        # A run is cut before a word for regions too (Kherson | regions), unless it may end a name
        # (Донецкой области): its name is looked up alone.
        {word: frozenset(follows.get(word, ())) for word in inside | (listing - set(_tables().region_words))},
        frozenset(word[:1].upper() + word[1:] for word in _tables().prepositions if word not in first),
    )
    return automaton, _run_pattern({word: joins.follows[word] for word in inside}, last, joins.leading), joins


class _Joins(NamedTuple):
    """Where a run may be cut into parts that no name of the gazetteer spans."""

    # The lowercase words that join the words of a name (and, of, na), each with the words
    # (lowercase, in every spelling) that it follows in a name: and: antigua, bosnia, ...
    follows: dict[str, frozenset[str]]
    # The capitalised prepositions that begin no name: В, Під, Near (not In: In Salah).
    leading: frozenset[str]


def _run_pattern(inside: dict[str, frozenset[str]], last: set[str], leading: frozenset[str]) -> re.Pattern[str]:
    """Capitalised words in a row, joined by ``inside`` words and ended by up to three ``last`` or
    ``inside`` words; an ``inside`` word only after a word it follows in a name (``inside``: those
    words, lowercase), and no run starts with a ``leading`` preposition. What a run holds is then
    worked out once for each name it holds rather than for each new way of joining them:
    "Residents of Horlivka and Bakhmut" is three runs, Horlivka and Bakhmut the two that matter."""
    letters = rf"{_LETTER}\-–{re.escape(''.join(sorted(APOSTROPHES)))}"
    word = rf"[{_UPPER}][{letters}]*"
    guards = {word: _after_one_of(befores, word) for word, befores in inside.items()}
    joining = _one_of(set(inside), guards)
    ending = _one_of(last | set(inside), {word: guard for word, guard in guards.items() if word not in last})
    # The capital comes first and the checks after it, so that the regex engine can skip ahead
    # to the next capital letter: twice as fast as a lookbehind in front.
    first = rf"[{_UPPER}](?<![^\W_].)(?<![{_MARKS}].){_not_leading(leading)}[{letters}]*"
    return re.compile(rf"{first}(?:\s(?:{joining}\s)*{word})*(?:\s{ending}(?![{_LETTER}])){{0,3}}")


def _after_one_of(befores: frozenset[str], word: str) -> str:
    """A check, just after ``word``, that the word before it is one of ``befores`` (in any case)."""
    by_length: dict[int, set[str]] = {}
    for before in befores:
        by_length.setdefault(len(before), set()).add(before)
    after = rf"\s{re.escape(word)}"
    # One look-behind for the words of each length: Python's look-behinds have a fixed width.
    checks = (rf"(?<=(?<![^\W_])(?<![{_MARKS}])(?i:{_one_of(words)}){after})" for _, words in sorted(by_length.items()))
    return rf"(?![{_LETTER}])(?:{'|'.join(checks)})"  # a word that goes on (in, into) is not checked


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
    where a word of ``after`` ends, its pattern must match too."""
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


# The modules and tables whose content decides how a name resolves (beyond those of the gazetteer).
_RESOLUTION_SHAPING = ("extract.py", "resolve.py", "inflect.py", "data/inflection.json", "data/ordinary_words.txt")


# How a name of the gazetteer resolves in running text, worked out ahead: its best candidate
# (place number, name number, method, score) and, standing as a run of its own, None if it is no
# mention there, else the run's context flags. A plain tuple: tens of thousands unpickle at once.
_Ahead = tuple[int, int, str, float, int | None]
_SCORE, _ALONE = 3, 4  # places in _Ahead


def _resolutions(resolver: Resolver) -> dict[str, _Ahead | None]:
    """How the capitalised names of the gazetteer resolve in running text: each one's best
    candidate, or None. Mainstream names (official, former or in a local language) come
    first; past ``AHEAD`` names, the rest are resolved when met, so that a world gazetteer
    does not take minutes here."""
    places, index = resolver.gazetteer.places, resolver.gazetteer.index
    number = {id(place): n for n, place in enumerate(places)}
    hits = sorted(range(len(index.owners)), key=lambda hit: not index.is_mainstream(hit))
    table: dict[str, _Ahead | None] = {}
    own = {place.name for place in places}
    for hit in hits:
        if len(table) >= AHEAD:
            break
        place, slot = index.owner(hit)
        text = places[place].names[slot].text
        # The scan finds Truskavets' as Truskavets, but a place's own name as it is (Kem’): see _scanners.
        mention_like = text[:1].isupper() and (text[-1] not in APOSTROPHES or text in own) and _is_word_like(text)
        if text not in table and len(text) >= SHORTEST_NAME and mention_like:
            found = resolver.candidates(text, limit=1, near_km=CONTEXT_KM, in_text=True)
            table[text] = _ahead_of(text, found[0], number[id(found[0].place)]) if found else None
    return table


def _ahead_of(text: str, match: Match, place_number: int) -> _Ahead:
    """What ``_resolutions`` keeps of ``text`` resolved to ``match``."""
    alone = _alone(Mention(0, len(text), text, match))
    return place_number, match.place.names.index(match.matched), match.method, match.score, alone


def _alone(mention: Mention) -> int | None:
    """Whether ``mention`` stands as a run of its own: None if it does not fit there, else
    which words around the run could change that (``_context_of``)."""
    if not _fits(mention, "", ""):
        return None
    return _context_of(mention, "", "", True, (mention.start, mention.end))


# What passes 1-3 found in one run: the words around the run that could change it
# (_PREPOSITION | _WATER_BEFORE | ...); whether it is settled (every mention sure and found
# as written: no later pass changes it); its unresolved candidates; then its mentions. A
# mention or candidate is (start, end, surface, number of its match in _Cache.matches),
# spans relative to the run. Plain tuples of numbers and strings, nested no deeper than
# needed: the garbage collector stops tracking such a tuple once it has seen what it holds
# (one level a collection, at worst), and a cache of a hundred thousand runs that it kept
# tracking would cost it seconds over a corpus.
_Findings = tuple  # (context, settled, unresolved, *mentions)
_CONTEXT, _SETTLED, _UNRESOLVED, _MENTIONS = 0, 1, 2, 3  # places in _Findings


class _Cache(NamedTuple):
    """What each run was found to hold (by run, country, and the words standing around it),
    and the matches that its findings name by number."""

    findings: dict[tuple[str, str | None, str, str], _Findings]
    matches: list[Match]

    def keep(
        self, mentions: list[tuple[int, int, str, Match]], unresolved: list[tuple[int, int, str, Match | None]], context: int
    ) -> _Findings:
        """Findings with their matches numbered."""
        # Loops rather than generators: this runs for every new run, and they cost twice as much.
        matches, settled = self.matches, True
        kept: list[tuple[int, int, str, int]] = []
        for start, end, surface, match in mentions:
            settled = settled and match.score >= SURE and match.method in AS_WRITTEN
            kept.append((start, end, surface, len(matches)))
            matches.append(match)
        unsure: list[tuple[int, int, str, int | None]] = []
        for start, end, surface, best in unresolved:
            unsure.append((start, end, surface, None if best is None else len(matches)))
            if best is not None:
                matches.append(best)
        return (context, settled, tuple(unsure), *kept)


# Words that stand for the words around a run in every check they take part in.
_A_PREPOSITION, _A_RIVER, _A_LOWERCASE_CYRILLIC = "in", "river", "войска"


def _before_class(text: str, start: int, context: int) -> str:
    """The word that stands for the word before ``start``: a preposition or a river if
    ``context`` says that it matters (_PREPOSITION, _WATER_BEFORE), else nothing."""
    before = _word_before(text, start).lower()
    tables = _tables()
    if before in tables.prepositions:
        return _A_PREPOSITION if context & _PREPOSITION else ""
    return _A_RIVER if context & _WATER_BEFORE and before in tables.water_before else ""


def _after_class(text: str, end: int, context: int) -> str:
    """The word that stands for the word after ``end``: a river or a lowercase Cyrillic word
    if ``context`` says that it matters (_WATER_AFTER, _CYRILLIC_AFTER), else nothing."""
    after = _word_after(text, end)
    if context & _WATER_AFTER and after in _tables().water_after:
        return _A_RIVER
    return _A_LOWERCASE_CYRILLIC if context & _CYRILLIC_AFTER and after[:1].islower() and _is_cyrillic(after[:1]) else ""


def _centre(anchors: list[Match], country: str | None) -> tuple[float, float] | None:
    """The centre of ``anchors`` (in the order of the text) in the main country (``country``, or
    that of most of them), in whole degrees (hint enough at 150 km, and documents share cached answers); None without anchors."""
    if not anchors:
        return None
    # Counted, not weighed by score: a sure name and its canonical name (Rostov at 0.94, Rostov-on-Don
    # at 1.0) must give the same main country, so that clean() is idempotent. A tie goes to the
    # country named first (``anchors`` are in the order of the text).
    votes: dict[str, int] = {}
    for match in anchors:
        votes[match.place.country] = votes.get(match.place.country, 0) + 1
    focus = country or max(votes, key=votes.__getitem__)
    # Distance is the hint, not the country, which the caller alone may impose (Pokrovsk near
    # Rostov is in Ukraine, 220 km away).
    local = [match.place for match in anchors if match.place.country == focus] or [m.place for m in anchors]
    return round(sum(p.lat for p in local) / len(local)), round(sum(p.lon for p in local) / len(local))


def _standing(run: str, before: str, after: str) -> tuple[str, int]:
    """``run`` between the words ``before`` and ``after`` (either may be empty), and where it starts there."""
    offset = len(before) + 1 if before else 0
    text = f"{before} {run}" if before else run
    return (f"{text} {after}" if after else text), offset


# What may stand around a run and change what is found in it.
_PREPOSITION, _CYRILLIC_AFTER, _WATER_BEFORE, _WATER_AFTER = 1, 2, 4, 8
_WATER = _WATER_BEFORE | _WATER_AFTER
# Kept with them, but no word around the run: the run holds a word for regions after a name
# (Kherson regions, Харківської обласної), so that its text may list regions (pass 4).
_REGION_WORD = 16


def _relevant(watery: bool) -> int:
    """The context flags that can change what a run holds, in a text with or without a word for water."""
    return ~_REGION_WORD if watery else ~(_WATER | _REGION_WORD)


def _context_of(mention: Mention, before: str, after: str, fits: bool, edges: tuple[int, int]) -> int:
    """Which words outside the run would change whether ``mention``, at the run's edge, fits.

    A word for water turns any fitting mention down, and a mention that does not fit here
    may fit beside a preposition (in Bar river): at an edge, water always counts.
    """
    context = 0
    if mention.start == edges[0]:
        context |= _WATER_BEFORE
        if _fits(mention, _A_PREPOSITION, after) != fits:
            context |= _PREPOSITION
    if mention.end == edges[1]:
        context |= _WATER_AFTER
        if _fits(mention, before, _A_LOWERCASE_CYRILLIC) != fits:
            context |= _CYRILLIC_AFTER
    return context


class _Spans:
    """The mentions found so far, kept sorted and non-overlapping.

    A pass reads and changes them in the order of the text, a few at a time around one place,
    so they are kept as a gap buffer: the mentions before a cursor in order, those after it in
    reverse order, so that both lists end at the cursor. Moving the cursor costs one step for
    each mention it passes, and a pass over the text passes each mention once (and those of a
    gloss or a list of regions again, a few characters back): linear in the text, where a
    scan of every span for each lookup, or inserting into the middle of one sorted list, is
    quadratic in the mentions of a long text (tests/test_extract.py counts the steps).
    """

    __slots__ = ("_before", "_after")

    def __init__(self, mentions: list[Mention] | None = None) -> None:
        """Start from ``mentions``, sorted and non-overlapping, or from none."""
        self._before: list[Mention] = []  # the mentions that start at or before the cursor, in order
        self._after: list[Mention] = mentions[::-1] if mentions else []  # the others, last first

    def _seek(self, start: int) -> tuple[Mention | None, Mention | None]:
        """Move the cursor to ``start``: the last mention that starts at or before it, and the next one."""
        before, after = self._before, self._after
        while after and after[-1].start <= start:
            before.append(after.pop())
        while before and before[-1].start > start:
            after.append(before.pop())
        return (before[-1] if before else None), (after[-1] if after else None)

    def add(self, mention: Mention | None) -> None:
        if mention is not None and not self.overlaps(mention.start, mention.end):
            self._before.append(mention)  # overlaps() left the cursor at its start

    def overlaps(self, start: int, end: int) -> bool:
        last, following = self._seek(start)
        return (last is not None and last.end > start) or (following is not None and following.start < end)

    def covers(self, start: int, end: int) -> bool:
        """Whether one mention already spans all of [start, end)."""
        last, _ = self._seek(start)
        return last is not None and last.end >= end

    def at(self, start: int, end: int) -> Mention | None:
        """The mention overlapping [start, end), if any (the first, if several)."""
        last, following = self._seek(start)
        if last is not None and last.start < end and start < last.end:
            return last
        return following if following is not None and following.start < end else None

    def replace_inside(self, mention: Mention) -> None:
        """Add ``mention``, dropping the shorter mentions inside it; skip it if it cuts one."""
        start, end = mention.start, mention.end
        last, _ = self._seek(start)
        if last is not None and last.end > start and (last.start < start or last.end > end):
            return  # it cuts the mention before it
        after, inside = self._after, 0
        while inside < len(after) and after[-1 - inside].start < end:
            inside += 1
        if inside and after[-inside].end > end:
            return  # it cuts the last mention it reaches into
        if inside:
            del after[-inside:]
        if last is not None and last.end > start:
            self._before.pop()
        self._before.append(mention)

    def mentions(self) -> list[Mention]:
        return self._before + self._after[::-1]


def _fits(mention: Mention, before: str, after: str) -> bool:
    """The checks every candidate mention passes, whichever pass proposed it, given the words around it."""
    tables = _tables()
    if mention.text.lower() in tables.prepositions:
        return False  # Біля, Под: a preposition that starts a sentence
    if after in tables.water_after or before.lower() in tables.water_before:
        return False  # the Dnipro river, берега Дніпра
    if _is_name_like(after) and normalize(mention.text) in tables.given_names:
        return False  # Vladimir Putin, Ольга Стефанішина: a first name, though a town's name too
    common, adjectival = _word_facts(mention.text)
    loose = mention.match.method not in AS_WRITTEN  # Кропивницький is a name as written
    if loose and adjectival and after[:1].islower() and _is_cyrillic(after[:1]):
        return False  # Крымский мост, Запорізькому напрямку, Российские войска
    if common:
        return _is_important(mention) or before.lower() in tables.prepositions
    return True


@lru_cache(maxsize=CACHE_LIMIT)
def _word_key(word: str) -> str:
    """The spelling key of one word; cached, as words repeat more than runs do."""
    return spelling_key(word)


@lru_cache(maxsize=CACHE_LIMIT)
def _word_facts(surface: str) -> tuple[bool, bool]:
    """Whether a one-word surface is an everyday word, and whether it is a Cyrillic adjective."""
    if " " in surface:
        return False, False
    form = normalize(surface)
    adjectival = _is_cyrillic(surface[0]) and surface.lower().endswith(_tables().adjective_endings)
    return form in words("common_words"), adjectival


def _is_important(mention: Mention) -> bool:
    """A country or region, or a big place named in a local language or by a status we know."""
    place, name = mention.match.place, mention.match.matched
    if place.kind in ("country", "region"):
        return True
    local = name.status != "variant" or name.lang in LOCAL_LANGUAGES or _is_cyrillic(name.text[:1])
    return place.population >= IMPORTANT_POPULATION and local


def _without_persons(text: str, mentions: list[Mention]) -> list[Mention]:
    """Drop loose matches that stand next to an unknown name-like word: Oleksandr Syrskyi."""
    if all(m.match.method in AS_WRITTEN for m in mentions):
        return mentions
    starts = {m.start for m in mentions}
    ends = {m.end for m in mentions}
    prepositions = _tables().prepositions
    kept = []
    for mention in mentions:
        if mention.match.method not in AS_WRITTEN and mention.match.method != "gloss":
            start, end = mention.start, mention.end
            joined_before = False
            # Only a word one space before joins: Kyiv, Kramatorks is two places.
            if text[start - 1 : start] == " " and _letter_at(text, start - 2):
                before = _word_before(text, start)
                begin = start - 1 - len(before)
                joined_before = (
                    _is_name_like(before)
                    and before.lower() not in prepositions
                    and start - 1 not in ends  # the word before is no mention
                    # Жители Белгорода: a Cyrillic noun in the genitive follows a sentence's first word
                    and not (_is_cyrillic(mention.text[0]) and _starts_sentence(text, begin))
                )
            joined_after = text[end : end + 1] == " " and _is_name_like(_word_after(text, end))
            if joined_before or (joined_after and end + 1 not in starts):
                continue
        kept.append(mention)
    return kept


def _is_name_like(word: str) -> bool:
    """A capitalised word in lowercase after its first letter: Oleksandr, not ВСУ or in."""
    return len(word) > 1 and word[0].isupper() and word[1:].islower()


def _starts_sentence(text: str, i: int) -> bool:
    """Whether position ``i`` begins a sentence (or the text)."""
    j = i
    while j > 0 and text[j - 1] in " \t\"'«“‘(":
        j -= 1
    return j == 0 or text[j - 1] in ".!?\n:;—–-"


def _word_before(text: str, start: int) -> str:
    """The word ending at most two non-word characters before ``start``."""
    end = start
    while end > 0 and start - end < 2 and not (text[end - 1].isalnum() or text[end - 1] in _MARK_SET):
        end -= 1
    begin = end
    # Letters and marks (inline: this runs for most runs), and apostrophes between letters: the
    # word before "областях" in Smolen'sk областях is Smolen'sk, not sk.
    while begin > 0:
        ch = text[begin - 1]
        if not (ch.isalnum() or ch in _MARK_SET or ch in APOSTROPHES and _letter_at(text, begin - 2)):
            break
        begin -= 1
    return text[begin:end]


def _word_after(text: str, end: int) -> str:
    match = _WORD_AROUND.match(text, end + 1) if text[end : end + 1] in (" ", "-") else None
    return match.group() if match else ""


def _word_at(text: str, i: int) -> tuple[int, int] | None:
    start = i
    while start > 0 and _letter_at(text, start - 1):
        start -= 1
    end = i
    while end < len(text) and _letter_at(text, end):
        end += 1
    return (start, end) if end > start else None


def _is_word_like(name: str) -> bool:
    return bool(_WORD.fullmatch(name.split(" ")[0])) and not name.isdigit()


def _is_cyrillic(ch: str) -> bool:
    return "\u0400" <= ch <= "\u04ff"


def _letter_at(text: str, i: int) -> bool:
    """Whether ``text[i]`` is a letter, a digit or a combining mark (part of the letter before it)."""
    return 0 <= i < len(text) and (text[i].isalnum() or text[i] in _MARK_SET)


def _word_tail(text: str, i: int) -> str:
    j = i
    while j < len(text) and _letter_at(text, j):
        j += 1
    return text[i:j]


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether [start, end) overlaps any of the sorted, non-overlapping ``spans``."""
    i = bisect_right(spans, (start, float("inf")))
    return (i > 0 and spans[i - 1][1] > start) or (i < len(spans) and spans[i][0] < end)


def _around(text: str, cue: re.Pattern[str], reach: int = GLOSS_REACH) -> list[tuple[int, int]]:
    """The stretches of ``text`` within ``reach`` of a match of ``cue``, merged where they overlap."""
    merged: list[tuple[int, int]] = []
    for found in cue.finditer(text):
        start, end = max(0, found.start() - reach), min(len(text), found.end() + reach)
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _trim_side(text: str, start: int, end: int) -> tuple[int, int]:
    """A gloss side without leading prepositions (In, Near) and trailing lowercase words."""
    openers = _tables().side_openers
    words = text[start:end].split(" ")
    while len(words) > 1 and words[0].lower() in openers:
        start += len(words.pop(0)) + 1
    while len(words) > 1 and not words[-1][:1].isupper():
        words.pop()
    side = " ".join(words).rstrip("'’ʼ-")
    return start, start + len(side)


def _looks_like_a_garble(alias: str, suffixes: tuple[str, ...]) -> bool:
    return not alias.isupper() and (is_mixed(alias) or alias.lower().endswith(suffixes))


def extractor_for(resolver: Resolver | None) -> Extractor:
    """The extractor of ``resolver``, or of the default resolver for None."""
    return (resolver if resolver is not None else default_resolver()).extractor


def scan(text: str, *, resolver: Resolver | None = None, country: str | None = None) -> Scan:
    """Mentions, unresolved candidates and glossed aliases of ``text``; see ``Extractor.scan``."""
    return extractor_for(resolver).scan(text, country=country)


def find(text: str, *, resolver: Resolver | None = None, country: str | None = None) -> list[Mention]:
    """Every place mention in ``text``, sorted and non-overlapping.

    >>> [(m.text, m.match.place.name) for m in find("Fighting near Krasnoarmeysk and в Бахмуте.")]
    [('Krasnoarmeysk', 'Pokrovsk'), ('Бахмуте', 'Bakhmut')]
    """
    return extractor_for(resolver).find(text, country=country)
