"""The gazetteer as the program uses it: places plus their index, compiled once and cached.

Parsing megabytes of YAML and keying every name takes seconds, so the result is
pickled to a cache directory under a digest of everything it was made from —
the bytes of each source file and the code and tables that shape the index. A
changed file or a changed rule gives a new digest, so a stale copy is never used.
The places are pickled as columns of plain values, not as a million records: a
world gazetteer loads in about a second rather than three.
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import fields
from functools import cached_property
from importlib.resources import files
from itertools import islice, repeat
from pathlib import Path
from typing import Any, TypeVar

from toponyms.gazetteer import GazetteerError, read_files
from toponyms.index import Index
from toponyms.model import Name, Place

T = TypeVar("T")
FORMAT = b"toponyms-compiled-2"
KEEP_COMPILED = 16  # compiled files (gazetteers and what is derived from them) kept in the cache folder
# Modules and tables whose content decides what a compiled gazetteer holds.
SHAPING = (
    "model.py", "gazetteer.py", "normalize.py", "script.py", "transliterate.py", "keys.py",
    "index.py", "compiled.py", "data/spelling.json", "data/homoglyphs.json",
)  # fmt: skip


def bundled_path() -> Path:
    """The gazetteer shipped with the package (``data/gazetteer.yaml`` in a source checkout)."""
    inside = Path(str(files("toponyms"))) / "data" / "gazetteer.yaml"
    if inside.is_file():
        return inside
    return Path(__file__).resolve().parent.parent / "data" / "gazetteer.yaml"


def cache_dir() -> Path:
    """Where compiled gazetteers are kept: ``$TOPONYMS_CACHE`` or the user's cache folder."""
    explicit = os.environ.get("TOPONYMS_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "toponyms"


class Gazetteer:
    """A set of places and the index over their names."""

    def __init__(self, places: Iterable[Place], *, sources: Iterable[Path] = ()) -> None:
        self.places: tuple[Place, ...] = tuple(places)
        self.sources: tuple[Path, ...] = tuple(sources)
        self.digest: str | None = None  # what the compiled copy is filed under; None in memory
        self._by_id = {place.id: place for place in self.places}

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
        digest = _digest(blobs)
        target = cache_dir() / f"{digest}.pickle" if cache else None
        gazetteer = _read_cached(target, cls) if target is not None else None
        if gazetteer is None:
            gazetteer = cls(read_files(sources), sources=sources)
            gazetteer.index  # noqa: B018 - compile now, so that the cached copy carries it
            if target is not None:
                _write_atomically(target, gazetteer)
        gazetteer.sources = sources
        gazetteer.digest = digest if cache else None
        return gazetteer

    def derived(self, name: str, build: Callable[[], T], *, shaped_by: Iterable[str] = ()) -> T:
        """What ``build()`` makes from this gazetteer, cached beside its compiled copy.

        ``shaped_by`` names the package files whose content decides the result, so
        that a change to them, like a change to the gazetteer, builds it anew.
        """
        if self.digest is None:
            return build()
        key = hashlib.sha256(self.digest.encode())
        for part in shaped_by:
            key.update((files("toponyms") / part).read_bytes())
        target = cache_dir() / f"{key.hexdigest()[:32]}.{name}.pickle"
        value = _read_cached(target, object)
        if value is None:
            value = build()
            _write_atomically(target, value)
        return value

    def __getstate__(self) -> dict[str, Any]:
        state = {"places": _pack(self.places), "sources": self.sources, "digest": self.digest}
        if "index" in self.__dict__:
            state["index"] = self.index
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(_unpack(state["places"]), sources=state["sources"])  # type: ignore[misc]
        self.digest = state["digest"]
        if "index" in state:
            self.__dict__["index"] = state["index"]

    @cached_property
    def index(self) -> Index:
        """The name index, built on first use."""
        return Index(self.places)

    def get(self, ident: str, default: Place | None = None) -> Place | None:
        """The place with id ``ident``, or ``default``."""
        return self._by_id.get(ident, default)

    def __getitem__(self, ident: str) -> Place:
        return self._by_id[ident]

    def __contains__(self, ident: object) -> bool:
        return ident in self._by_id

    def __iter__(self) -> Iterator[Place]:
        return iter(self.places)

    def __len__(self) -> int:
        return len(self.places)

    def __repr__(self) -> str:
        names = ", ".join(str(source) for source in self.sources) or "in memory"
        return f"<Gazetteer {len(self)} places from {names}>"


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Unpickling a hundred thousand small objects runs faster without cyclic GC passes."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


PLACE_COLUMNS = tuple(field.name for field in fields(Place) if field.name != "names")
SHARED = frozenset({"kind", "country", "region"})  # columns of few distinct values


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


def _digest(blobs: Iterable[bytes]) -> str:
    digest = hashlib.sha256(FORMAT)
    package = files("toponyms")
    for part in SHAPING:
        digest.update((package / part).read_bytes())
    for blob in blobs:
        digest.update(len(blob).to_bytes(8, "little"))
        digest.update(blob)
    return digest.hexdigest()[:32]


def _read_cached(target: Path, kind: type[T]) -> T | None:
    """The object pickled at ``target`` if it is there, whole and a ``kind``; else None."""
    if not target.is_file():
        return None
    try:
        with target.open("rb") as stream, _collector_paused():
            value = pickle.load(stream)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        return None  # a damaged cache entry is rebuilt
    return value if isinstance(value, kind) else None


def _write_atomically(target: Path, value: object) -> None:
    """Pickle to a temporary file beside ``target``, then rename; a cache that cannot be written is skipped."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
        with os.fdopen(handle, "wb") as stream:
            pickle.dump(value, stream, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, target)
        _prune(target.parent)
    except OSError:
        pass


def _prune(folder: Path, keep: int = KEEP_COMPILED) -> None:
    """Remove all but the ``keep`` most recently written compiled files."""
    compiled = sorted(folder.glob("*.pickle"), key=lambda path: path.stat().st_mtime_ns, reverse=True)
    for stale in compiled[keep:]:
        stale.unlink(missing_ok=True)
