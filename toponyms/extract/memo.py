"""The run memo: passes 1-3 over a text run by run, each run's findings worked out once and kept.

Only runs can hold a mention, and a run's findings depend on nothing but the run and the facts
of the words on either side of it that its checks read (``checks``), so they are worked out once
per run and kept: a corpus repeats its runs, and a repeated run costs a dictionary lookup. A run
that is exactly a name of the gazetteer takes what was worked out for that name once per
gazetteer, ahead of any text. A run seen for the first time is cut where no name can span it
(before a word for regions: Kherson | regions; after a first word that opens no name: Ночью |
Горішні Плавні; around a joining word after a hyphenated word it follows in no name), and its
parts looked up alone. What the memo finds is what ``passes`` finds over the whole text
(``Extractor.scan_whole``): tests/test_extract.py checks that on random texts.
"""

from __future__ import annotations

from functools import cached_property
from typing import NamedTuple

from toponyms.chars import is_cyrillic, is_mixed
from toponyms.extract.checks import AFTER, BEFORE, DRY, WATER, after_at, before_at
from toponyms.extract.lookup import Lookup
from toponyms.extract.passes import Found, Passes, Site, passes, settles
from toponyms.extract.scanners import Scanners
from toponyms.extract.tables import holds_region_word, tables
from toponyms.extract.words import CACHE_LIMIT, lowercase, word_key
from toponyms.inflect import word_forms
from toponyms.model import Match, Mention, Unresolved
from toponyms.normalize import normalize

_EVERY_FACT = BEFORE | AFTER


class Findings(NamedTuple):
    """What passes 1-3 found in one run, as the memo keeps it.

    A mention or unresolved candidate is (start, end, surface, number of its match in the
    memo's ``matches``), its span relative to the run: plain tuples of numbers and strings, which
    the garbage collector stops tracking once it has seen them, where a cache of a hundred
    thousand runs that it kept tracking would cost it seconds over a corpus.
    """

    reads: int  # the facts of the words around the run that its checks read
    settled: bool  # every mention settled (``settles``): no later pass changes it
    lists_regions: bool  # the run holds a word for regions after a name (Kherson regions)
    unresolved: tuple[tuple[int, int, str, int | None], ...]
    mentions: tuple[tuple[int, int, str, int], ...]


class Kept(NamedTuple):
    """The findings of each run (by run, country and the facts around it), and the matches that
    they name by number. A full one is replaced as a whole, between documents, so that a
    document (in any thread) reads the numbers of its findings in the list they were made with."""

    findings: dict[tuple[str, str | None, int], Findings]
    matches: list[Match]

    def keep(self, found: Found, sure: float) -> Findings:
        """``found`` as findings, its matches numbered (settled where all are at least ``sure``)."""
        # Loops rather than generators: this runs for every new run, and they cost twice as much.
        matches, settled = self.matches, True
        mentions: list[tuple[int, int, str, int]] = []
        for mention in found.mentions:
            settled = settled and settles(mention.match, sure)
            mentions.append((mention.start, mention.end, mention.text, len(matches)))
            matches.append(mention.match)
        unresolved: list[tuple[int, int, str, int | None]] = []
        for candidate in found.unresolved:
            unresolved.append((candidate.start, candidate.end, candidate.text, None if candidate.best is None else len(matches)))
            if candidate.best is not None:
                matches.append(candidate.best)
        return Findings(found.reads, settled, False, tuple(unresolved), tuple(mentions))


