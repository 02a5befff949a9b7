"""Step 7: match and rank — from a name as it appears in text to gazetteer places.

The steps run cheapest first and stop at the first that finds anything:
exact, normalised and script-repaired names; then spelling keys and Russian
and Ukrainian case endings; then fuzzy matching, which everyday words skip. Each candidate place
is weighted by the status of the name that was hit (official over variant over
former), its population and the caller's hints; the score is the method's
confidence times the candidate's share of that weight, so a name that fits
thirty villages equally well scores lower than one that fits one town.
"""

from __future__ import annotations

import math
import numbers
import threading
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any, NamedTuple

from rapidfuzz import fuzz

from toponyms._data import words
from toponyms.chars import is_mixed
from toponyms.gazetteer import Gazetteer, bundled_path
from toponyms.inflect import derived, nominatives
from toponyms.keys import spelling_key
from toponyms.model import Match, Name, Place
from toponyms.normalize import normalize
from toponyms.script import readings
from toponyms.yaml_reader import GazetteerError

if TYPE_CHECKING:
    from toponyms.recall import Recall

# How sure each method is that the name it found is the name that was meant.
# Case, diacritics, apostrophes and look-alike letters carry no meaning, so the
# first three are equally sure: the answer must not change with them.
METHOD_SCORES = {
    "exact": 1.0,
    "normalized": 1.0,
    "script": 1.0,
    "transliteration": 0.94,
    "inflection": 0.92,
    "fuzzy": 0.9,  # scaled by similarity: see _strength
}
STATUS_WEIGHTS = {"official": 1.0, "variant": 0.8, "former": 0.5, "garbled": 0.5}
# A former name fades with the years since it was replaced: Krasnoarmeysk (until 2016) is
# still in the news, Pokrovsk as the name of Engels (until 1931) hardly.
FORMER_FLOOR = 0.3
FORMER_FADE_YEARS = 40.0
REFERENCE_YEAR = 2026  # fixed, so that scores do not drift with the calendar
# Countries and regions have no population of their own in the bundled data; these stand in.
KIND_FLOOR = {"country": 1_000_000, "region": 1_000_000, "district": 100_000, "populated place": 0}
# The weight a candidate keeps outside the country= hint, in a region other than those of region=, or
# outside the raions and hromadas of within=: under the formula, and for the document's places in text ...
OUTSIDE = 0.05
# ... and in the model's lookups, where the hints are the caller's word: a thousandth, so that the one
# place inside them outweighs all of its namesakes outside (the bundled gazetteer's 80 Novoselivka:
# 1 / (1 + 80 × 0.001) = 0.93 of their share), and a place outside is still answered when none inside is a
# candidate (the hints reweigh the candidates, whose share of the probability stays what it was).
CALLER_OUTSIDE = 0.001
NEAR_KM = 25.0  # a candidate this far from near= keeps half its weight
POPULATION_EXPONENT = 0.5  # a place's weight grows with the square root of its population ...
POPULATION_PSEUDO = 1_000  # ... plus this many, so that a place of unknown population counts too
SHARPNESS = 4  # how strongly a better match outweighs a bigger place in the share
SHARE_FLOOR = 0.55  # the score of a candidate with a tiny share of the weight, as a fraction
COMPARABLE = 2.0  # a namesake at least 1/COMPARABLE as heavy shares the floor of a name asked for alone
DEFAULT_THRESHOLD = 0.5
LOCAL_KINDS = frozenset({"district", "community", "populated place"})  # what within= prefers or not
FUZZY_CUTOFF = 0.8
OBSCURE_VARIANT = 0.7  # similarity of a key hit on a variant in no local language
OBSCURE_WEIGHT = 0.1  # status weight of such a variant: Uman as a name of Oman
# A query longer than this many times the gazetteer's longest name (normalised) matches none
# of its names, whatever case ending, spelling or typo it carries: it gets no candidate, rather
# than being cut to a length that may match ("Pokrovsk", 300 blanks, "Bakhmut" is no Pokrovsk).
QUERY_REACH = 2
FOUND_CACHE = 100_000  # queries whose candidates are kept, for ranking them again with other hints


class _Found(NamedTuple):
    """A candidate found for a query: its place and name (by number), how it matched and how well.
    A named tuple: made for every hit of every new query, where a frozen dataclass costs twice as much."""

    place: int
    name: int
    method: str
    similarity: float
    mainstream: bool


