"""The gazetteer as the program uses it: places plus their index, compiled once and cached.

Parsing megabytes of YAML and keying every name takes seconds, so the result is
pickled to a cache directory under a digest of everything it was made from —
the bytes of each source file and the code and tables that shape the index. A
changed file or a changed rule gives a new digest, so a stale copy is never used.
The places are pickled as columns of plain values, not as a million records: a
world gazetteer loads in about a second rather than three.

A pickle can run code, so the cache trusts nothing it did not write itself:

- the folder is private (made 0700) and must belong to the user and be writable by
  no one else; a file must belong to the user and be writable by no one else. A
  folder that is not is not used (one line on the ``toponyms`` logger says why), a
  file that is not is compiled anew in its place. The default folder, if it is the
  user's own, is made private instead (earlier versions made it with the umask);
- every file carries an HMAC-SHA256, under a random key kept in the folder
  (``toponyms.key``, 0600), of its name and its content, checked before anything is
  unpickled: a damaged, swapped or planted file is compiled anew, never served;
- what is unpickled may only name the classes listed in ``_ALLOWED`` (``_Unpickler``),
  so that even a file that passes can construct those and nothing else.

The cache writes files named ``toponyms-<digest>[.<what>].pickle`` (and temporaries
``toponyms-*.tmp``) and only ever removes such files, and those an earlier version
wrote (``<digest>[.name-scanners|.name-resolutions].pickle``, which are never read).
"""

from __future__ import annotations

import gc
import hashlib
import hmac
import io
import os
import pickle
import re
import stat
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import fields
from functools import cached_property
from importlib.resources import files
from itertools import accumulate, islice, repeat
from pathlib import Path
from typing import Any, TypeVar, overload

from toponyms.gazetteer import GazetteerError, read_files
from toponyms.index import Index
from toponyms.model import Name, Place

T = TypeVar("T")
FORMAT = b"toponyms-compiled-3"
KEEP_COMPILED = 16  # compiled files (gazetteers and what is derived from them) kept in the cache folder
MAGIC = b"toponyms compiled 3\n"  # opens every file the cache writes, before its HMAC and its pickle
KEY_FILE = "toponyms.key"
KEY_BYTES = 32
STALE_TEMPORARY = 3600  # seconds after which a temporary file is taken for one a killed process left
_OURS = re.compile(r"toponyms-[0-9a-f]{32}(?:\.[a-z0-9-]+)?\.pickle")  # the names only this cache writes
_EARLIER = re.compile(r"[0-9a-f]{32}(?:\.name-scanners|\.name-resolutions)?\.pickle")  # unsigned, never read
_TEMPORARY = re.compile(r"toponyms-[a-z0-9_]+\.tmp")
_DERIVED_NAME = re.compile(r"[a-z0-9-]+")
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
        self.places: Sequence[Place] = places if isinstance(places, PlaceTable) else tuple(places)
        self.sources: tuple[Path, ...] = tuple(sources)
        self.digest: str | None = None  # what the compiled copy is filed under; None in memory
        self._distinct: dict[str, frozenset[Any]] = {}

    @cached_property
    def _number_of(self) -> dict[str, int]:
        return {ident: number for number, ident in enumerate(self.column("id"))}

    def column(self, field: str) -> Sequence[Any]:
        """One field of every place, in order, without making the places of a compiled gazetteer."""
        if isinstance(self.places, PlaceTable):
            return self.places.column(field)
        return [getattr(place, field) for place in self.places]

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
        store = _Store.open() if cache else None
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
        shaped_by: Iterable[str] = (),
        kind: type | tuple[type, ...] = object,
        check: Callable[[Any], bool] | None = None,
    ) -> T:
        """What ``build()`` makes from this gazetteer, cached beside its compiled copy.

        ``shaped_by`` names the package files whose content decides the result, so
        that a change to them, like a change to the gazetteer, builds it anew. A cached
        copy that is not a ``kind``, or fails ``check``, is built anew too.
        """
        if not _DERIVED_NAME.fullmatch(name):
            raise ValueError(f"derived data is named in lowercase letters, digits and '-', not {name!r}")
        store = _Store.open() if self.digest is not None else None
        if store is None:
            return build()
        key = hashlib.sha256(self.digest.encode())  # type: ignore[union-attr]
        for part in shaped_by:
            key.update((files("toponyms") / part).read_bytes())
        target = f"toponyms-{key.hexdigest()[:32]}.{name}.pickle"
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


def _digest(blobs: Iterable[bytes]) -> str:
    digest = hashlib.sha256(FORMAT)
    package = files("toponyms")
    for part in SHAPING:
        digest.update((package / part).read_bytes())
    for blob in blobs:
        digest.update(len(blob).to_bytes(8, "little"))
        digest.update(blob)
    return digest.hexdigest()[:32]


# --- the cache folder ------------------------------------------------------------------------

_warned: set[str] = set()


