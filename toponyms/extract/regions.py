"""Pass 4: lists of regions. The names before a word for regions are regions, not towns:
"the Zaporizhzhia and Kherson regions", "Донецькій та Луганській областях"."""

from __future__ import annotations

import re
from functools import cached_property

from toponyms.chars import is_cyrillic
from toponyms.extract.lookup import Lookup
from toponyms.extract.spans import Spans
from toponyms.extract.tables import LISTED, tables
from toponyms.extract.words import surface_forms, word_before
from toponyms.model import Match, Mention

REGION_LIST_REACH = 160  # characters a list of regions spans before its word for regions, at most
REGION_PREFIX = 4  # letters of a name that must begin a region's name for it to be tried as one


class RegionLists:
    """Finds the regions that lists name, against one lookup's gazetteer."""

    def __init__(self, lookup: Lookup) -> None:
        self.lookup = lookup

    def apply(self, text: str, country: str | None, mentions: list[Mention]) -> list[Mention]:
        """``mentions``, with the names before a word for regions taken for the regions: in
        "the Zaporizhzhia and Kherson regions", Zaporizhzhia Oblast and Kherson Oblast, not the
        towns. Called for a text one of whose runs holds such a word (``Passes.lists_regions``)."""
        known = tables()
        found: Spans | None = None
        for word in known.region_word.finditer(text):
            start, end = word.span()
            if not word_before(text, start)[:1].isupper():
                continue  # the regional governor
            # The list ends at the word: found searching from a little before it.
            listed = known.region_list.search(text, max(0, start - REGION_LIST_REACH), end)
            if listed is not None:
                found = self._listed(text, listed, country, found or Spans(mentions))
        return mentions if found is None else found.mentions()

    def _listed(self, text: str, listed: re.Match[str], country: str | None, found: Spans) -> Spans:
        """``found`` with the names of ``listed`` (a ``region_list`` match) taken for regions."""
        noun, plural = tables().region_nouns[listed.group(2)]
        names = list(LISTED.finditer(text, *listed.span(1)))
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

    def _region_at(self, text: str, start: int, end: int, noun: str, country: str | None, found: Spans) -> Match | None:
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
        if name[:REGION_PREFIX].lower() not in self._prefixes:
            return None
        cyrillic = is_cyrillic(name[0])
        if is_cyrillic(noun[0]) != cyrillic:  # Донецькій regional: a word for a region in the name's script
            noun = next((word for word in tables().region_singulars if is_cyrillic(word[0]) == cyrillic), noun)
        best = self.lookup.best(f"{name} {noun}", country, fuzzy=False)
        return best if best is not None and best.place.kind == "region" and best.score >= self.lookup.floors.sure else None

    @cached_property
    def _prefixes(self) -> frozenset[str]:
        """The first letters of the names of the gazetteer's regions, lowercase, in every spelling.
        Found by the column of kinds, so that only the regions are made of a compiled gazetteer's places."""
        gazetteer = self.lookup.gazetteer
        regions = (gazetteer.places[n] for n, kind in enumerate(gazetteer.column("kind")) if kind == "region")
        forms = (form for place in regions for name in place.names for form in surface_forms(name.text))
        return frozenset(form[:REGION_PREFIX] for form in forms)
