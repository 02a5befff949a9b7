"""What the benchmarks share: the annotated passages, the generated corpus, the baselines, timers,
tables, and the code of another git revision imported beside the working tree's.

The scripts beside this file import it as ``common``: Python puts a script's own folder first on
``sys.path``, so ``python benchmarks/find_bench.py`` finds it from any working directory.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import random
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from toponyms import Gazetteer, Match, Place
    from toponyms.index import Index

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PASSAGES = HERE / "passages"
SEEDS = ROOT / "seeds"

SEED = 20251121  # of the generated corpus
WARM_UP = 200  # calls made untimed before per-call timings
MIN_NAME = 3  # the same floor toponyms puts on gazetteer names in text
KIND_POPULATION = {"country": 10_000_000, "region": 1_000_000, "district": 100_000}  # as toponyms' resolver
SUBSTITUTE_SHARE = 0.5  # share of the corpus's place mentions replaced by another gazetteer name
SEPARATOR = "\n\f\n"  # between the documents of a corpus file
LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_CAPITALISED_WORD = re.compile(r"\b[A-ZА-ЯЁІЇЄҐ][\w'’\-]+")

Span = tuple[int, int, str | None]  # start, end, place id
Finder = Callable[[str], list[Span]]


# -- tables and timers -------------------------------------------------------------------------------


def format_table(headers: Sequence[str], rows: Iterable[Sequence[object]], right: Iterable[int] | None = None) -> str:
    """Rows as aligned plain text; the columns numbered in ``right`` (by default, those that hold
    only numbers) are right-aligned."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    if right is None:
        aligned = {i for i in range(len(headers)) if len(cells) > 1 and all(_is_number(row[i]) for row in cells[1:])}
    else:
        aligned = set(right)
    lines = []
    for n, row in enumerate(cells):
        lines.append("  ".join(c.rjust(w) if i in aligned else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def print_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Print ``format_table`` and a blank line."""
    print(format_table(headers, rows) + "\n")


def _is_number(cell: str) -> bool:
    return bool(re.fullmatch(r"[-+]?[\d.,/x×%]+|-", cell))


def wall_seconds(run: Callable[[], object]) -> float:
    """Wall seconds of one call."""
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def cpu_seconds(run: Callable[[], object]) -> float:
    """CPU seconds of one call (what a slow minute of a shared machine disturbs less than wall time)."""
    start = time.process_time()
    run()
    return time.process_time() - start


def call_times(call: Callable[[str], object], queries: Sequence[str], warm_up: int = WARM_UP) -> list[int]:
    """Nanoseconds of each call, after a warm-up over the first ``warm_up`` queries."""
    for query in queries[:warm_up]:
        call(query)
    times = []
    for query in queries:
        start = time.perf_counter_ns()
        call(query)
        times.append(time.perf_counter_ns() - start)
    return times


def median_p95(times: Sequence[int]) -> tuple[float, float]:
    """Median and 95th percentile of nanosecond timings, in µs."""
    ordered = sorted(times)
    return statistics.median(ordered) / 1000, ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] / 1000


# -- the resolver against brute force ----------------------------------------------------------------


def uncached(gazetteer: Gazetteer, query: str) -> Match | None:
    """``resolve(query)`` on a resolver of its own: a resolver keeps the candidates it found,
    and latency queries repeat."""
    from toponyms import Resolver

    return Resolver(gazetteer).resolve(query)


def fuzzy_pair(index: Index, cutoff: float) -> tuple[Callable[[str], list[tuple[str, float]]], Callable[[str], Any]]:
    """``index.fuzzy`` for the best key, and the brute-force scan of every key that it stands in
    for: those with the query's first letter, which garbles and typos keep."""
    from rapidfuzz import fuzz, process

    by_letter: dict[str, list[str]] = {}
    for key in index.keys:
        by_letter.setdefault(key[:1], []).append(key)

    def ours(key: str) -> list[tuple[str, float]]:
        return index.fuzzy(key, limit=1, cutoff=cutoff)

    def brute(key: str) -> tuple[str, float, int] | None:
        return process.extractOne(key, by_letter.get(key[:1], []), scorer=fuzz.ratio, score_cutoff=cutoff * 100)

    return ours, brute


def agreement(ours: Callable[[str], list[Any]], brute: Callable[[str], Any], keys: Iterable[str]) -> tuple[int, int]:
    """(keys for which both find nothing or the same best score, keys for which the brute force finds one)."""
    agree = found = 0
    for key in keys:
        a, b = ours(key), brute(key)
        if b is not None:
            found += 1
        if (not a and b is None) or (a and b is not None and abs(a[0][1] * 100 - b[1]) < 1e-6):
            agree += 1
    return agree, found


# -- the annotated passages -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Gold:
    """One annotated place mention."""

    start: int
    end: int
    surface: str
    place: str  # the place's id: gn:<geonameid>, or katottg:<code> for a place GeoNames lacks


@dataclass(frozen=True)
class Passage:
    """One annotated passage."""

    id: str
    lang: str
    text: str
    mentions: tuple[Gold, ...]


def nth_occurrence(text: str, surface: str, n: int) -> int:
    """Start of the ``n``-th (0-based) exact occurrence of ``surface`` in ``text``; -1 if none."""
    start = -1
    for _ in range(n + 1):
        start = text.find(surface, start + 1)
        if start < 0:
            return -1
    return start


def load_passages(folder: Path = PASSAGES) -> list[Passage]:
    """All passages of ``folder/*.json``, their offsets checked against surface and occurrence."""
    passages = []
    for path in sorted(folder.glob("*.json")):
        for record in json.loads(path.read_text(encoding="utf-8")):
            text = record["text"]
            mentions = []
            for m in record["mentions"]:
                start = nth_occurrence(text, m["surface"], m["occurrence"])
                end = start + len(m["surface"])
                if start < 0 or (m.get("start", start), m.get("end", end)) != (start, end):
                    raise ValueError(f"{path.name} {record['id']}: bad offsets for {m['surface']!r}")
                mentions.append(Gold(start, end, m["surface"], m.get("id") or f"gn:{m['geonameid']}"))
            passages.append(Passage(record["id"], record["lang"], text, tuple(mentions)))
    return passages


# -- the gazetteer's names and the flashgeotext baseline ---------------------------------------------------


def effective_population(place: Place) -> int:
    """Population, with the resolver's stand-ins for countries and regions (which have none)."""
    return max(place.population, KIND_POPULATION.get(place.kind, 0))


def name_table(gazetteer: Gazetteer) -> dict[str, Place]:
    """Every name of 3+ characters -> the most populous place carrying exactly that name."""
    best: dict[str, Place] = {}
    for place in gazetteer:
        for text in {place.name, *(n.text for n in place.names)}:
            if len(text) < MIN_NAME:
                continue
            other = best.get(text)
            if other is None or (effective_population(place), other.id) > (effective_population(other), place.id):
                best[text] = place
    return best


class FlashBaseline:
    """flashgeotext's GeoText with one custom LookupData: {place id: [its names]}.

    flashtext keeps one place per keyword, the last one added: places go in by ascending
    population, so a name shared by several places answers the most populous, as the regex does.
    LookupData takes one script for its word boundaries; it gets Cyrillic, and the Latin letters
    (with diacritics) are added to the same keyword processor, so both scripts are words.
    """

    NAME = "places"

    def __init__(self, names: dict[str, Place]) -> None:
        from flashgeotext.geotext import GeoText, GeoTextConfiguration
        from flashgeotext.lookup import LookupData
        from flashgeotext.settings import SCRIPTS

        by_place: dict[str, list[str]] = {}
        self.places: dict[str, Place] = {}
        for text, place in sorted(names.items(), key=lambda kv: (effective_population(kv[1]), kv[1].id, kv[0])):
            by_place.setdefault(place.id, []).append(text)
            self.places[place.id] = place
        self.geotext = GeoText(GeoTextConfiguration(use_demo_data=False, case_sensitive=True))
        self.geotext.add(LookupData(name=self.NAME, data=by_place, script="cyrillic"))
        self.geotext.pool[self.NAME].non_word_boundaries.update(SCRIPTS["latin"]["chars"])

    def find(self, text: str) -> list[Span]:
        """Every keyword match, as spans."""
        found = self.geotext.extract(text, span_info=True).get(self.NAME, {})
        spans = [
            (start, end, self.places[key].id) for key, meta in found.items() for start, end in meta["span_info"]
        ]
        return sorted(spans)


# -- the generated corpus --------------------------------------------------------------------------------

Source = tuple[str, list[tuple[int, int]]]  # a text and the spans of its place names
Pool = tuple[list[str], list[float] | None]  # names, and their cumulative weights (None: uniform)


def passage_sources(passages: Iterable[Passage]) -> list[Source]:
    """The passages, with their annotated mentions as substitution slots."""
    return [(p.text, [(g.start, g.end) for g in p.mentions]) for p in passages]


def seed_documents(names: dict[str, Place]) -> list[Source]:
    """The seed articles, with their capitalised words that are gazetteer names as substitution slots."""
    documents = []
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8").strip()
        slots = [m.span() for m in _CAPITALISED_WORD.finditer(text) if m.group() in names]
        documents.append((text, slots))
    return documents


def substitutes(names: dict[str, Place], weighted: bool = False) -> tuple[Pool, Pool]:
    """Replacement names: Latin-script and Cyrillic-script names of the gazetteer (capitalised)."""
    latin = sorted(n for n in names if n[:1].isupper() and LATIN.search(n) and not CYRILLIC.search(n))
    cyrillic = sorted(n for n in names if n[:1].isupper() and CYRILLIC.search(n) and not LATIN.search(n))

    def pool(chosen: list[str]) -> Pool:
        if not weighted:
            return chosen, None
        weights = [effective_population(names[name]) ** 0.5 + 1 for name in chosen]
        return chosen, list(accumulate(weights))

    return pool(latin), pool(cyrillic)


def substitute(text: str, slots: list[tuple[int, int]], rng: random.Random, pools: tuple[Pool, Pool]) -> str:
    """``text`` with about half of its slots replaced by a random name of the slot's script."""
    latin, cyrillic = pools
    parts, cursor = [], 0
    for start, end in slots:
        if rng.random() < SUBSTITUTE_SHARE:
            chosen, cumulative = cyrillic if CYRILLIC.search(text[start:end]) else latin
            name = rng.choice(chosen) if cumulative is None else rng.choices(chosen, cum_weights=cumulative)[0]
            parts += [text[cursor:start], name]
            cursor = end
    parts.append(text[cursor:])
    return "".join(parts)


def generate_corpus(
    path: Path, megabytes: float, passages: list[Passage], names: dict[str, Place], seed: int, weighted: bool = False
) -> int:
    """Write a corpus of at least ``megabytes`` MB to ``path``, documents separated by a form feed line:
    the passages and the seed articles in random order, half their place names replaced by other
    gazetteer names. Returns the number of documents."""
    rng = random.Random(seed)
    sources = passage_sources(passages) + seed_documents(names)
    pools = substitutes(names, weighted)
    target, size, documents = int(megabytes * 1e6), 0, 0
    with path.open("w", encoding="utf-8") as out:
        while size < target:
            text, slots = rng.choice(sources)
            document = substitute(text, slots, rng, pools)
            out.write(document + SEPARATOR)
            size += len(document.encode("utf-8"))  # the documents' own text, separators not counted
            documents += 1
    return documents


def generated_documents(names: dict[str, Place], megabytes: float, seed: int, weighted: bool = False) -> list[str]:
    """The documents of a corpus made by ``generate_corpus`` in a temporary file, which is then removed."""
    with tempfile.TemporaryDirectory(prefix="corpus_") as folder:
        path = Path(folder) / "corpus.txt"
        generate_corpus(path, megabytes, load_passages(), names, seed, weighted)
        return read_corpus(path)


def read_corpus(path: Path) -> list[str]:
    """The documents of a corpus file."""
    return [d for d in path.read_text(encoding="utf-8").split(SEPARATOR) if d]


def head(documents: list[str], megabytes: float) -> list[str]:
    """The first documents of the corpus, ``megabytes`` MB of them."""
    out, size = [], 0
    for document in documents:
        if size >= megabytes * 1e6:
            break
        out.append(document)
        size += len(document.encode("utf-8"))
    return out


def size_mb(documents: list[str]) -> float:
    """UTF-8 size of the documents in MB."""
    return sum(len(d.encode("utf-8")) for d in documents) / 1e6


# -- another revision's code beside the working tree's --------------------------------------------------

ALIAS = "toponyms_rev"  # the name a revision's package is imported under


class Version(NamedTuple):
    """What a benchmark needs of one version of the package."""

    Gazetteer: Any
    Resolver: Any
    Extractor: Any


def export_revision(revision: str, folder: Path) -> Path:
    """``toponyms/`` and ``data/`` of git ``revision``, extracted under ``folder`` (for PYTHONPATH)."""
    folder.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", revision, "toponyms", "data"], capture_output=True, check=True
    ).stdout
    with tempfile.TemporaryFile() as stream:
        stream.write(archive)
        stream.seek(0)
        with tarfile.open(fileobj=stream) as tar:
            tar.extractall(folder, filter="data")
    return folder


def import_versions(revision: str, folder: Path) -> dict[str, Version]:
    """The package of ``revision`` (extracted under ``folder``, renamed ``ALIAS`` so that both can be
    imported in one process) and the working tree's, by label: the revision, then "working tree"."""
    package = export_revision(revision, folder) / ALIAS
    (folder / "toponyms").rename(package)
    for source in package.rglob("*.py"):
        text = source.read_text("utf-8")
        source.write_text(re.sub(r"\btoponyms(?=[.\"]| import)", ALIAS, text), "utf-8")
    init = package / "__init__.py"
    spec = importlib.util.spec_from_file_location(ALIAS, init, submodule_search_locations=[str(package)])
    assert spec is not None and spec.loader is not None
    sys.modules[ALIAS] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sys.modules[ALIAS])
    versions = {}
    for label, name in ((revision, ALIAS), ("working tree", "toponyms")):
        top: ModuleType = importlib.import_module(name)
        extractor = importlib.import_module(f"{name}.extract").Extractor
        versions[label] = Version(top.Gazetteer, top.Resolver, extractor)
    return versions