def _warn(message: str) -> None:
    """One line on the ``toponyms`` logger (stderr, unless logging is set up), once per process."""
    if message not in _warned:
        _warned.add(message)
        import logging  # only here: a load that warns of nothing does not pay for importing it

        logging.getLogger("toponyms").warning("toponyms: %s", message)


def _unsafe(info: os.stat_result, *, folder: bool = False, secret: bool = False) -> str | None:
    """Why a folder or file of the cache cannot be trusted, or None if it can.

    It must be a folder (or a regular file), belong to the user and be writable by
    no one else; a ``secret`` must be readable by no one else either.
    """
    if folder and not stat.S_ISDIR(info.st_mode):
        return "it is not a folder"
    if not folder and not stat.S_ISREG(info.st_mode):
        return "it is not a regular file"
    user = os.geteuid() if hasattr(os, "geteuid") else None
    if user is not None and info.st_uid != user:
        return f"it belongs to user {info.st_uid}, not to you ({user})"
    others = info.st_mode & (0o077 if secret else 0o022)
    if user is not None and others:
        who = " and ".join(who for who, bits in (("group", 0o070), ("others", 0o007)) if others & bits)
        return f"{who} can {'read or write' if secret else 'write'} it (mode {stat.S_IMODE(info.st_mode):04o})"
    return None


class _Store:
    """The cache folder, once it is known to be private, and the key its files are signed with."""

    def __init__(self, folder: Path, key: bytes) -> None:
        self.folder = folder
        self.key = key

    @classmethod
    def open(cls) -> _Store | None:
        """The user's private cache folder (made 0700 if it is not there), or None, said why, if it cannot be used."""
        folder = cache_dir()
        try:
            folder.parent.mkdir(parents=True, exist_ok=True)
            try:
                folder.mkdir(mode=0o700)
            except FileExistsError:
                pass
            info = folder.stat()
            problem = _unsafe(info, folder=True)
            if problem is not None and not os.environ.get("TOPONYMS_CACHE") and _tightened(folder, info):
                problem = _unsafe(folder.stat(), folder=True)
        except OSError as error:
            problem = f"it cannot be made or read ({error.strerror or error})"
        if problem is None:
            key = _key(folder)
            if key is not None:
                return cls(folder, key)
            return None
        _warn(
            f"not using the cache folder {folder}: {problem}; compiling the gazetteer in memory "
            "(make it yours and private, chmod 700, or set TOPONYMS_CACHE to a folder that is)"
        )
        return None

    def read(self, name: str, kind: type[T] | tuple[type, ...]) -> T | None:
        """The object cached as ``name`` if it is there, signed with this folder's key for that name and a ``kind``."""
        target = self.folder / name
        try:
            handle = os.open(target, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0))
        except OSError:
            return None  # not there (or a link): compiled anew
        with os.fdopen(handle, "rb") as stream:
            info = os.fstat(handle)
            problem = _unsafe(info)
            if problem is not None:
                _warn(f"not reading the cached {target}: {problem}; compiling it anew")
                return None
            try:
                head = stream.read(len(MAGIC) + hashlib.sha256().digest_size)
                payload = stream.read(max(info.st_size - len(head), 0))  # a size: read() to the end is 10x slower
            except OSError:
                return None
        if head[: len(MAGIC)] != MAGIC or not hmac.compare_digest(head[len(MAGIC) :], _sign(self.key, name, payload)):
            return None  # damaged, swapped, planted or under another key: compiled anew, never served
        try:
            with _collector_paused():
                value = _Unpickler(io.BytesIO(payload)).load()
        except _Refused as refused:
            _warn(f"{target}: {refused}; compiling it anew")
            return None
        except Exception:  # noqa: BLE001 - signed here yet unreadable (by a build of other classes): compiled anew
            return None
        return value if isinstance(value, kind) else None  # type: ignore[return-value]

    def write(self, name: str, value: object) -> None:
        """Sign and pickle ``value`` to a temporary file beside ``name``, then rename; one that cannot be written is
        skipped, and no temporary file is left behind."""
        temporary = None
        try:
            handle, temporary = tempfile.mkstemp(dir=self.folder, prefix="toponyms-", suffix=".tmp")  # made 0600
            with os.fdopen(handle, "wb") as stream:
                signing = _Signing(stream, self.key, name)
                stream.write(MAGIC + bytes(signing.mac.digest_size))
                pickle.dump(value, signing, protocol=pickle.HIGHEST_PROTOCOL)
                stream.seek(len(MAGIC))
                stream.write(signing.mac.digest())
            os.replace(temporary, self.folder / name)
            temporary = None
            _prune(self.folder)
        except OSError:
            pass
        finally:
            if temporary is not None:
                try:
                    os.unlink(temporary)
                except OSError:
                    pass