class RunMemo:
    """Passes 1-3 run by run, over the runs of ``scanners``, against ``lookup``; thread-safe."""

    def __init__(self, lookup: Lookup, scanners: Scanners) -> None:
        self.lookup = lookup
        self.scanners = scanners
        self._kept = Kept({}, [])
        self._openers: dict[tuple[str, str | None], bool] = {}  # whether a word opens no name (opens_no_name)

    def scan(self, text: str, country: str | None, *, candidates: bool = True) -> Passes:
        """What passes 1-3 find in ``text``, run by run; ``candidates=False`` leaves out the unresolved
        candidates (``find`` has no use for them)."""
        mentions: list[Mention] = []
        unresolved: list[Unresolved] = []
        settled, lists_regions = True, False
        # The facts that may hold here: all, or none of water in a text with no word for it; looked
        # for once a run's checks read a fact, as the checks of few runs do.
        relevant = 0
        kept = self._kept
        if len(kept.findings) > CACHE_LIMIT:
            kept = self._kept = Kept({}, [])
        cached, matches, add = kept.findings.get, kept.matches, mentions.append
        for run in self.scanners.runs.finditer(text):
            key = run.group()
            findings = cached((key, country, 0))
            if findings is None or findings.reads:
                if not relevant:
                    relevant = _EVERY_FACT if tables().water.search(text) is not None else DRY
                if findings is None or findings.reads & relevant:
                    findings = self._standing(kept, key, country, text, *run.span(), 0, relevant)
            lists_regions = lists_regions or findings.lists_regions
            if findings.mentions:
                start = run.start()
                for a, b, surface, match in findings.mentions:  # a loop, not a comprehension: most runs hold one
                    add(Mention(start + a, start + b, surface, matches[match]))
                settled = settled and findings.settled
            if findings.unresolved and candidates:
                start = run.start()
                unresolved += [
                    Unresolved(start + a, start + b, surface, None if best is None else matches[best])
                    for a, b, surface, best in findings.unresolved
                ]
        return Passes(mentions, unresolved, settled, lists_regions)

    def _standing(
        self, kept: Kept, run: str, country: str | None, text: str, start: int, end: int, outer: int, relevant: int
    ) -> Findings:
        """The findings of ``run``, standing at ``text[start:end]`` (``outer``: the facts around
        ``text``): those kept for the facts around the run that hold there, among those that its
        checks read there. Of the facts that may hold (``relevant``), those read first with none
        holding, then again with those that hold, until the checks read no other that holds: then
        the findings are those of the run where it stands."""
        findings = kept.findings.get((run, country, 0))
        if findings is None:
            findings = self._worked_out(kept, run, country, 0)
        facts = sides = 0  # the facts around the run that hold, on the sides (BEFORE, AFTER) read so far
        beside = 0
        while True:
            reads = findings.reads & relevant
            if reads & BEFORE and not sides & BEFORE:
                facts, sides = facts | before_at(text, start, outer), sides | BEFORE
            if reads & AFTER and not sides & AFTER:
                facts, sides = facts | after_at(text, end, outer), sides | AFTER
            holding = reads & facts & ~beside
            if not holding:
                return findings
            beside |= holding
            known = kept.findings.get((run, country, beside))
            findings = known if known is not None else self._worked_out(kept, run, country, beside)

    def _worked_out(self, kept: Kept, run: str, country: str | None, beside: int) -> Findings:
        """What passes 1-3 find in ``run`` between words of which the facts ``beside`` hold; kept."""
        lookup = self.lookup
        ahead = lookup.ahead_of(run) if country is None and not beside else None
        # A run is not cut inside an organisation's name (Kyiv School of Economics).
        cut = ahead is None and " " in run and not tables().organisations.search(run)
        parts = self.parts(run, country) if cut else None
        if parts is not None:
            findings = self._joined(kept, run, parts, country, beside)
        elif ahead is not None and ahead.alone is not None and ahead.placed >= lookup.threshold:
            # The run is a name, and a mention standing alone: what the passes would find.
            findings = kept.keep(Found([Mention(0, len(run), run, lookup.match(ahead, run))], [], ahead.alone), lookup.floors.sure)
        else:
            findings = kept.keep(passes(lookup, self.scanners.automaton, Site(run, country, beside)), lookup.floors.sure)
        if holds_region_word(run):  # Kherson regions
            findings = findings._replace(lists_regions=True)
        kept.findings[(run, country, beside)] = findings
        return findings

    def _joined(self, kept: Kept, run: str, parts: list[tuple[int, int]], country: str | None, beside: int) -> Findings:
        """What passes 1-3 find in ``run``, cut into ``parts`` (``parts``), between words of which
        the facts ``beside`` hold: what they find in each part, in the run."""
        relevant = _EVERY_FACT if beside & WATER or tables().water.search(run) is not None else DRY
        mentions: list[tuple[int, int, str, int]] = []
        unresolved: list[tuple[int, int, str, int | None]] = []
        reads, settled = 0, True
        for start, end in parts:
            found = self._standing(kept, run[start:end], country, run, start, end, beside, relevant)
            mentions += [(start + a, start + b, surface, match) for a, b, surface, match in found.mentions]
            unresolved += [(start + a, start + b, surface, best) for a, b, surface, best in found.unresolved]
            settled = settled and found.settled
            if start == 0:
                reads |= found.reads & BEFORE
            if end == len(run):
                reads |= found.reads & AFTER
        return Findings(reads, settled, False, tuple(unresolved), tuple(mentions))

    def parts(self, run: str, country: str | None) -> list[tuple[int, int]] | None:
        """The spans of ``run`` that no name of the gazetteer spans, or None when the run is one.

        A run is cut after a leading preposition (В | Нова Одеса) or a first word that opens no
        name (Жители | Нова Дача: ``opens_no_name``), and around a lowercase joining word that
        follows no word it follows in a name (Donetsk | and | Kharkiv, but Antigua and Barbuda).
        Lowercase words after a cut start no part: no name starts with one.
        """
        follows, leading = self.scanners.joins
        words = run.split()  # the run pattern puts one blank between two words
        parts: list[tuple[int, int]] = []
        start: int | None = 0
        end = len(words[0])  # of the word before
        for before, word in zip(words, words[1:]):
            begin = end + 1
            if end == len(before) and (  # the first word
                before in leading or word[:1].isupper() and self.opens_no_name(before, country)
            ):
                parts.append((0, end))
                start = begin if word[:1].isupper() else None
            elif word in follows and lowercase(before) not in follows[word]:
                if start is not None:
                    parts.append((start, end))
                start = None
            elif start is None and word[:1].isupper():
                start = begin
            end = begin + len(word)
        if start is not None:
            parts.append((start, end))
        return None if parts == [(0, len(run))] else parts

    def opens_no_name(self, word: str, country: str | None) -> bool:
        """Whether ``word``, first in a run, is no mention and begins no name of several words in any
        form the passes try: as spelt, in another spelling (``passes.spelled``), in an oblique case
        (``passes.phrases``), nor fuzzily. Then the passes find in the run what they find in its
        first word and in the rest apart, and each part is worked out once, not once for each pair:
        Ночью | Горішні Плавні, Residents | Bakhmut. Cached."""
        key = (word, country)
        opens = self._openers.get(key)
        if opens is None:
            form = normalize(word)
            words_of_names = self.lookup.gazetteer.index.words_of_names
            opens = not (
                not word.isalpha()  # a name may begin inside it: Kramatorsk-Malaya Nekhvoroshcha
                or is_mixed(word)
                or not words_of_names.isdisjoint(word_forms(form))  # as written or in an oblique case
                or word_key(word).partition(" ")[0] in self._first_keys
                or is_cyrillic(word[0]) and form.endswith(tables().phrase_endings)
            )
            if opens:
                best, chance = self.lookup.placed(word, country)
                opens = best is None or chance < self.lookup.threshold
            if len(self._openers) > CACHE_LIMIT:
                self._openers.clear()
            self._openers[key] = opens
        return opens

    @cached_property
    def _first_keys(self) -> frozenset[str]:
        """The first words of the spelling keys of names of several words."""
        return frozenset(key.partition(" ")[0] for key in self.lookup.gazetteer.index.keyed.texts if " " in key)
