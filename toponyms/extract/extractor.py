"""The extractor: the passes over a text, in order, against one resolver's gazetteer."""

from __future__ import annotations

import re
from functools import partial

from toponyms.extract.checks import without_persons
from toponyms.extract.context import DocumentContext
from toponyms.extract.glosses import glosses
from toponyms.extract.lookup import Lookup
from toponyms.extract.memo import RunMemo
from toponyms.extract.passes import Passes, Site, passes, settles
from toponyms.extract.regions import RegionLists
from toponyms.extract.scanners import Scanners, are_stored_scanners, build
from toponyms.extract.tables import holds_region_word, tables
from toponyms.extract.words import overlaps
from toponyms.model import Alias, Mention, Scan, Unresolved
from toponyms.resolve import Resolver, default_resolver


class Extractor:
    """Finds place mentions in texts against one resolver's gazetteer (the bundled one by default).

    ``weak=True`` holds the resolver by a weak reference, as ``extractor_for`` does: the
    extractor then serves while the resolver is held elsewhere. Threads may share an extractor.
    """

    def __init__(self, resolver: Resolver | None = None, *, weak: bool = False) -> None:
        resolver = resolver if resolver is not None else default_resolver()
        self.lookup = Lookup(resolver, weak=weak)
        gazetteer = resolver.gazetteer
        stored = gazetteer.derived("name-scanners", partial(build, gazetteer), kind=tuple, check=are_stored_scanners)
        self.scanners = Scanners.stored(stored)
        self.memo = RunMemo(self.lookup, self.scanners)  # passes 1-3, run by run
        self._regions = RegionLists(self.lookup)  # pass 4
        self._context = DocumentContext(self.lookup)  # pass 6

    @property
    def resolver(self) -> Resolver:
        """The resolver whose gazetteer the extractor finds places of."""
        return self.lookup.resolver

    @property
    def runs(self) -> re.Pattern[str]:
        """The pattern of the runs of a text, the stretches that may hold a mention."""
        return self.scanners.runs

    def scan(self, text: str, *, country: str | None = None) -> Scan:
        """Mentions, unresolved candidates and glossed aliases of ``text``."""
        found, mentions, aliases = self._all_passes(text, country, candidates=True)
        unresolved: tuple[Unresolved, ...] = ()
        if found.unresolved:
            covered = [(m.start, m.end) for m in mentions]
            unresolved = tuple(u for u in found.unresolved if not overlaps(covered, u.start, u.end))
        return Scan(mentions=tuple(mentions), unresolved=unresolved, aliases=tuple(aliases))

    def find(self, text: str, *, country: str | None = None) -> list[Mention]:
        """Every place mention of ``text``: sorted, non-overlapping, ``m.text == text[m.start:m.end]``."""
        return self._all_passes(text, country, candidates=False)[1]

    def scan_runs(self, text: str, *, country: str | None = None) -> Passes:
        """What passes 1-3 find in ``text``, run by run, through the memo."""
        self._check(text, country)
        return self.memo.scan(text, country)

    def scan_whole(self, text: str, *, country: str | None = None) -> Passes:
        """What passes 1-3 find in ``text`` taken whole, as one run, without the memo: what
        ``scan_runs`` must find (a reference, slower: each call works everything out anew)."""
        self._check(text, country)
        found = passes(self.lookup, self.scanners.automaton, Site(text, country, 0))
        settled = all(settles(mention.match, self.lookup.floors.sure) for mention in found.mentions)
        return Passes(found.mentions, found.unresolved, settled, holds_region_word(text))

    def _check(self, text: str, country: str | None) -> None:
        if not isinstance(text, str):
            raise TypeError(f"find() takes the text as str, got {type(text).__name__}; decode bytes first")
        if country is not None:
            self.lookup.resolver.check_country(country)

    def _all_passes(
        self, text: str, country: str | None, *, candidates: bool
    ) -> tuple[Passes, list[Mention], list[Alias]]:
        """What passes 1-3 find in ``text`` (with its unresolved candidates if ``candidates``), then
        its mentions and aliases after all the passes."""
        self._check(text, country)
        # The checks before each pass are made here: most texts need few passes, and a call costs.
        found = self.memo.scan(text, country, candidates=candidates)
        mentions = found.mentions
        if found.lists_regions:
            mentions = self._regions.apply(text, country, mentions)
        aliases: list[Alias] = []
        if tables().gloss_cue.search(text):
            mentions, aliases = glosses(self.lookup, text, country, mentions)
        if not found.settled:
            mentions = self._context.settle(without_persons(text, mentions), country)
        return found, mentions, aliases