def _tightened(folder: Path, info: os.stat_result) -> bool:
    """Make the default cache folder private if it is the user's own and others can write it; whether it was.

    Earlier versions made it with the umask (0775 under umask 002). Its files stay suspect,
    and each is still checked: a file someone else planted belongs to them or fails its HMAC.
    A folder named by ``TOPONYMS_CACHE`` is the user's choice and is never changed.
    """
    if not stat.S_ISDIR(info.st_mode) or not hasattr(os, "geteuid") or info.st_uid != os.geteuid():
        return False
    os.chmod(folder, 0o700)
    _warn(f"made the cache folder {folder} private (its mode was {stat.S_IMODE(info.st_mode):04o}, now 0700)")
    return True


def _key(folder: Path) -> bytes | None:
    """The folder's signing key, made on first use; None (said why) if it is not private or cannot be made."""
    path = folder / KEY_FILE
    for _ in range(3):
        try:
            handle = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0))
        except FileNotFoundError:
            if not _new_key(folder, path, replace=False):
                return None
            continue
        except OSError as error:
            _warn(f"not using the cache folder {folder}: its key {path} cannot be read ({error.strerror or error})")
            return None
        with os.fdopen(handle, "rb") as stream:
            problem = _unsafe(os.fstat(handle), secret=True)
            key = b"" if problem else stream.read(KEY_BYTES + 1)
        if problem is not None:
            _warn(f"not using the cache folder {folder}: its key {path}: {problem}")
            return None
        if len(key) == KEY_BYTES:
            return key
        if not _new_key(folder, path, replace=True):  # a damaged key: a new one, so that every file is made anew
            return None
    return None


def _new_key(folder: Path, path: Path, *, replace: bool) -> bool:
    """Put a new random key at ``path``, whole or not at all; unless ``replace``, one made meanwhile is kept."""
    try:
        handle, temporary = tempfile.mkstemp(dir=folder, prefix="toponyms-", suffix=".tmp")
    except OSError:
        return False  # a folder that cannot be written: no cache this time, as before
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(os.urandom(KEY_BYTES))
        if replace:
            os.replace(temporary, path)
        else:
            try:
                os.link(temporary, path)  # atomic, and fails if another process made one meanwhile
            except FileExistsError:
                pass
        return True
    except OSError:
        return False
    finally:
        try:
            os.unlink(temporary)
        except OSError:
            pass


def _mac(key: bytes, name: str) -> hmac.HMAC:
    """The HMAC a cached file's content is signed with, under the name it is filed under: moved, it fails."""
    return hmac.new(key, MAGIC + name.encode() + b"\0", hashlib.sha256)


def _sign(key: bytes, name: str, payload: bytes) -> bytes:
    mac = _mac(key, name)
    mac.update(payload)
    return mac.digest()


class _Signing:
    """A file that passes what is written to it through the HMAC of ``_mac``."""

    def __init__(self, stream: Any, key: bytes, name: str) -> None:
        self.stream = stream
        self.mac = _mac(key, name)

    def write(self, data: Any) -> int:
        self.mac.update(data)
        return self.stream.write(data)


class _Refused(pickle.UnpicklingError):
    """A cached file that names a class the cache does not load."""


# The only globals a cached file may name: what the gazetteer, its index and the extractor's
# derived data are made of. A class added to what is cached must be added here, else its cache
# is compiled anew on every run (tests/test_cache.py checks that the caches are reused).
_ALLOWED = frozenset({
    ("toponyms.compiled", "Gazetteer"), ("toponyms.index", "Index"), ("toponyms.index", "Postings"),
    ("toponyms.model", "Place"), ("toponyms.model", "Name"), ("toponyms.extract", "_Joins"),
    ("ahocorasick", "Automaton"), ("re", "_compile"), ("array", "array"), ("array", "_array_reconstructor"),
    ("pathlib", "Path"), ("pathlib", "PosixPath"), ("pathlib", "WindowsPath"),
    ("builtins", "set"), ("builtins", "frozenset"), ("builtins", "bytearray"),
})  # fmt: skip


class _Unpickler(pickle.Unpickler):
    """Unpickles only the classes of ``_ALLOWED``: a file that names anything else (``os.system``) is refused."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED:
            raise _Refused(f"it names {module}.{name}, which the cache does not load")
        return super().find_class(module, name)


def _prune(folder: Path, keep: int = KEEP_COMPILED) -> None:
    """Remove all but the ``keep`` most recently written compiled files, and temporary files a killed process left.

    Only files this cache names so (``_OURS``, ``_EARLIER``, ``_TEMPORARY``) and that belong to the user are
    considered: anything else in the folder is left alone.
    """
    compiled, stale = [], []
    now = time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        ours = _OURS.fullmatch(entry.name) or _EARLIER.fullmatch(entry.name)
        temporary = _TEMPORARY.fullmatch(entry.name)
        if not (ours or temporary):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if _unsafe(info) is not None:
            continue
        if ours:
            compiled.append((info.st_mtime_ns, entry.path))
        elif now - info.st_mtime > STALE_TEMPORARY:
            stale.append(entry.path)
    compiled.sort(reverse=True)
    for path in [path for _, path in compiled[keep:]] + stale:
        try:
            os.unlink(path)
        except OSError:
            pass