# The candidates found for a query, their strengths and their weights before hints.
Weighed = tuple[tuple[_Found, ...], tuple[float, ...], tuple[float, ...]]


class Resolver:
    """Resolves names against one gazetteer (the bundled one by default).

    ``scoring`` is the seam between two ways to score a name asked for alone (``resolve``,
    ``candidates``): ``"formula"`` (the default, for now) is the hand-tuned score below;
    ``"model"`` generates every plausible place (``toponyms.recall``) and makes ``Match.score``
    the probability, from the trained model of ``toponyms.decide``, that the name means it.
    ``text_scoring`` is the same seam for names lifted from running text (``candidates_in_text``,
    what ``find`` asks): ``"model"`` scores them by the model's ``text`` prior, and ``find`` then
    decides by floors chosen on that prior's calibration (``toponyms.extract.checks.FLOORS``).
    """

    scoring = "formula"  # or "model"; set on an instance to change one resolver (not kept by pickling)
    text_scoring = "formula"  # or "model"; set before the resolver's extractor is made (``extractor_for``)

    def __init__(self, gazetteer: Gazetteer | None = None, *, threshold: float = DEFAULT_THRESHOLD) -> None:
        self.gazetteer = gazetteer if gazetteer is not None else Gazetteer.load()
        self.threshold = threshold
        # Finding candidates costs more than ranking them: each query's are kept, with what of their
        # weights no hint changes.
        self._found: dict[tuple[str, bool, bool], Weighed] = {}
        self._scored: dict[tuple[str, str], tuple] = {}  # the model's, by query and prior (``decide.ranked``)

    def _codes_within(self, within: str | Iterable[str] | None) -> frozenset[str]:
        """The raion and hromada codes that ``within`` names; a ValueError names what it does not."""
        wanted = (within,) if isinstance(within, str) else tuple(within or ())
        areas = self.gazetteer.areas
        unknown = sorted(repr(area) for area in wanted if area not in areas)
        if unknown:
            raise ValueError(
                f"within= names no raion or hromada of the gazetteer: {', '.join(unknown)} "
                "(give its code, UA14160000000061982, or its name, 'Pokrovskyi Raion', 'Pokrovska hromada')"
            )
        return frozenset(code for area in wanted for code in areas[area])

    @cached_property
    def _reach(self) -> int:
        """The longest query that may match a name of the gazetteer (``QUERY_REACH``)."""
        return QUERY_REACH * self.gazetteer.index.longest

    @cached_property
    def recall(self) -> Recall:
        """Candidate generation for the model's scoring, over this resolver's gazetteer."""
        from toponyms.recall import Recall

        return Recall(self.gazetteer)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle as a reference to the gazetteer's files, its digest and the threshold, a few
        hundred bytes that ``shared_resolver`` turns back into a resolver loaded once per process.
        A gazetteer made in memory (no digest) travels by value."""
        gazetteer = self.gazetteer
        if gazetteer.digest is None:
            return Resolver, (gazetteer,), {"threshold": self.threshold}
        bundled = bundled_path().resolve()
        sources = tuple(None if path.resolve() == bundled else str(path.absolute()) for path in gazetteer.sources)
        return shared_resolver, (sources, gazetteer.digest, self.threshold)

    def resolve(
        self,
        name: str,
        *,
        country: str | None = None,
        near: tuple[float, float] | None = None,
        region: str | Iterable[str] | None = None,
        within: str | Iterable[str] | None = None,
        threshold: float | None = None,
    ) -> Match | None:
        """The best place for ``name``, or None when no candidate reaches the threshold.

        >>> resolve("Krasnoarmeysk").place.name
        'Pokrovsk'
        >>> resolve("Pushilin") is None
        True
        >>> resolve("Pokrovske", region="Luhansk Oblast").place.region
        'Luhansk Oblast'
        >>> resolve("Novoselivka", within="Pokrovskyi Raion").place.hromada
        'Ocheretynska hromada'
        """
        found = self.candidates(name, limit=1, country=country, near=near, region=region, within=within)
        limit = self.threshold if threshold is None else threshold
        return found[0] if found and found[0].score >= limit else None

    def candidates(
        self,
        name: str,
        *,
        limit: int = 5,
        country: str | None = None,
        near: tuple[float, float] | None = None,
        region: str | Iterable[str] | None = None,
        within: str | Iterable[str] | None = None,
    ) -> list[Match]:
        """Up to ``limit`` candidate places for ``name``, best first, each with its score.

        ``near=(lat, lon)`` prefers close places: one ``NEAR_KM`` away keeps half its
        weight. ``region`` (a region's name, "Kharkiv Oblast", or several) prefers the places in
        it, as ``country`` (ISO code) does those of a country, and ``within`` (raions and hromadas of
        Ukraine, by code or canonical name: "Pokrovskyi Raion") the places in them.

        A hint that names nothing raises ValueError: a ``near`` that is no (lat, lon) on Earth, a
        ``country`` or ``region`` that the gazetteer does not have. A query longer than twice the
        gazetteer's longest name (``QUERY_REACH``; 144 characters for the bundled one) can be no
        name of it and has no candidates.
        """
        return self._candidates(
            name, limit=limit, country=country, near=near, near_km=NEAR_KM, region=region, within=within, in_text=False
        )

    def candidates_in_text(
        self,
        surface: str,
        *,
        limit: int = 1,
        country: str | None = None,
        near: tuple[float, float] | None = None,
        near_km: float = NEAR_KM,
        regions: frozenset[str] = frozenset(),
        within: frozenset[str] = frozenset(),
        fuzzy: bool = True,
    ) -> list[Match]:
        """The extractor's entry (``toponyms.extract``): ``candidates`` for a ``surface`` lifted
        from running text, where a Cyrillic word's inflected readings compete with the names it
        spells exactly, and no namesake shares the floor of a name asked for alone. ``near_km``
        is how far from ``near`` a place keeps half its weight, ``regions`` are names of regions
        and ``within`` codes of raions and hromadas; ``fuzzy=False`` stops before fuzzy matching.
        """
        return self.place_in_text(
            surface, limit=limit, country=country, near=near, near_km=near_km, regions=regions, within=within, fuzzy=fuzzy
        )[1]

    def place_in_text(
        self,
        surface: str,
        *,
        limit: int = 1,
        country: str | None = None,
        near: tuple[float, float] | None = None,
        near_km: float = NEAR_KM,
        regions: frozenset[str] = frozenset(),
        within: frozenset[str] = frozenset(),
        fuzzy: bool = True,
    ) -> tuple[float, list[Match]]:
        """(how sure it is that ``surface`` names a place at all, ``candidates_in_text``). Under the
        model (``text_scoring``), 1 - P(no place): Novoselivka is surely a place, though which of
        eighty only the document's context can say. The formula knows no such thing: there it is the
        best candidate's score (0 without one)."""
        if self.text_scoring == "model":
            from toponyms.decide import ranked

            hints = self._hints(surface, country, near, near_km, regions, within, in_text=True)
            if hints is None:
                return 0.0, []
            none, found = ranked(self, surface.strip(), limit=limit, hints=hints, fuzzy=fuzzy, prior="text")
            return (1.0 - none if found else 0.0), found
        found = self._candidates(
            surface, limit=limit, country=country, near=near, near_km=near_km, region=regions, within=within,
            in_text=True, fuzzy=fuzzy,
        )  # fmt: skip
        return (found[0].score if found else 0.0), found

    def _hints(
        self,
        name: str,
        country: str | None,
        near: tuple[float, float] | None,
        near_km: float,
        region: str | Iterable[str] | None,
        within: str | Iterable[str] | None,
        *,
        in_text: bool,
    ) -> Hints | None:
        """The hints, checked (a ValueError for one that names nothing); None where ``name`` can have no
        candidate. A caller's hints under the model keep ``CALLER_OUTSIDE`` outside them; in text, and
        under the formula, ``OUTSIDE``."""
        if not isinstance(name, str):
            raise TypeError(
                f"toponyms resolves names given as str, got {type(name).__name__}; "
                "decode bytes first (name.decode('utf-8')) or pass str(value)"
            )
        self.check_country(country)
        near = _checked_near(near)
        regions = frozenset((region,) if isinstance(region, str) else region or ())
        known = self.gazetteer.distinct("region") if regions else regions
        if not regions <= known:
            unknown = ", ".join(sorted(map(repr, regions - known)))
            raise ValueError(
                f"region= names no region of the gazetteer: {unknown} (they are named as 'Luhansk Oblast')"
            )
        areas = self._codes_within(within) if within else frozenset()
        query = name.strip()
        if not query or len(query) > self._reach:
            return None
        outside = CALLER_OUTSIDE if not in_text and self.scoring == "model" else OUTSIDE
        return Hints(country.upper() if country else None, near, near_km, regions, areas, outside)

    def _candidates(
        self,
        name: str,
        *,
        limit: int,
        country: str | None,
        near: tuple[float, float] | None,
        near_km: float,
        region: str | Iterable[str] | None,
        within: str | Iterable[str] | None,
        in_text: bool,
        fuzzy: bool = True,
    ) -> list[Match]:
        """Candidates for ``name``, by ``candidates`` or ``candidates_in_text``."""
        hints = self._hints(name, country, near, near_km, region, within, in_text=in_text)
        if hints is None:
            return []
        query = name.strip()
        if (self.text_scoring if in_text else self.scoring) == "model":
            from toponyms.decide import rank

            return rank(self, query, limit=limit, hints=hints, fuzzy=fuzzy, prior="text" if in_text else "lookup")
        kept = self._found.get((query, in_text, fuzzy))
        if kept is None:
            kept = self._weighed(self._find(query, in_text, fuzzy))
            if len(self._found) >= FOUND_CACHE:
                self._found.clear()
            self._found[(query, in_text, fuzzy)] = kept
        return self._rank(query, *kept, limit=limit, hints=hints if hints else None, alone=not in_text)

    def check_country(self, country: str | None) -> None:
        """Raise ValueError unless ``country`` is None or the code of a country of the gazetteer ('UA', 'ua')."""
        if country is not None and (not isinstance(country, str) or country.upper() not in self.gazetteer.distinct("country")):
            raise ValueError(
                f"country= names no country of the gazetteer: {country!r} "
                "(a country is named by its ISO 3166-1 alpha-2 code, as 'UA')"
            )

    def _find(self, query: str, in_text: bool = False, fuzzy: bool = True) -> list[_Found]:
        index = self.gazetteer.index
        form = normalize(query)
        if not form:
            return []
        found: dict[int, _Found] = {}
        # The index's columns, read directly: this runs for every hit of every new query.
        owners, slots, mainstreams, places = index.owners, index.slots, index.mainstream, self.gazetteer.places

        def collect(hits: Iterable[int], method: str, similarity: float = 1.0) -> None:
            for hit in hits:
                place, slot, mainstream = owners[hit], slots[hit], bool(mainstreams[hit])
                # A spelling shared only with an obscure variant is weaker evidence.
                sure = OBSCURE_VARIANT if method == "transliteration" and not mainstream else similarity
                how = method
                if how == "normalized" and places[place].names[slot].text == query:
                    how = "exact"
                earlier = found.get(place)
                if earlier is None or _strength(how, sure) > _strength(earlier.method, earlier.similarity):
                    found[place] = _Found(place, slot, how, sure, mainstream)

        collect(index.by_form(form), "normalized")
        repaired = form
        if is_mixed(query):
            mended = [normalize(reading) for reading in readings(query)]
            for reading in mended:  # the first reading that finds anything
                collect(index.by_form(reading), "script")
                if found:
                    break
            repaired = mended[0]
        if found and in_text:
            # A word lifted from running text may be an inflected form that happens to
            # be a name too: в Покровске is Pokrovsk more often than a village Pokrovske.
            for nominative in nominatives(repaired, words_of_names=index.words_of_names):
                collect(index.by_form(nominative), "inflection")
        if found:
            return list(found.values())
        key = spelling_key(query)
        collect(index.by_key(key), "transliteration")
        for nominative in nominatives(repaired, words_of_names=index.words_of_names):
            collect(index.by_form(nominative), "inflection")
        if found:
            return list(found.values())
        if not fuzzy or form in words("ordinary_words"):
            return []  # an everyday word (Summit, Глава) is no misspelt place name
        for candidate, key_similarity in index.fuzzy(key, cutoff=FUZZY_CUTOFF):  # same first letter
            # A key folds away the letters the systems disagree on, and with them some
            # evidence; each name is also compared as written, and the two averaged.
            for hit in index.by_key(candidate):
                place, slot = index.owner(hit)
                name = normalize(self.gazetteer.places[place].names[slot].text)
                if derived(form, name):
                    continue
                collect((hit,), "fuzzy", (key_similarity + fuzz.ratio(form, name) / 100) / 2)
        return list(found.values())

    def _weighed(self, found: list[_Found]) -> Weighed:
        """``found`` with each candidate's strength and its weight before hints, as tuples: kept for
        every query, and tuples of numbers the garbage collector stops tracking once it has seen them."""
        places = self.gazetteer.places
        # A candidate's share of the weight counts how well it matched: a poor fuzzy
        # match to a big town must not crowd out a close match to a small one.
        strengths = tuple([_strength(f.method, f.similarity) for f in found])
        bases = tuple(
            [
                _weight(places[f.place], places[f.place].names[f.name], f.mainstream, None) * strength**SHARPNESS
                for f, strength in zip(found, strengths)
            ]
        )
        return tuple(found), strengths, bases

    def _rank(
        self,
        query: str,
        found: Sequence[_Found],
        strengths: Sequence[float],
        bases: Sequence[float],
        *,
        limit: int,
        hints: Hints | None,
        alone: bool = False,
    ) -> list[Match]:
        places = self.gazetteer.places
        candidates = [places[f.place] for f in found]
        weights = bases if hints is None else [base * hints.factor(place) for place, base in zip(candidates, bases)]
        total = sum(weights) or 1.0
        floors = _namesake_floors(found, places, weights, strengths) if alone else [SHARE_FLOOR] * len(found)
        confidences = [
            strength * (floor + (1 - SHARE_FLOOR) * weight / total)
            for weight, strength, floor in zip(weights, strengths, floors)
        ]
        # Rows compare as their keys (the number last, where the rest tie, keeps the order found);
        # the extractor asks for the best alone, which min() finds without sorting them all.
        rows = [
            (-round(confidence, 6), -weight, place.id, number)
            for number, (place, weight, confidence) in enumerate(zip(candidates, weights, confidences))
        ]
        best = [min(rows)] if limit == 1 and rows else sorted(rows)[:limit]
        matches = []
        for *_, number in best:
            f, place = found[number], candidates[number]
            matches.append(
                Match(place=place, score=round(confidences[number], 4), method=f.method, matched=place.names[f.name], query=query)
            )
        return matches


def _namesake_floors(
    found: Sequence[_Found], places: Sequence[Place], weights: Sequence[float], strengths: Sequence[float]
) -> list[float]:
    """Each candidate's floor, shared with its namesakes of comparable standing.

    The floor keeps a close match to a small place from vanishing beside big places of
    other names. But a name asked for alone that other places have too, matched as well,
    as a name of now (or each as a former name) and of comparable weight (at least
    1/COMPARABLE of its own), says no more of one than of the others: there the floor is
    split among them. A bare Novoselivka (one of eighty) is then answered with the little
    confidence it deserves, while a town among villages of its name (Kostiantynivka)
    keeps its floor, and Pokrovsk keeps its own beside Engels, once Pokrovsk.
    """
    groups = [(strength, places[f.place].names[f.name].status != "former") for f, strength in zip(found, strengths)]
    heavier: dict[tuple[float, bool], list[float]] = {}  # a name now (or once), matched as well: sorted weights
    for group, weight in zip(groups, weights):
        heavier.setdefault(group, []).append(weight)
    for group_weights in heavier.values():
        group_weights.sort()
    return [
        SHARE_FLOOR / max(len(heavier[group]) - bisect_left(heavier[group], weight / COMPARABLE), 1)
        for group, weight in zip(groups, weights)
    ]


def _checked_near(near: object) -> tuple[float, float] | None:
    """``near`` as (lat, lon), or a ValueError that says what a point is."""
    if near is None:
        return None
    try:
        lat, lon = near  # type: ignore[misc]
    except (TypeError, ValueError):
        raise ValueError(f"near= takes a point as (lat, lon), two numbers; got {near!r}") from None
    if not all(isinstance(value, numbers.Real) and not isinstance(value, bool) for value in (lat, lon)):
        raise ValueError(f"near= takes a point as (lat, lon), two numbers; got {near!r}")
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"near=({lat!r}, {lon!r}) is no point on Earth: lat must lie in [-90, 90] and lon in [-180, 180]")
    return lat, lon


