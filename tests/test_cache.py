"""The compiled cache: private, signed, never stale, and tidy only with its own files (issue 18, items 1-3;
issue 17: one digest over every file of the package)."""

from __future__ import annotations

import logging
import os
import pickle
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import toponyms
from toponyms import _cache
from toponyms.atomic import AtomicFile
from toponyms import Gazetteer, Resolver
from toponyms.extract import Extractor

PLACE = """\
places:
  - id: test:1
    name: Testivka
    kind: populated place
    country: UA
    lat: 48.0
    lon: 37.0
    population: 1200
    names:
      - {name: Тестівка, lang: uk, status: official}
"""
OTHER = PLACE.replace("Testivka", "Otherivka").replace("Тестівка", "Іншівка")
posix_only = pytest.mark.skipif(not hasattr(os, "geteuid"), reason="owners and modes are POSIX")


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("TOPONYMS_CACHE", str(folder))
    _cache._warned.clear()  # each test sees its own warnings
    return folder


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "a.yaml"
    path.write_text(PLACE, "utf-8")
    return path


def pickles(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.pickle"))


class Planted:
    """A pickle that, loaded, touches a marker file: what an attacker would plant."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple:
        return exec, (f"import pathlib; pathlib.Path({str(self.marker)!r}).touch()",)


def cache_warnings(records: list[logging.LogRecord]) -> list[str]:
    return [record.getMessage() for record in records if record.name == "toponyms"]


# --- 1. code execution through the cache ----------------------------------------------------------


@posix_only
def test_the_cache_folder_and_its_files_are_private(cache: Path, source: Path) -> None:
    old = os.umask(0o002)
    try:
        Gazetteer.load(source)
    finally:
        os.umask(old)
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    for path in cache.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


@posix_only
@pytest.mark.parametrize(
    ("mode", "who"), [(0o770, "group can write"), (0o703, "others can write"), (0o777, "group and others can write")]
)
def test_a_folder_others_can_write_is_not_used(
    cache: Path, source: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, mode: int, who: str
) -> None:
    Gazetteer.load(source)
    marker = tmp_path / "owned"
    for path in pickles(cache):
        path.write_bytes(pickle.dumps(Planted(marker)))
    cache.chmod(mode)
    before = {path.name: path.read_bytes() for path in cache.iterdir()}
    with caplog.at_level(logging.WARNING, logger="toponyms"):
        gazetteer = Gazetteer.load(source)
        Gazetteer.load(source)  # said once
    assert gazetteer["test:1"].name == "Testivka" and gazetteer.digest is None
    assert not marker.exists(), "a pickle in a folder others can write was loaded"
    assert {path.name: path.read_bytes() for path in cache.iterdir()} == before, "nothing is written there either"
    (line,) = cache_warnings(caplog.records)
    assert str(cache) in line and who in line and "\n" not in line


@posix_only
def test_the_default_folder_made_with_the_umask_is_made_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Earlier versions made ~/.cache/toponyms 0775 under umask 002: it is the user's, so it is tightened, its
    files still checked one by one; a folder named by TOPONYMS_CACHE is refused instead (above)."""
    monkeypatch.delenv("TOPONYMS_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    _cache._warned.clear()
    source = tmp_path / "a.yaml"
    source.write_text(PLACE, "utf-8")
    folder = tmp_path / "xdg" / "toponyms"
    folder.mkdir(parents=True)
    folder.chmod(0o775)
    marker = tmp_path / "owned"
    planted = folder / f"toponyms-{_cache.digest([source.read_bytes()])}.pickle"  # where the load looks
    planted.write_bytes(pickle.dumps(Planted(marker)))
    with caplog.at_level(logging.WARNING, logger="toponyms"):
        gazetteer = Gazetteer.load(source)
    assert gazetteer["test:1"].name == "Testivka" and gazetteer.digest is not None
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    (line,) = cache_warnings(caplog.records)
    assert f"made the cache folder {folder} private (its mode was 0775, now 0700)" in line
    assert not marker.exists()


@posix_only
def test_a_folder_of_another_user_is_not_used(
    cache: Path, source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    Gazetteer.load(source)
    marker = tmp_path / "owned"
    for path in pickles(cache):
        path.write_bytes(pickle.dumps(Planted(marker)))
    monkeypatch.setattr(os, "geteuid", lambda: os.stat(cache).st_uid + 1)
    with caplog.at_level(logging.WARNING, logger="toponyms"):
        assert Gazetteer.load(source)["test:1"].name == "Testivka"
    assert not marker.exists()
    (line,) = cache_warnings(caplog.records)
    assert "belongs to user" in line and str(cache) in line


def test_a_planted_pickle_never_runs(cache: Path, source: Path, tmp_path: Path) -> None:
    Gazetteer.load(source)
    Extractor(Resolver(Gazetteer.load(source)))  # the derived files too
    marker = tmp_path / "owned"
    assert len(pickles(cache)) == 3
    for path in pickles(cache):
        path.write_bytes(pickle.dumps(Planted(marker)))  # the user's own file, in the user's own folder
    gazetteer = Gazetteer.load(source)
    extractor = Extractor(Resolver(gazetteer))
    assert not marker.exists(), "a planted pickle ran"
    assert gazetteer["test:1"].name == "Testivka"
    assert [mention.match.place.id for mention in extractor.find("Shelling in Testivka.")] == ["test:1"]


def test_a_signed_file_may_name_only_the_classes_the_cache_loads(
    cache: Path, source: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Were the key to leak, a file signed with it still cannot name os.system or exec."""
    Gazetteer.load(source)
    marker = tmp_path / "owned"
    (path,) = pickles(cache)
    payload = pickle.dumps(Planted(marker))
    key = (cache / _cache.KEY_FILE).read_bytes()
    path.write_bytes(_cache.MAGIC + _cache._sign(key, path.name, payload) + payload)
    with caplog.at_level(logging.WARNING, logger="toponyms"):
        assert Gazetteer.load(source)["test:1"].name == "Testivka"
    assert not marker.exists()
    (line,) = cache_warnings(caplog.records)
    assert "builtins.exec" in line and "\n" not in line


@posix_only
def test_a_cached_file_others_can_write_is_compiled_anew(
    cache: Path, source: Path, caplog: pytest.LogCaptureFixture
) -> None:
    Gazetteer.load(source)
    (path,) = pickles(cache)
    path.chmod(0o666)
    with caplog.at_level(logging.WARNING, logger="toponyms"):
        assert Gazetteer.load(source)["test:1"].name == "Testivka"
    (line,) = cache_warnings(caplog.records)
    assert str(path) in line and "can write" in line
    assert stat.S_IMODE(path.stat().st_mode) == 0o600, "replaced by a private copy"


@posix_only
def test_a_key_others_can_read_is_not_used(cache: Path, source: Path, caplog: pytest.LogCaptureFixture) -> None:
    Gazetteer.load(source)
    (cache / _cache.KEY_FILE).chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="toponyms"):
        assert Gazetteer.load(source).digest is None
    (line,) = cache_warnings(caplog.records)
    assert _cache.KEY_FILE in line and "others can read or write" in line


def test_a_damaged_key_is_replaced(cache: Path, source: Path) -> None:
    Gazetteer.load(source)
    (cache / _cache.KEY_FILE).write_bytes(b"short")
    assert Gazetteer.load(source)["test:1"].name == "Testivka"
    assert len((cache / _cache.KEY_FILE).read_bytes()) == _cache.KEY_BYTES
    assert Gazetteer.load(source).digest is not None


def test_the_warning_is_one_line_on_stderr_from_the_command_line(tmp_path: Path) -> None:
    import subprocess
    import sys

    if not hasattr(os, "geteuid"):
        pytest.skip("owners and modes are POSIX")
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o777)
    source = tmp_path / "a.yaml"
    source.write_text(PLACE, "utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "toponyms", "--no-bundled", "--gazetteer", str(source), "lookup", "Testivka"],
        capture_output=True, text=True, env={**os.environ, "TOPONYMS_CACHE": str(folder)}, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Testivka" in done.stdout
    assert done.stderr.count("\n") == 1 and str(folder) in done.stderr and "can write" in done.stderr
    assert list(folder.iterdir()) == []


# --- 2. pruning touches only what the cache made ---------------------------------------------------


def test_pruning_removes_only_the_caches_own_files(cache: Path, tmp_path: Path) -> None:
    cache.mkdir(mode=0o700)
    long_ago = time.time() - 10 * 365 * 86400
    theirs = ["mine.pickle", "model.pickle", "notes.txt", "other.tmp", "toponyms-notmine.pickle"]
    for name in theirs:
        (cache / name).write_bytes(b"the user's own")
        os.utime(cache / name, (long_ago, long_ago))
    earlier = cache / ("0123456789abcdef" * 2 + ".pickle")  # what an earlier version wrote: aged out like ours
    left = cache / "toponyms-abcd1234.tmp"  # a temporary file a killed process left
    for path in (earlier, left):
        path.write_bytes(b"old")
        os.utime(path, (long_ago, long_ago))
    for number in range(_cache.KEEP_COMPILED + 3):
        path = tmp_path / f"g{number}.yaml"
        path.write_text(PLACE.replace("test:1", f"test:{number}"), "utf-8")
        Gazetteer.load(path)
    for name in theirs:
        assert (cache / name).read_bytes() == b"the user's own", f"{name} was removed"
    ours = [path for path in pickles(cache) if _cache._OURS.fullmatch(path.name)]
    assert len(ours) == _cache.KEEP_COMPILED
    assert not earlier.exists() and not left.exists()
    assert (cache / _cache.KEY_FILE).exists()


def test_a_failed_write_leaves_no_temporary_file(
    cache: Path, source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_cache.pickle, "dump", full)
    assert Gazetteer.load(source)["test:1"].name == "Testivka"
    assert not list(cache.glob("*.tmp")) and not pickles(cache), "no temporary file, no cached copy"
    monkeypatch.undo()


# --- 3. stale and damaged caches ---------------------------------------------------------------------


def test_what_is_parsed_is_what_was_hashed(cache: Path, source: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The file is edited between hashing and parsing: the copy filed under the digest holds what was hashed."""
    digest = _cache.digest

    def edited_meanwhile(blobs: list[bytes]) -> str:
        hashed = digest(blobs)
        source.write_text(OTHER, "utf-8")
        return hashed

    monkeypatch.setattr(_cache, "digest", edited_meanwhile)
    assert Gazetteer.load(source)["test:1"].name == "Testivka"
    monkeypatch.undo()
    assert Gazetteer.load(source)["test:1"].name == "Otherivka"
    source.write_text(PLACE, "utf-8")
    assert Gazetteer.load(source)["test:1"].name == "Testivka"


PACKAGE = Path(toponyms.__file__).parent
LYMAN = """\
places:
  - {id: test:lyman, name: Lyman, kind: populated place, country: UA, lat: 48.98, lon: 37.81, population: 20000}
"""


def package_copy(folder: Path) -> Path:
    """A copy of the package's code and tables (no bytecode, no bundled gazetteer) as ``folder/toponyms``."""
    copy = folder / "toponyms"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.yaml"))
    return copy


def test_the_digest_covers_every_file_of_the_package_it_walks(tmp_path: Path) -> None:
    copy = package_copy(tmp_path)
    digest = _cache.package_digest(copy)
    assert digest == _cache.package_digest(PACKAGE), "what is hashed is the files, not where they are"
    (copy / "__pycache__").mkdir(exist_ok=True)
    (copy / "__pycache__" / "extract.cpython-311.pyc").write_bytes(b"bytecode")
    (copy / "data" / "gazetteer.yaml").write_text(PLACE, "utf-8")  # a source, hashed when it is loaded
    assert _cache.package_digest(copy) == digest, "nothing that cannot change an answer counts"
    words = copy / "data" / "common_words.txt"
    words.write_text(words.read_text("utf-8") + "lyman\n", "utf-8")
    edited = _cache.package_digest(copy)
    assert edited != digest, "a table no list named (common_words.txt) counts"
    (copy / "data" / "new_table.json").write_text("{}", "utf-8")
    assert _cache.package_digest(copy) != edited, "a file the package gains counts"


def test_a_word_added_to_a_table_is_not_answered_from_the_cache(tmp_path: Path) -> None:
    """Issue 17: common_words.txt was in none of the hand-kept lists, so after ``lyman`` was added to it
    the text below still gave Lyman, from the cache, where a fresh run gives nothing."""
    copy = package_copy(tmp_path / "site")
    source = tmp_path / "lyman.yaml"
    source.write_text(LYMAN, "utf-8")
    probe = (
        "import sys, toponyms; from toponyms import Gazetteer, Resolver, find; "
        "found = find('Lyman was shelled overnight.', resolver=Resolver(Gazetteer.load(sys.argv[1]))); "
        "print(toponyms.__file__, [mention.text for mention in found])"
    )

    def found(cache: Path) -> str:
        done = subprocess.run(
            [sys.executable, "-c", probe, str(source)], capture_output=True, text=True, cwd=tmp_path, timeout=300,
            env={**os.environ, "PYTHONPATH": str(copy.parent), "TOPONYMS_CACHE": str(cache)},
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        where, _, mentions = done.stdout.strip().partition(" ")
        assert Path(where).parent == copy, "the copy is the package imported"
        return mentions

    assert found(tmp_path / "cache") == "['Lyman']"
    words = copy / "data" / "common_words.txt"
    words.write_text(words.read_text("utf-8") + "lyman\n", "utf-8")
    assert found(tmp_path / "cache") == found(tmp_path / "fresh") == "[]"


def test_a_same_length_change_is_not_served(cache: Path, source: Path) -> None:
    Gazetteer.load(source)
    (path,) = pickles(cache)
    content = path.read_bytes()
    assert content.count(b"Testivka") >= 1
    path.write_bytes(content.replace(b"Testivka", b"Testivkx"))
    assert Gazetteer.load(source)["test:1"].name == "Testivka"
    assert Resolver(Gazetteer.load(source)).resolve("Testivka").place.name == "Testivka"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_damage_is_compiled_anew(cache: Path, source: Path, data: st.DataObject) -> None:
    """Bytes changed, cut off or added anywhere in a cached file: never served, never an error."""
    fresh = Gazetteer.load(source, cache=False)
    Gazetteer.load(source)
    (path,) = pickles(cache)
    content = bytearray(path.read_bytes())
    damage = data.draw(st.sampled_from(["flip", "cut", "add"]))
    at = data.draw(st.integers(0, len(content) - 1))
    if damage == "flip":
        content[at] ^= data.draw(st.integers(1, 255))
    elif damage == "cut":
        del content[at:]
    else:
        content[at:at] = data.draw(st.binary(min_size=1, max_size=8))
    path.write_bytes(bytes(content))
    assert Gazetteer.load(source).places == fresh.places
    assert path.read_bytes() != bytes(content), "the damaged file is replaced"


def test_a_file_under_another_name_is_not_served(cache: Path, source: Path, tmp_path: Path) -> None:
    other = tmp_path / "b.yaml"
    other.write_text(OTHER, "utf-8")
    Gazetteer.load(source)
    (mine,) = pickles(cache)
    Gazetteer.load(other)
    (theirs,) = [path for path in pickles(cache) if path != mine]
    mine.write_bytes(theirs.read_bytes())  # a whole, signed file, swapped in
    assert Gazetteer.load(source)["test:1"].name == "Testivka"


def test_derived_data_of_the_wrong_kind_is_built_anew(cache: Path, source: Path) -> None:
    gazetteer = Gazetteer.load(source)
    assert gazetteer.derived("names", lambda: ["Testivka"], kind=list) == ["Testivka"]
    (path,) = [path for path in pickles(cache) if path.name.endswith(".names.pickle")]
    store = _cache.Store.open()
    assert store is not None
    store.write(path.name, {"not": "a list"})  # signed, readable, the wrong kind
    assert gazetteer.derived("names", lambda: ["Testivka"], kind=list) == ["Testivka"]
    with pytest.raises(ValueError, match="lowercase"):
        gazetteer.derived("../names", list)


def test_the_extractor_survives_any_object_in_its_cache(cache: Path, source: Path) -> None:
    """A derived file replaced by another readable object no longer breaks every later run."""
    Extractor(Resolver(Gazetteer.load(source)))
    derived = [path for path in pickles(cache) if path.name.count(".") == 2]
    assert len(derived) == 2
    for path in derived:
        path.write_bytes(pickle.dumps("another readable object"))
    extractor = Extractor(Resolver(Gazetteer.load(source)))
    assert [mention.text for mention in extractor.find("Shelling in Testivka.")] == ["Testivka"]
    store = _cache.Store.open()
    assert store is not None
    for path in derived:
        store.write(path.name, ("a", "tuple", "of", "the wrong kind"))
    extractor = Extractor(Resolver(Gazetteer.load(source)))
    assert [mention.text for mention in extractor.find("Shelling in Testivka.")] == ["Testivka"]


def test_every_cached_file_is_read_back(cache: Path, source: Path, caplog: pytest.LogCaptureFixture) -> None:
    """What the gazetteer and the extractor cache loads through the allow-list: nothing is compiled twice."""
    with caplog.at_level(logging.WARNING, logger="toponyms"):
        Extractor(Resolver(Gazetteer.load(source)))
        stamps = {path: path.stat().st_mtime_ns for path in pickles(cache)}
        time.sleep(0.01)
        Extractor(Resolver(Gazetteer.load(source)))
    assert len(stamps) == 3
    assert {path: path.stat().st_mtime_ns for path in pickles(cache)} == stamps
    assert cache_warnings(caplog.records) == []


def test_the_bundled_gazetteer_and_its_derived_data_load_through_the_allow_list(gazetteer: Gazetteer) -> None:
    """The real thing, not a toy: every class the bundled gazetteer's caches hold is allowed (the session's cache)."""
    Extractor(Resolver(gazetteer))
    store = _cache.Store.open()
    assert store is not None and gazetteer.digest is not None
    ours = [path for path in pickles(store.folder) if _cache._OURS.fullmatch(path.name)]
    mine = [path for path in ours if gazetteer.digest in path.name]  # not an earlier version's files
    assert mine
    for path in mine:
        assert store.read(path.name, object) is not None, path.name


def test_a_cache_that_cannot_be_made_is_no_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", "utf-8")
    monkeypatch.setenv("TOPONYMS_CACHE", str(blocker / "cache"))
    source = tmp_path / "a.yaml"
    source.write_text(PLACE, "utf-8")
    assert Gazetteer.load(source)["test:1"].name == "Testivka"


def test_temporary_files_are_named_for_pruning() -> None:
    handle, name = tempfile.mkstemp(prefix="toponyms-", suffix=".tmp")
    os.close(handle)
    os.unlink(name)
    assert _cache._TEMPORARY.fullmatch(Path(name).name)


def test_the_temporary_files_of_the_cache_and_its_key_are_named_for_pruning(tmp_path: Path) -> None:
    for name in (f"toponyms-{'0' * 32}.pickle", f"toponyms-{'0' * 32}.name-scanners.pickle", _cache.KEY_FILE):
        file = AtomicFile(tmp_path / name)
        assert _cache._TEMPORARY.fullmatch(Path(file._temporary).name), name
        file.discard()
    assert list(tmp_path.iterdir()) == []
