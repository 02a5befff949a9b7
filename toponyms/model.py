"""The typed, frozen records that flow through the pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, NamedTuple, get_args

Kind = Literal["country", "region", "district", "community", "populated place"]
Status = Literal["official", "variant", "former", "garbled"]

KINDS: tuple[str, ...] = get_args(Kind)  # in the order places are listed in
STATUSES: tuple[str, ...] = get_args(Status)


class Name(NamedTuple):
    """One name a place is known by, with what is known about it.

    A named tuple rather than a dataclass: a gazetteer holds a hundred thousand of
    them, and tuples are made (and unpickled) several times faster.
    """

    text: str
    lang: str | None = None
    status: Status = "variant"
    year: int | None = None  # for a former name: the year it was replaced
    source: str | None = None  # where a curated or garbled form was seen


@dataclass(frozen=True, slots=True)
class Place:
    """A gazetteer entry: a country, region, district (raion), community (hromada) or populated place.

    Ukrainian places carry their code in the national codifier (KATOTTG) and, below the
    region, the raion and hromada they belong to, by name and code. ``approximate`` says
    that ``lat``/``lon`` stand in for a position nobody recorded: the centre of the
    place's hromada, or of its raion or region.
    """

    id: str
    name: str
    kind: Kind
    country: str
    lat: float
    lon: float
    geonameid: int | None = None
    region: str | None = None
    population: int = 0
    names: tuple[Name, ...] = field(default=(), repr=False)
    code: str | None = None
    raion: str | None = None
    raion_code: str | None = None
    hromada: str | None = None
    hromada_code: str | None = None
    approximate: bool = False

    def __reduce__(self) -> tuple[type, tuple]:
        fields = (self.id, self.name, self.kind, self.country, self.lat, self.lon)
        hierarchy = (self.code, self.raion, self.raion_code, self.hromada, self.hromada_code, self.approximate)
        return Place, (*fields, self.geonameid, self.region, self.population, self.names, *hierarchy)

    def __str__(self) -> str:
        where = ", ".join(part for part in (self.region, self.country) if part)
        return f"{self.name} ({self.kind}, {where})" if where else self.name


@dataclass(frozen=True, slots=True)
class Match:
    """A place a query resolved to, how sure we are, and how it was found.

    ``method`` names the pipeline step that found it: ``exact``, ``normalized``,
    ``script`` (mixed-script repair), ``transliteration``, ``inflection`` or
    ``fuzzy``. ``matched`` is the gazetteer name that was hit.
    """

    place: Place
    score: float
    method: str
    matched: Name
    query: str = ""


@dataclass(frozen=True, slots=True)
class Mention:
    """A place mention in a text: ``text == source[start:end]``."""

    start: int
    end: int
    text: str
    match: Match


@dataclass(frozen=True, slots=True)
class Alias:
    """A new name learnt from a gloss ("Krasnorozhsk—known in Ukrainian as Покровsk")."""

    text: str  # the unknown name, as written
    place: Place  # the place of the known side of the gloss
    start: int  # span of the unknown name in the text
    end: int
    known: str  # the known side of the gloss, as written


@dataclass(frozen=True, slots=True)
class Unresolved:
    """A token that looks like a place name but resolved to nothing sure enough."""

    start: int
    end: int
    text: str
    best: Match | None = None  # the best candidate below the threshold, if any


@dataclass(frozen=True, slots=True)
class Scan:
    """Everything ``find`` learnt about one text: mentions, unresolved candidates, glossed aliases."""

    mentions: tuple[Mention, ...]
    unresolved: tuple[Unresolved, ...] = ()
    aliases: tuple[Alias, ...] = ()
