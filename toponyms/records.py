"""Matches and mentions as plain JSON-ready records: the one place their shape is written.

``toponyms lookup --json`` writes a ``MatchRecord`` (the place in full, and how it was
found), ``toponyms lookup --explain --json`` an ``ExplanationRecord``; ``toponyms find --json``, ``distributed.find_records`` and the corpus report write
the short form of the place that a text names (``PlaceRecord``), with the span of the
mention and how it was found (``MentionRecord``, ``CandidateRecord``).

>>> from toponyms.model import Match, Mention, Name, Place
>>> place = Place("gn:704422", "Pokrovsk", "populated place", "UA", 48.28, 37.18, region="Donetsk Oblast")
>>> match = Match(place, 1.0, "exact", Name("Pokrovsk", "en", "official"))
>>> mention_record(Mention(3, 11, "Pokrovsk", match), where="news.txt:1")
... # doctest: +NORMALIZE_WHITESPACE
{'where': 'news.txt:1', 'start': 3, 'end': 11, 'text': 'Pokrovsk', 'id': 'gn:704422', 'name': 'Pokrovsk',
 'kind': 'populated place', 'country': 'UA', 'region': 'Donetsk Oblast', 'score': 1.0, 'method': 'exact',
 'matched': 'Pokrovsk'}
"""

from typing import TYPE_CHECKING, NotRequired, TypedDict

from toponyms.model import Match, Mention, Place

if TYPE_CHECKING:
    from toponyms.explanation import Evidence, Explanation

__all__ = [
    "CandidateRecord", "ConsideredRecord", "EvidenceRecord", "ExplanationRecord", "FilteredRecord", "HowRecord",
    "MatchRecord", "MentionRecord", "PlaceRecord", "candidate_record", "explanation_record", "how_record",
    "match_record", "mention_record", "place_record",
]  # fmt: skip


class PlaceRecord(TypedDict):
    """A place as a text names it: enough to tell it from its namesakes."""

    id: str
    name: str
    kind: str
    country: str
    region: str | None


class HowRecord(TypedDict):
    """How a name was resolved: its score, the step that found it and the gazetteer name it hit."""

    score: float
    method: str
    matched: str


class CandidateRecord(PlaceRecord, HowRecord):
    """A place and how it was found (the best candidate of a name left unresolved)."""


class MentionRecord(CandidateRecord):
    """A mention: ``where`` it was found (``file:line``, only if asked), its span and text in the record,
    then its place and how it was found."""

    where: NotRequired[str]
    start: int
    end: int
    text: str


class MatchRecord(TypedDict):
    """A match in full, as ``toponyms lookup --json`` writes it: the place with its codes and position."""

    id: str
    geonameid: int | None
    name: str
    kind: str
    region: str | None
    country: str
    lat: float
    lon: float
    population: int
    code: str | None
    raion: str | None
    hromada: str | None
    approximate: bool
    score: float
    method: str
    matched: str
    matched_status: str


def place_record(place: Place) -> PlaceRecord:
    """The short record of ``place``."""
    return {"id": place.id, "name": place.name, "kind": place.kind, "country": place.country, "region": place.region}


def how_record(match: Match) -> HowRecord:
    """How ``match`` was found."""
    return {"score": match.score, "method": match.method, "matched": match.matched.text}


def candidate_record(match: Match) -> CandidateRecord:
    """``match``'s place, short, and how it was found."""
    return {**place_record(match.place), **how_record(match)}


def mention_record(mention: Mention, where: str | None = None) -> MentionRecord:
    """``mention`` as a record; with ``where``, that comes first."""
    found: MentionRecord = {
        "start": mention.start, "end": mention.end, "text": mention.text, **candidate_record(mention.match)
    }  # fmt: skip
    return found if where is None else {"where": where, **found}


def match_record(match: Match) -> MatchRecord:
    """``match`` as a record, its place in full."""
    place = match.place
    return {
        "id": place.id,
        "geonameid": place.geonameid,
        "name": place.name,
        "kind": place.kind,
        "region": place.region,
        "country": place.country,
        "lat": place.lat,
        "lon": place.lon,
        "population": place.population,
        "code": place.code,
        "raion": place.raion,
        "hromada": place.hromada,
        "approximate": place.approximate,
        **how_record(match),
        "matched_status": match.matched.status,
    }


class EvidenceRecord(TypedDict):
    """One thing that moved a candidate's score, and by how much (``toponyms.explanation.Evidence``)."""

    name: str
    value: str
    effect: float


class ConsideredRecord(MatchRecord):
    """A candidate of an explanation: the match in full and its evidence."""

    evidence: list[EvidenceRecord]


class FilteredRecord(PlaceRecord):
    """A plausible place the formula never scored, and the rule that dropped it."""

    method: str
    matched: str
    reason: str


class ExplanationRecord(TypedDict):
    """Why a name resolved as it did (``toponyms.explanation.Explanation``)."""

    query: str
    normalized: str
    scoring: str
    threshold: float
    answer: MatchRecord | None
    considered: int
    no_place: float | None
    no_place_evidence: list[EvidenceRecord]
    candidates: list[ConsideredRecord]
    filtered: list[FilteredRecord]


def explanation_record(explanation: "Explanation") -> ExplanationRecord:
    """``explanation`` as a record."""

    def evidence(items: "tuple[Evidence, ...]") -> list[EvidenceRecord]:
        return [{"name": item.name, "value": item.value, "effect": item.effect} for item in items]

    e = explanation
    return {
        "query": e.query,
        "normalized": e.normalized,
        "scoring": e.scoring,
        "threshold": e.threshold,
        "answer": None if e.answer is None else match_record(e.answer),
        "considered": e.considered,
        "no_place": e.no_place,
        "no_place_evidence": evidence(e.no_place_evidence),
        "candidates": [{**match_record(c.match), "evidence": evidence(c.evidence)} for c in e.candidates],
        "filtered": [
            {**place_record(f.place), "method": f.method, "matched": f.matched.text, "reason": f.reason}
            for f in e.filtered
        ],
    }