def _strength(method: str, similarity: float) -> float:
    """How sure a method is; a fuzzy hit falls from 0.9 at identity to 0 at 50% similarity."""
    if method == "fuzzy":
        similarity = max(0.0, (similarity - 0.5) / 0.5)
    return METHOD_SCORES[method] * similarity


def _status_weight(name: Name) -> float:
    if name.status == "former" and name.year is not None:
        fade = math.exp(-max(0, REFERENCE_YEAR - name.year) / FORMER_FADE_YEARS)
        return FORMER_FLOOR + (1 - FORMER_FLOOR) * fade
    return STATUS_WEIGHTS.get(name.status, 0.5)


def _weight(place: Place, name: Name, mainstream: bool, hints: Hints | None) -> float:
    population = max(place.population, KIND_FLOOR.get(place.kind, 0))
    status = _status_weight(name) if mainstream or name.status != "variant" else OBSCURE_WEIGHT
    weight = status * (population + POPULATION_PSEUDO) ** POPULATION_EXPONENT
    return weight if hints is None else weight * hints.factor(place)


@dataclass(frozen=True, slots=True)
class Hints:
    """What the caller said of where the place is: country code, point, regions, raion and hromada codes."""

    country: str | None = None
    near: tuple[float, float] | None = None
    near_km: float = NEAR_KM
    regions: frozenset[str] = frozenset()
    areas: frozenset[str] = frozenset()
    outside: float = OUTSIDE  # the weight kept by a place outside the country, regions or areas

    def __bool__(self) -> bool:
        return bool(self.country or self.near is not None or self.regions or self.areas)

    def factor(self, place: Place) -> float:
        """How much the hints weigh ``place`` down: 1 for a place that fits them all."""
        factor = 1.0
        if self.country and place.country != self.country:
            factor *= self.outside
        if self.regions and place.region is not None and place.region not in self.regions:
            factor *= self.outside  # a region or country is in no region: the hint leaves it be
        if self.areas and place.kind in LOCAL_KINDS:
            if self.areas.isdisjoint((place.code, place.raion_code, place.hromada_code)):
                factor *= self.outside
        if self.near is not None:
            distance = _haversine_km(self.near, (place.lat, place.lon))
            factor /= 1 + (distance / self.near_km) ** 2
        return factor


