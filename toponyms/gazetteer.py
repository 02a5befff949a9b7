"""The gazetteer as the program uses it: places plus their index, compiled once and cached.

Parsing megabytes of YAML (``toponyms.yaml_reader``) and keying every name takes
seconds, so the result is kept in the private cache (``toponyms._cache``) under a
digest of the source files and of every file of the package: a changed source, a
changed rule or a changed table gives a new digest, so a stale copy is never used.
The places are pickled as columns of plain values, not as a million records: a
world gazetteer loads in about a second rather than three.
"""

from __future__ import annotations

import os
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import fields
from functools import cached_property
from importlib.resources import files
from itertools import accumulate, islice, repeat
from pathlib import Path
from typing import Any, TypeVar, overload

from toponyms import _cache
from toponyms.index import Index
from toponyms.model import Name, Place
from toponyms.yaml_reader import GazetteerError, read_files

T = TypeVar("T")
_DERIVED_NAME = re.compile(r"[a-z0-9-]+")


def bundled_path() -> Path:
    """The gazetteer shipped with the package (``data/gazetteer.yaml`` in a source checkout)."""
    inside = Path(str(files("toponyms"))) / "data" / "gazetteer.yaml"
    if inside.is_file():
        return inside
    return Path(__file__).resolve().parent.parent / "data" / "gazetteer.yaml"


class Gazetteer:
    """A set of places and the index over their names."""

    def __init__(self, places: Iterable[Place], *, sources: Iterable[Path] = ()) -> None:
        self.places: Sequence[Place] = places if isinstance(places, PlaceTable) else tuple(places)
        self.sources: tuple[Path, ...] = tuple(sources)
        self.digest: str | None = None  # what the compiled copy is filed under; None in memory
        self._distinct: dict[str, frozenset[Any]] = {}
        self._columns: dict[str, list[Any]] = {}  # of places held in memory, read once

    @cached_property
    def _number_of(self) -> dict[str, int]:
        return {ident: number for number, ident in enumerate(self.column("id"))}

    def column(self, field: str) -> Sequence[Any]:
        """One field of every place, in order, without making the places of a compiled gazetteer."""
        if isinstance(self.places, PlaceTable):
            return self.places.column(field)
        found = self._columns.get(field)
        if found is None:
            found = self._columns[field] = [getattr(place, field) for place in self.places]
        return found

    @classmethod
    def load(cls, *paths: str | os.PathLike[str], cache: bool = True) -> Gazetteer:
        """Load gazetteer files, later ones adding places and names; none given: the bundled one.

        Raises GazetteerError, naming file, line and entry, for a malformed file.
        """
        sources = tuple(Path(path) for path in paths) or (bundled_path(),)
        blobs = []
        for source in sources:
            try:
                blobs.append(source.read_bytes())
            except OSError as error:
                raise GazetteerError(f"{source}: cannot read gazetteer file: {error}") from error
        digest = _cache.digest(blobs)
        store = _cache.Store.open() if cache else None
        name = f"toponyms-{digest}.pickle"
        gazetteer = store.read(name, cls) if store is not None else None
        if gazetteer is None:
            gazetteer = cls(read_files(sources, blobs), sources=sources)  # the bytes that were hashed
            gazetteer.index  # noqa: B018 - compile now, so that the cached copy carries it
            if store is not None:
                store.write(name, gazetteer)
        gazetteer.sources = sources
        gazetteer.digest = digest if store is not None else None
        return gazetteer

    def derived(
        self,
        name: str,
        build: Callable[[], T],
        *,
        kind: type | tuple[type, ...] = object,
        check: Callable[[Any], bool] | None = None,
    ) -> T:
        """What ``build()`` makes from this gazetteer, cached beside its compiled copy.

        It is filed under the gazetteer's digest, which covers the code and tables of the
        package as well as the sources: a change to any of them builds it anew. A cached
        copy that is not a ``kind``, or fails ``check``, is built anew too.
        """
        if not _DERIVED_NAME.fullmatch(name):
            raise ValueError(f"derived data is named in lowercase letters, digits and '-', not {name!r}")
        store = _cache.Store.open() if self.digest is not None else None
        if store is None:
            return build()
        target = f"toponyms-{self.digest}.{name}.pickle"
        value = store.read(target, kind)
        if value is not None and check is not None and not check(value):
            value = None
        if value is None:
            value = build()
            store.write(target, value)
        return value  # type: ignore[return-value]

    def __getstate__(self) -> dict[str, Any]:
        packed = self.places._packed if isinstance(self.places, PlaceTable) else _pack(self.places)
        state = {"places": packed, "sources": self.sources, "digest": self.digest}
        if "index" in self.__dict__:
            state["index"] = self.index
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(PlaceTable(state["places"]), sources=state["sources"])  # type: ignore[misc]
        self.digest = state["digest"]
        if "index" in state:
            self.__dict__["index"] = state["index"]

    @cached_property
    def index(self) -> Index:
        """The name index, built on first use."""
        return Index(self.places)

    def distinct(self, field: str) -> frozenset[Any]:
        """The values one field of the places takes (None left out), worked out once per gazetteer."""
        found = self._distinct.get(field)
        if found is None:
            found = self._distinct[field] = frozenset(value for value in self.column(field) if value is not None)
        return found

    @cached_property
    def areas(self) -> dict[str, frozenset[str]]:
        """The codes of the raions and hromadas, under their codes and their canonical names (which repeat)."""
        areas: dict[str, set[str]] = {}
        for kind, code, name in zip(self.column("kind"), self.column("code"), self.column("name")):
            if kind in ("district", "community") and code:
                areas.setdefault(code, set()).add(code)
                areas.setdefault(name, set()).add(code)
        return {key: frozenset(codes) for key, codes in areas.items()}

    @cached_property
    def _number_of_code(self) -> dict[str, int]:
        return {code: number for number, code in enumerate(self.column("code")) if code is not None}

    def by_code(self, code: str) -> Place | None:
        """The place with codifier code ``code`` (KATOTTG: ``UA14160210010099403``), or None."""
        number = self._number_of_code.get(code)
        return None if number is None else self.places[number]

    def get(self, ident: str, default: Place | None = None) -> Place | None:
        """The place with id ``ident``, or ``default``."""
        number = self._number_of.get(ident)
        return default if number is None else self.places[number]

    def __getitem__(self, ident: str) -> Place:
        return self.places[self._number_of[ident]]

    def __contains__(self, ident: object) -> bool:
        return ident in self._number_of

    def __iter__(self) -> Iterator[Place]:
        return iter(self.places)

    def __len__(self) -> int:
        return len(self.places)

    def __repr__(self) -> str:
        names = ", ".join(str(source) for source in self.sources) or "in memory"
        return f"<Gazetteer {len(self)} places from {names}>"


