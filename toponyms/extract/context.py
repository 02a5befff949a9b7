"""Pass 6: the document's context. An ambiguous name is resolved again, preferring places near
the document's surely resolved ones (those of its main country, if they lie in several), in the
regions it names surely and in the raions and hromadas it names surely."""

from __future__ import annotations

from collections.abc import Collection

from toponyms.extract.checks import AS_WRITTEN
from toponyms.extract.lookup import NO_AREAS, Lookup
from toponyms.extract.words import CACHE_LIMIT
from toponyms.model import Match, Mention
from toponyms.normalize import normalize
from toponyms.resolve import NEAR_KM

# How a mention must be found to anchor its document's context (with a score of ``Floors.sure``): a fuzzy
# match need not; an inflected or transliterated one may, as its canonical name will after clean().
ANCHORING = AS_WRITTEN | {"inflection", "transliteration"}
AREAS = frozenset({"district", "community"})  # raions and hromadas: a text that names one names its villages


class DocumentContext:
    """Settles the unsure mentions of a document by its sure ones, against one lookup's gazetteer."""

    def __init__(self, lookup: Lookup) -> None:
        self.lookup = lookup
        self._anchoring: dict[tuple[int, str | None], bool] = {}  # whether a place's name anchors, by id
        self._leading: dict[tuple[str, int], bool] = {}  # whether a name means its place alone too
        self._raions_named: dict[str, tuple[str | None, ...]] = {}  # the raions of the places of a name

    def settle(self, mentions: list[Mention], country: str | None) -> list[Mention]:
        """``mentions`` with the unsure ones resolved again near the document's anchors, in the
        regions it names surely ("Pokrovske in the Dnipropetrovsk region") and in the raions and
        hromadas it names surely ("Novoselivka, Pokrovsk district"). The anchors are the mentions
        sure as found, then also those whose canonical name is sure, as clean() writes them (DNPR,
        cleaned into Dnipro, anchors the cleaned text: so that clean() is idempotent, it anchors
        here too). Where none is sure, the unsure ones that lead (``_leads``) anchor instead, and a
        village is looked for among its namesakes in the anchors' raions (``_near``)."""
        # Loops rather than generators: this runs for most documents.
        anchors: list[Match] = []
        doubted: list[Mention] = []  # the unsure mentions: those that lead anchor where none is sure
        named: set[str] = set()
        areas: set[str] = set()
        unsure = False
        sure = self.lookup.floors.sure
        for mention in mentions:
            match = mention.match
            place = match.place
            if match.score < sure:
                unsure = unsure or match.method != "gloss"
                doubted.append(mention)
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
        # Only where no mention is sure (beside a sure Бахмут, Артемівськом, a form of Vilkhivskyi's
        # variant, would pull itself to Luhansk), and only for another unsure mention to settle by.
        # A leading mention is an anchor as it is: it is not resolved again near itself.
        leading = (
            {m.start for m in doubted if self._leads(m.match)} if not anchors and len(doubted) > 1 else set()
        )
        anchors = anchors or [m.match for m in doubted if m.start in leading]
        regions = frozenset(named) if named else NO_AREAS
        within = frozenset(areas) if areas else NO_AREAS
        near = centre(anchors, country)
        settled = (
            self._near(mentions, mentions, country, near, regions, within, anchors, leading)
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
            again = centre(anchored, country)
            if again is not None and again != near:
                # Again from the mentions as found: near the first centre, an unsure mention may have
                # become sure, and it is unsure in the cleaned text too (Proletarskiy, sure near
                # Donetsk alone, is another place near Donetsk and Velyka Novosilka).
                settled = self._near(mentions, settled, country, again, regions, within, anchored, written | leading)
        return settled

    def _near(
        self,
        found: list[Mention],
        settled: list[Mention],
        country: str | None,
        near: tuple[float, float] | None,
        regions: frozenset[str],
        within: frozenset[str],
        anchors: list[Match],
        kept: Collection[int] = (),
    ) -> list[Mention]:
        """``settled`` (``found``, or ``found`` settled in an earlier round) with the mentions unsure
        as found (but those starting at ``kept``) resolved again near ``near``, in ``regions`` and in
        the raions and hromadas ``within`` (by code). Where the text names none, and the nearest
        place is not what its name means alone, its namesake (by the name it was found by) in the
        raions of the ``anchors`` is preferred, the one nearest to an anchor there where several are:
        Novoselivka near Pokrovsk is in Pokrovsk's raion, but Покровске near Bakhmut is Pokrovsk, not
        the village Pokrovske of Bakhmut's raion, and Zaporizhia is the city wherever its namesake
        villages are."""
        again = []
        threshold, sure = self.lookup.threshold, self.lookup.floors.sure
        beside = self._raions(anchors)
        for mention, current in zip(found, settled):
            if mention.match.score < sure and mention.match.method != "gloss" and mention.start not in kept:
                better, chance = self.lookup.placed(mention.text, country, near, regions, within)
                if (
                    better is not None
                    and beside
                    and not within
                    and better.place.raion_code not in beside
                    and self._named_beside(better.matched.text, beside)
                    and not self._leads(better)
                ):
                    local, local_chance = self.lookup.placed(mention.text, country, near, regions, beside)
                    if local is not None and local.matched.text == better.matched.text:
                        better, chance = self._nearest_namesake(mention.text, local, local_chance, anchors, country, regions)
                if better is not None and chance >= threshold:
                    current = Mention(mention.start, mention.end, mention.text, better)
            again.append(current)
        return again

    def _nearest_namesake(
        self, surface: str, found: Match, chance: float, anchors: list[Match], country: str | None, regions: frozenset[str]
    ) -> tuple[Match, float]:
        """Among the namesakes of ``found`` in its raion, the one nearest to the first anchor there (a
        place ``NEAR_KM`` from it keeps half its weight, as with ``resolve(near=...)``): Vesele near
        Pokrovsk is the Vesele 15 km from it, not another of Pokrovskyi raion's three. With how sure it
        is that ``surface`` is a place (``chance`` for ``found``), as ``Lookup.placed`` says."""
        raion = found.place.raion_code
        anchor = next((match.place for match in anchors if match.place.raion_code == raion), None)
        if anchor is None:
            return found, chance
        close = (round(anchor.lat, 2), round(anchor.lon, 2))  # about a kilometre: documents share cached answers
        nearest, near_chance = self.lookup.placed(surface, country, close, regions, frozenset((raion,)), near_km=NEAR_KM)
        return (nearest, near_chance) if nearest is not None and nearest.matched.text == found.matched.text else (found, chance)

    def _named_beside(self, name: str, raions: frozenset[str]) -> bool:
        """Whether a place in ``raions`` (by code) has ``name``: read off the name index and the raion
        column, making no places; the raions of each name are cached."""
        named_in = self._raions_named.get(name)
        if named_in is None:
            index, raion_of = self.lookup.gazetteer.index, self.lookup.gazetteer.column("raion_code")
            # A tuple, which the garbage collector stops tracking, as it does not a frozenset.
            named_in = tuple({raion_of[index.owners[hit]] for hit in index.by_form(normalize(name))})
            if len(self._raions_named) > CACHE_LIMIT:
                self._raions_named.clear()
            self._raions_named[name] = named_in
        return not raions.isdisjoint(named_in)

    def _raions(self, anchors: list[Match]) -> frozenset[str]:
        """The raions of ``anchors`` (by code) that the gazetteer has: a city of an oblast's rank has its
        oblast's code for one."""
        if not anchors:
            return NO_AREAS
        raions = self.lookup.gazetteer.areas
        return frozenset([m.place.raion_code for m in anchors if m.place.raion_code in raions])

    def _leads(self, match: Match) -> bool:
        """Whether ``match``, unsure, anchors all the same: found as an anchor must be (``ANCHORING``), a
        populated place at least at the threshold, which its name means when asked for alone too, where
        namesakes of comparable weight would share it (Pokrovsk beside Engels' former name, but not
        one Novoselivka of dozens). Cached."""
        place = match.place
        if match.method not in ANCHORING or place.kind != "populated place" or match.score < self.lookup.threshold:
            return False
        key = (match.query, id(place))
        leads = self._leading.get(key)
        if leads is None:
            alone = self.lookup.resolver.resolve(match.query)
            leads = alone is not None and alone.place is place
            if len(self._leading) > CACHE_LIMIT:  # keyed by the surfaces of texts: bounded as the lookup is
                self._leading.clear()
            self._leading[key] = leads
        return leads

    def _anchors_when_written(self, match: Match, country: str | None) -> bool:
        """Whether the canonical name of ``match``'s place, written in a text, anchors its context; cached."""
        key = (id(match.place), country)  # the gazetteer's places live as long as the extractor
        anchors = self._anchoring.get(key)
        if anchors is None:
            written = self.lookup.best(match.place.name, country) if match.place.kind == "populated place" else None
            anchors = (
                written is not None
                and written.place is match.place
                and written.method in ANCHORING
                and written.score >= self.lookup.floors.sure
            )
            self._anchoring[key] = anchors
        return anchors


def centre(anchors: list[Match], country: str | None) -> tuple[float, float] | None:
    """The centre of ``anchors`` (in the order of the text) in the main country (``country``, or
    that of most of them), in whole degrees (hint enough at 150 km, and documents share cached
    answers); None without anchors."""
    if not anchors:
        return None
    if len(anchors) == 1:  # as in most documents: its place is the centre
        return round(anchors[0].place.lat), round(anchors[0].place.lon)
    # Counted, not weighed by score: a sure name and its canonical name (Rostov at 0.94, Rostov-on-Don
    # at 1.0) must give the same main country, so that clean() is idempotent. A tie goes to the
    # country named first (``anchors`` are in the order of the text).
    places = [match.place for match in anchors]
    focus = country or places[0].country
    local = [place for place in places if place.country == focus]
    if country is None and len(local) < len(places):
        votes: dict[str, int] = {}
        for place in places:
            votes[place.country] = votes.get(place.country, 0) + 1
        focus = max(votes, key=votes.__getitem__)
        local = [place for place in places if place.country == focus]
    # Distance is the hint, not the country, which the caller alone may impose (Pokrovsk near
    # Rostov is in Ukraine, 220 km away).
    local = local or places
    return round(sum([p.lat for p in local]) / len(local)), round(sum([p.lon for p in local]) / len(local))
