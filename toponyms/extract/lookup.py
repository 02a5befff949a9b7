"""The extractor's way to the resolver: the best candidate of a surface, cached, and the
resolutions of the gazetteer's own names, worked out once per gazetteer ahead of any text."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import NamedTuple

from toponyms.chars import APOSTROPHES
from toponyms.extract.checks import FLOORS, Floors, judge
from toponyms.extract.scanners import SHORTEST_NAME
from toponyms.extract.words import CACHE_LIMIT, is_word_like
from toponyms.model import Match, Mention
from toponyms.resolve import Resolver

CONTEXT_KM = 150.0  # a document's places spread over a region: its centre is a loose hint
AHEAD = 250_000  # names whose resolution is worked out once per gazetteer, ahead of any text
NO_AREAS: frozenset[str] = frozenset()  # a text that names no region (raion, hromada) surely

# The best candidate of a surface: by surface, country, centre, regions, areas (None for none)
# whether fuzzily and how far from the centre a place keeps half its weight. Most keys then hold strings, numbers and None alone: tuples that the
# garbage collector stops tracking once it has seen them, where a cache of a hundred thousand
# keys holding sets would cost it time at each full collection.
_Query = tuple[str, str | None, tuple[float, float] | None, frozenset[str] | None, frozenset[str] | None, bool, float]
Stored = tuple  # an ``Ahead`` as the compiled cache keeps it: five or six fields


_UNKNOWN = object()  # a surface not looked up yet (None: one with no candidate)


class Ahead(NamedTuple):
    """How a name of the gazetteer resolves in running text, worked out ahead: its best
    candidate, and whether it is a mention standing as a run of its own.

    Stored as a plain tuple (tens of thousands unpickle at once, and the compiled cache loads
    no class of ours) and read through this record.
    """

    place: int  # number of the place in the gazetteer
    name: int  # number of the matched name among the place's
    method: str
    score: float
    alone: int | None  # standing alone: None if it is no mention there, else the facts around it its checks read
    chance: float | None = None  # under the model, how sure the name is a place at all (``Resolver.place_in_text``)

    @property
    def placed(self) -> float:
        """How sure it is that the name is a place at all: under the formula, its score."""
        return self.score if self.chance is None else self.chance


class Lookup:
    """The best candidates of the surfaces of texts against one resolver, cached.

    ``weak=True`` holds the resolver by a weak reference (``extractor_for`` does, so that its
    map keeps no resolver alive): the lookup then serves while the resolver is held elsewhere.
    """

    def __init__(self, resolver: Resolver, *, weak: bool = False) -> None:
        self._resolver: Callable[[], Resolver | None] = weakref.ref(resolver) if weak else (lambda: resolver)
        self.gazetteer = gazetteer = resolver.gazetteer
        # How names lifted from text are scored (``Resolver.text_scoring``), and the floors of find's decisions.
        self.scoring: str = resolver.text_scoring
        self.floors: Floors = FLOORS[self.scoring]
        # How each name of the gazetteer resolves, worked out once, ahead.
        resolved = "name-resolutions" if self.scoring == "formula" else f"name-resolutions-{self.scoring}"
        self.ahead: dict[str, Stored | None] = (
            gazetteer.derived(resolved, lambda: resolutions(resolver), kind=dict)
            if gazetteer.digest is not None
            else {}
        )
        self._best: dict[_Query, Match | None] = {}
        self._chances: dict[str, float] = {}  # under the model: how sure a surface with a candidate is a place
        self.no_place: set[tuple[str, str | None]] = set()  # capitalised words with no candidate at all

    @property
    def resolver(self) -> Resolver:
        """The resolver; a ReferenceError if a weakly held one is gone."""
        resolver = self._resolver()
        if resolver is None:
            raise ReferenceError("the resolver of this extractor is gone: hold the resolver while its extractor serves")
        return resolver

    @property
    def threshold(self) -> float:
        """How sure it must be that a name is a place for it to be a mention: the resolver's threshold,
        or ``Floors.place`` where higher."""
        return max(self.resolver.threshold, self.floors.place)

    def ahead_of(self, surface: str) -> Ahead | None:
        """How ``surface``, a name of the gazetteer, resolves alone, if worked out ahead."""
        stored = self.ahead.get(surface)
        return None if stored is None else Ahead(*stored)

    def best(
        self,
        surface: str,
        country: str | None,
        near: tuple[float, float] | None = None,
        regions: frozenset[str] = NO_AREAS,
        within: frozenset[str] = NO_AREAS,
        *,
        fuzzy: bool = True,
        near_km: float = CONTEXT_KM,
    ) -> Match | None:
        """The best candidate for ``surface``, or None if it has none; cached. A place ``near_km``
        from ``near`` keeps half its weight."""
        key = (surface, country, near, regions or None, within or None, fuzzy, near_km)
        best = self._best.get(key, _UNKNOWN)
        if best is not _UNKNOWN:
            return best
        chance = 0.0
        if country is None and near is None and not regions and not within and surface in self.ahead:
            ahead = self.ahead_of(surface)
            best = None if ahead is None else self.match(ahead, surface)
            chance = 0.0 if ahead is None else ahead.placed
        else:
            chance, found = self.resolver.place_in_text(
                surface, country=country, near=near, near_km=near_km, regions=regions, within=within, fuzzy=fuzzy
            )
            best = found[0] if found else None
        if len(self._best) > CACHE_LIMIT:
            self._best.clear()
            self._chances.clear()
            self.no_place.clear()
        if best is not None and self.scoring != "formula":
            self._chances[surface] = chance
        self._best[key] = best
        return best

    def placed(
        self,
        surface: str,
        country: str | None,
        near: tuple[float, float] | None = None,
        regions: frozenset[str] = NO_AREAS,
        within: frozenset[str] = NO_AREAS,
        *,
        fuzzy: bool = True,
        near_km: float = CONTEXT_KM,
    ) -> tuple[Match | None, float]:
        """(``best``, how sure it is that ``surface`` is a place at all: ``Resolver.place_in_text``).

        Under the formula that is the best candidate's score; under the model 1 - P(no place), which
        the hints do not change: kept by surface alone."""
        best = self.best(surface, country, near, regions, within, fuzzy=fuzzy, near_km=near_km)
        if best is None:
            return None, 0.0
        if self.scoring == "formula":
            return best, best.score
        chance = self._chances.get(surface)
        if chance is None:  # cleared by another thread meanwhile
            chance = self.resolver.place_in_text(surface, fuzzy=fuzzy)[0]
        return best, chance

    def match(self, ahead: Ahead, surface: str) -> Match:
        """The match that ``ahead`` stands for, of ``surface``."""
        place = self.gazetteer.places[ahead.place]
        return Match(place, ahead.score, ahead.method, place.names[ahead.name], surface)


def resolutions(resolver: Resolver) -> dict[str, Stored | None]:
    """How the capitalised names of the gazetteer resolve in running text: each one's ``Ahead``
    (as a plain tuple), or None. Mainstream names (official, former or in a local language) come
    first; past ``AHEAD`` names, the rest are resolved when met, so that a world gazetteer
    does not take minutes here."""
    places, index = resolver.gazetteer.places, resolver.gazetteer.index
    number = {id(place): n for n, place in enumerate(places)}
    hits = sorted(range(len(index.owners)), key=lambda hit: not index.is_mainstream(hit))
    table: dict[str, Stored | None] = {}
    own = {place.name for place in places}
    for hit in hits:
        if len(table) >= AHEAD:
            break
        place, slot = index.owner(hit)
        text = places[place].names[slot].text
        # The scan finds Truskavets' as Truskavets, but a place's own name as it is (Kem’): see scanners.build.
        mention_like = text[:1].isupper() and (text[-1] not in APOSTROPHES or text in own) and is_word_like(text)
        if text not in table and len(text) >= SHORTEST_NAME and mention_like:
            chance, found = resolver.place_in_text(text, near_km=CONTEXT_KM)
            kept = chance if resolver.text_scoring != "formula" else None
            table[text] = _ahead(text, found[0], number[id(found[0].place)], kept) if found else None
    return table


def _ahead(text: str, match: Match, place_number: int, chance: float | None) -> Stored:
    """What ``resolutions`` keeps of ``text`` resolved to ``match``: an ``Ahead``, stored."""
    verdict = judge(Mention(0, len(text), text, match), 0)  # alone: no word on either side
    alone = verdict.reads if verdict.fits else None
    stored = (place_number, match.place.names.index(match.matched), match.method, match.score, alone)
    return stored if chance is None else (*stored, chance)  # the formula's is its score: not kept