PLACE_COLUMNS = tuple(field.name for field in fields(Place) if field.name != "names")
SHARED = frozenset({"kind", "country", "region", "raion", "raion_code", "hromada", "hromada_code"})  # few distinct values


def _pack(places: Sequence[Place]) -> tuple[list[list[Any]], list[int], list[list[Any]]]:
    """Places as columns: theirs, the number of names of each, and their names' (text, lang, status, year, source).

    Equal small values (kinds, countries, languages, statuses) become one object,
    which pickle writes once and then refers back to.
    """
    shared: dict[Any, Any] = {}

    def column(values: Iterable[Any], share: bool) -> list[Any]:
        return [shared.setdefault(value, value) for value in values] if share else list(values)

    columns = [column((getattr(place, field) for place in places), field in SHARED) for field in PLACE_COLUMNS]
    names = [name for place in places for name in place.names]
    name_columns = [column((name[i] for name in names), i > 0) for i in range(len(Name._fields))]
    return columns, [len(place.names) for place in places], name_columns


def _unpack(packed: tuple[list[list[Any]], list[int], list[list[Any]]]) -> list[Place]:
    """The places of ``_pack``, rebuilt by C-level loops where Python allows."""
    columns, counts, name_columns = packed
    names = map(tuple.__new__, repeat(Name), zip(*name_columns))
    grouped = [tuple(islice(names, count)) for count in counts]
    # Made as unpickling makes objects, empty and then filled: a field at a time across
    # all places runs in C, where the frozen dataclass's __init__ for each place did not.
    places = list(map(object.__new__, repeat(Place, len(counts))))
    for field, values in zip((*PLACE_COLUMNS, "names"), (*columns, grouped)):
        deque(map(getattr(Place, field).__set__, places, values), maxlen=0)
    return places


class PlaceTable(Sequence[Place]):
    """The places of a compiled gazetteer, kept as columns: a place is made when it is first asked for.

    A lookup needs a handful of the tens of thousands of places, so start-up makes none;
    going over all of them (building the text scanner) makes them all at once, at C speed.
    """

    def __init__(self, packed: tuple[list[list[Any]], list[int], list[list[Any]]]) -> None:
        self._packed = packed
        columns, counts, _ = packed
        self._columns = dict(zip(PLACE_COLUMNS, columns))
        self._starts = list(accumulate(counts, initial=0))
        self._made: list[Place | None] = [None] * len(counts)
        self._all: list[Place] | None = None

    def column(self, field: str) -> list[Any]:
        """The values of one field (not ``names``), in place order."""
        return self._columns[field]

    def __len__(self) -> int:
        return len(self._made)

    @overload
    def __getitem__(self, number: int) -> Place: ...
    @overload
    def __getitem__(self, number: slice) -> list[Place]: ...

    def __getitem__(self, number: int | slice) -> Place | list[Place]:
        if isinstance(number, slice):
            return [self[n] for n in range(*number.indices(len(self)))]
        if self._all is not None:
            return self._all[number]
        place = self._made[number]
        if place is None:
            place = self._made[number] = self._make(number % len(self._made))  # the index checked above
        return place

    def __iter__(self) -> Iterator[Place]:
        if self._all is None:
            made = _unpack(self._packed)
            # Places already handed out stay the same objects.
            self._all = [earlier or place for earlier, place in zip(self._made, made)]
        return iter(self._all)

    def __eq__(self, other: object) -> bool:
        """Equal to any sequence (a tuple of places, say) of the same places in the same order."""
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other))

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        return PlaceTable, (self._packed,)

    def _make(self, number: int) -> Place:
        name_columns = self._packed[2]
        start, end = self._starts[number], self._starts[number + 1]
        names = tuple(Name._make(column[i] for column in name_columns) for i in range(start, end))
        values = {field: column[number] for field, column in self._columns.items()}
        return Place(**values, names=names)