def _haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lat2 = math.radians(a[0]), math.radians(b[0])
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(math.radians(b[1] - a[1]) / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


@cache
def default_resolver() -> Resolver:
    """The resolver over the bundled gazetteer, made on first use."""
    return Resolver()


_shared: dict[tuple[tuple[str | None, ...], str, float], Resolver] = {}
_sharing = threading.Lock()


def shared_resolver(sources: tuple[str | None, ...], digest: str, threshold: float) -> Resolver:
    """The resolver over the gazetteer files ``sources`` (None: the bundled one), made once per process.

    This is what a pickled resolver becomes, so the tasks of a worker process share one
    gazetteer (and one extractor: ``toponyms.extract.extractor_for``). Raises GazetteerError
    when the files found here are not those the resolver was pickled with (``digest``).
    """
    key = (sources, digest, threshold)
    with _sharing:
        if key not in _shared:
            if sources == (None,) and threshold == DEFAULT_THRESHOLD:
                resolver = default_resolver()
            else:
                paths = [bundled_path() if source is None else source for source in sources]
                resolver = Resolver(Gazetteer.load(*paths), threshold=threshold)
            if resolver.gazetteer.digest != digest:
                files = ", ".join(str(source or bundled_path()) for source in sources)
                raise GazetteerError(
                    f"{files}: not the gazetteer the resolver was pickled with (digest {digest}, here "
                    f"{resolver.gazetteer.digest}); every process needs the same toponyms and gazetteer files"
                )
            _shared[key] = resolver
        return _shared[key]


def resolve(
    name: str,
    *,
    country: str | None = None,
    near: tuple[float, float] | None = None,
    region: str | Iterable[str] | None = None,
    within: str | Iterable[str] | None = None,
) -> Match | None:
    """Resolve ``name`` against the bundled gazetteer; None when unsure. See ``Resolver.resolve``."""
    return default_resolver().resolve(name, country=country, near=near, region=region, within=within)


def candidates(
    name: str,
    *,
    limit: int = 5,
    country: str | None = None,
    near: tuple[float, float] | None = None,
    region: str | Iterable[str] | None = None,
    within: str | Iterable[str] | None = None,
) -> list[Match]:
    """Candidate places for ``name`` in the bundled gazetteer, best first. See ``Resolver.candidates``."""
    return default_resolver().candidates(name, limit=limit, country=country, near=near, region=region, within=within)
