"""The private cache of compiled gazetteers and what is derived from them: filed under a digest, signed, safe.

What is cached is filed under a digest of everything that can change it: the cache's
format, every file of the package that can change an answer (its code and its tables,
found by walking the package, so that none is left out) and the bytes of each gazetteer
source. A changed source, rule or table gives a new digest, so a stale copy is never used.

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
``.toponyms-*.tmp``, ``.toponyms.key.*.tmp``) and only ever removes such files, and those
an earlier version wrote (``<digest>[.name-scanners|.name-resolutions].pickle``, which are
never read, and temporaries ``toponyms-*.tmp``).
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
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, TypeVar

from toponyms.atomic import AtomicFile

T = TypeVar("T")
FORMAT = b"toponyms-compiled-3"
KEEP_COMPILED = 16  # compiled files (gazetteers and what is derived from them) kept in the cache folder
MAGIC = b"toponyms compiled 3\n"  # opens every file the cache writes, before its HMAC and its pickle
KEY_FILE = "toponyms.key"
KEY_BYTES = 32
STALE_TEMPORARY = 3600  # seconds after which a temporary file is taken for one a killed process left
_OURS = re.compile(r"toponyms-[0-9a-f]{32}(?:\.[a-z0-9-]+)?\.pickle")  # the names only this cache writes
_EARLIER = re.compile(r"[0-9a-f]{32}(?:\.name-scanners|\.name-resolutions)?\.pickle")  # unsigned, never read
# The temporary files of AtomicFile for those names and for the key, and those earlier versions wrote.
_TEMPORARY = re.compile(rf"\.(?:{_OURS.pattern}|{re.escape(KEY_FILE)})\.[a-z0-9_]+\.tmp|toponyms-[a-z0-9_]+\.tmp")


def cache_dir() -> Path:
    """Where compiled gazetteers are kept: ``$TOPONYMS_CACHE`` or the user's cache folder."""
    explicit = os.environ.get("TOPONYMS_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "toponyms"


# --- what a file is filed under ------------------------------------------------------------------


def digest(blobs: Iterable[bytes]) -> str:
    """What a gazetteer compiled from sources of these contents is filed under (and what is derived
    from it): a digest of the cache's format, of the package (``package_digest``) and of the sources."""
    found = hashlib.sha256(FORMAT)
    found.update(_this_package())
    for blob in blobs:
        found.update(len(blob).to_bytes(8, "little"))
        found.update(blob)
    return found.hexdigest()[:32]


def package_digest(root: Traversable) -> bytes:
    """A digest of every file below ``root`` that can change an answer, with its path from ``root``.

    The files are found by walking the folder, not listed by hand: a module or a table added,
    renamed or edited changes the digest. Left out are what cannot change an answer (folders and
    files whose names start with a dot, compiled bytecode, the ``py.typed`` marker) and gazetteer
    files (``.yaml``): the bundled one is a source, hashed as such when it is loaded.
    """
    found = hashlib.sha256()
    for path, entry in _answering_files(root, ""):
        for part in (path.encode("utf-8", "surrogateescape"), entry.read_bytes()):
            found.update(len(part).to_bytes(8, "little"))
            found.update(part)
    return found.digest()


@cache
def _this_package() -> bytes:
    """The ``package_digest`` of this package, worked out once per process."""
    return package_digest(files("toponyms"))


def _answering_files(folder: Traversable, prefix: str) -> Iterator[tuple[str, Traversable]]:
    for entry in sorted(folder.iterdir(), key=lambda entry: entry.name):
        name = entry.name
        if name.startswith(".") or name in ("__pycache__", "py.typed") or name.endswith((".pyc", ".yaml")):
            continue
        if entry.is_dir():
            yield from _answering_files(entry, f"{prefix}{name}/")
        elif entry.is_file():
            yield f"{prefix}{name}", entry


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


class Store:
    """The cache folder, once it is known to be private, and the key its files are signed with."""

    def __init__(self, folder: Path, key: bytes) -> None:
        self.folder = folder
        self.key = key

    @classmethod
    def open(cls) -> Store | None:
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
        """Sign and pickle ``value`` as ``name``, whole or not at all; one that cannot be written is skipped."""
        try:
            with AtomicFile(self.folder / name, mode=0o600, sync=False) as file:
                signing = _Signing(file, self.key, name)
                file.write(MAGIC + bytes(signing.mac.digest_size))
                pickle.dump(value, signing, protocol=pickle.HIGHEST_PROTOCOL)
                file.seek(len(MAGIC))
                file.write(signing.mac.digest())
            _prune(self.folder)
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
            if not _new_key(path, replace=False):
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
        if not _new_key(path, replace=True):  # a damaged key: a new one, so that every file is made anew
            return None
    return None


def _new_key(path: Path, *, replace: bool) -> bool:
    """Put a new random key at ``path``, whole or not at all; unless ``replace``, one made meanwhile is kept."""
    try:
        with AtomicFile(path, mode=0o600, sync=False) as file:
            file.write(os.urandom(KEY_BYTES))
            file.commit(replace=replace)
    except OSError:
        return False  # a folder that cannot be written: no cache this time
    return True


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
    ("toponyms.gazetteer", "Gazetteer"), ("toponyms.index", "Index"), ("toponyms.index", "Postings"),
    ("toponyms.model", "Place"), ("toponyms.model", "Name"),
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
