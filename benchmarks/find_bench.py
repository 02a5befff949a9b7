#!/usr/bin/env python
"""Finding place names in running text: mention accuracy and throughput, against two baselines.

Usage: python benchmarks/find_bench.py [--mb 50] [--workers N] [--slice-mb 5] [--regex-mb 0.1]
                                       [--runs 3] [--seed S] [--names uniform|weighted]
                                       [--skip-full] [--keep-corpus]

1. Mention accuracy on the annotated passages of ``benchmarks/passages/*.json`` (English,
   Russian and Ukrainian news-style sentences, written for this benchmark). Every place mention
   is annotated with its character span and GeoNames id (or, for a place GeoNames lacks, its gazetteer id `katottg:<code>`); offsets are re-derived from the
   surface string and its occurrence index on loading, so a wrong offset fails loudly. A
   predicted mention is correct when its span matches exactly and its place is the annotated
   one; span-only scores ignore the place. Compared: ``toponyms.find``; a plain regex (one
   alternation of every gazetteer name of 3+ characters, longest first, ``\\b`` boundaries,
   case-sensitive, a match answering the most populous place with that exact name); and
   flashgeotext (flashtext keyword trie) loaded with the same names and the same rule.
2. Throughput on a generated corpus (``--mb`` MB, written to a temporary directory): the
   passages and the seed articles in random order, half their place names replaced by other
   gazetteer names: with ``--names uniform`` every name is as likely (the worst case for
   toponyms' caches: most documents bring names it has not seen), with ``--names weighted`` a
   name's chance grows with the square root of its place's population (news name big towns
   more often than villages). MB/s is the median of ``--runs`` rounds over the first ``--slice-mb`` MB
   (the regex gets ``--regex-mb`` MB: it runs at about 0.01 MB/s): in each round toponyms from cold,
   the slice again with the caches warm, flashgeotext and a Pool run one after the other, so that
   a slow minute of the shared machine slows them alike. Then one full-corpus run of toponyms in one
   process, of flashgeotext, and of toponyms in a Pool; each row is set against flashgeotext over
   the same text. The
   multi-process figures are the wall time of a ``spawn`` Pool over chunks of documents,
   start-up included (interpreter, imports, gazetteer load from the compiled cache,
   automaton), each worker building its own ``Extractor``.

Annotation rules of the passages: the span is the name as written, case ending included
(``Покровске``, ``Донецкой области``), without prepositions or possessive ``'s``; both sides of
a gloss are mentions; in a list of regions sharing one word (``the Zaporizhzhia and Kherson regions``,
``Брянской, Курской и Белгородской областями``) each name is a mention of its region, the last one
with the shared word, and a name before ``regional`` or ``обласної`` is one of the region; other
adjectives (``Киевском районе``, ``Запорізькому напрямку``), rivers (the
Dnipro river, ``Дніпра`` as the river), organisations and persons are not; only places of the
bundled gazetteer are used. The same seed gives the same corpus and the same accuracy figures.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from toponyms import Gazetteer, Place, Resolver, find
from toponyms.extract import Extractor

from common import (
    CYRILLIC,
    LATIN,
    SEED,
    FlashBaseline,
    Finder,
    Gold,
    Passage,
    Span,
    generate_corpus,
    head,
    load_passages,
    name_table,
    print_table,
    read_corpus,
    size_mb,
    wall_seconds,
)

CHUNK_BYTES = 256 * 1024  # documents per Pool task, by size
FLASH = "flashgeotext (same names)"


# -- toponyms and the regex baseline ------------------------------------------------------------


class RegexBaseline:
    """One big alternation of the gazetteer's names, longest first, ``\\b`` boundaries, case-sensitive."""

    def __init__(self, names: dict[str, Place]) -> None:
        self.names = names
        ordered = sorted(names, key=lambda s: (-len(s), s))
        self.pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, ordered)) + r")\b")

    def find(self, text: str) -> list[Span]:
        """Every match, resolved to the most populous place with that name."""
        return [(m.start(), m.end(), self.names[m.group()].id) for m in self.pattern.finditer(text)]


def toponyms_finder(text: str) -> list[Span]:
    """``toponyms.find`` as spans."""
    return [(m.start, m.end, m.match.place.id) for m in find(text)]


# -- scoring -----------------------------------------------------------------------------------------


@dataclass
class Counts:
    """True positives (exact and span-only), predictions and gold mentions."""

    tp: int = 0
    span_tp: int = 0
    predicted: int = 0
    gold: int = 0

    def add(self, predicted: Iterable[Span], gold: Iterable[Gold]) -> None:
        """Count one passage."""
        pred = set(predicted)
        truth = {(g.start, g.end, g.place) for g in gold}
        self.tp += len(pred & truth)
        self.span_tp += len({p[:2] for p in pred} & {t[:2] for t in truth})
        self.predicted += len(pred)
        self.gold += len(truth)

    def prf(self, span_only: bool = False) -> tuple[float, float, float]:
        """Precision, recall, F1."""
        tp = self.span_tp if span_only else self.tp
        p = tp / self.predicted if self.predicted else 0.0
        r = tp / self.gold if self.gold else 0.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def category(gold: Gold, places: dict[str, Place]) -> str:
    """What kind of surface form a gold mention is: listed name (by status) or unlisted form."""
    latin, cyrillic = bool(LATIN.search(gold.surface)), bool(CYRILLIC.search(gold.surface))
    if latin and cyrillic:
        return "mixed script"
    place = places[gold.place]
    statuses = {n.status for n in place.names if n.text == gold.surface}
    if gold.surface == place.name or statuses & {"official", "variant"}:
        return "listed: current/variant"
    if "former" in statuses:
        return "listed: former"
    if "garbled" in statuses:
        return "listed: garbled"
    return "unlisted Cyrillic (inflected)" if cyrillic else "unlisted Latin (typo/garble)"


def accuracy_tables(passages: list[Passage], finders: dict[str, Finder]) -> dict[str, dict[str, list[Span]]]:
    """Print P/R/F1 per language and tool; return every tool's predictions by passage id."""
    predictions = {tool: {p.id: finder(p.text) for p in passages} for tool, finder in finders.items()}
    rows = []
    for lang in [*sorted({p.lang for p in passages}), "all"]:
        subset = [p for p in passages if lang in ("all", p.lang)]
        for tool in finders:
            counts = Counts()
            for p in subset:
                counts.add(predictions[tool][p.id], p.mentions)
            exact, span = counts.prf(), counts.prf(span_only=True)
            rows.append([lang, tool, len(subset), counts.gold, counts.predicted, *_pct(exact), *_pct(span)])
    headers = ["lang", "tool", "passages", "gold", "pred", "P", "R", "F1", "span P", "span R", "span F1"]
    print_table(headers, rows)
    return predictions


def category_table(
    passages: list[Passage], predictions: dict[str, dict[str, list[Span]]], places: dict[str, Place]
) -> None:
    """Recall (span and place right) by kind of surface form, plus multi-word names."""
    found: dict[str, dict[str, list[int]]] = {}
    for p in passages:
        for g in p.mentions:
            kinds = [category(g, places)] + (["multi-word (any kind)"] if " " in g.surface else [])
            for kind in kinds:
                for tool, by_id in predictions.items():
                    hit = (g.start, g.end, g.place) in set(by_id[p.id])
                    found.setdefault(kind, {}).setdefault(tool, []).append(int(hit))
    rows = []
    for kind, by_tool in sorted(found.items()):
        n = len(next(iter(by_tool.values())))
        rows.append([kind, n, *(f"{sum(v)}/{n}" for v in by_tool.values())])
    print_table(["kind of gold mention", "n", *(f"{tool} recall" for tool in predictions)], rows)


def error_table(passages: list[Passage], predicted: dict[str, list[Span]], places: dict[str, Place]) -> None:
    """The false positives, false negatives and wrong places of one tool."""
    rows = []
    for p in passages:
        pred = {s[:2]: s[2] for s in predicted[p.id]}
        gold = {(g.start, g.end): g for g in p.mentions}
        for span, gid in sorted(pred.items()):
            g = gold.get(span)
            if g is None:
                rows.append([p.id, "FP", p.text[span[0] : span[1]], _place(places, gid), "-", _context(p.text, *span)])
            elif g.place != gid:
                rows.append(
                    [
                        p.id,
                        "WRONG",
                        g.surface,
                        _place(places, gid),
                        _place(places, g.place),
                        _context(p.text, *span),
                    ]
                )
        for span, g in sorted(gold.items()):
            if span not in pred:
                overlap = [s for s in pred if s[0] < span[1] and span[0] < s[1]]
                seen = ", ".join(repr(p.text[a:b]) for a, b in overlap)
                note = f"predicted {seen}" if overlap else _context(p.text, *span)
                rows.append([p.id, "FN", g.surface, "-", _place(places, g.place), note])
    print_table(["passage", "error", "surface", "toponyms says", "gold", "context / note"], rows)
    kinds = [r[1] for r in rows]
    print(
        f"{kinds.count('FP')} false positives, {kinds.count('FN')} false negatives, {kinds.count('WRONG')} wrong places"
    )


def _place(places: dict[str, Place], gid: str | None) -> str:
    place = places.get(gid) if gid is not None else None
    return f"{place.name} ({gid})" if place else f"? ({gid})"


def _context(text: str, start: int, end: int, width: int = 24) -> str:
    left, right = text[max(0, start - width) : start], text[end : end + width]
    return f"…{left}[{text[start:end]}]{right}…".replace("\n", " ")


def _pct(values: Sequence[float]) -> list[str]:
    return [f"{100 * v:.1f}" for v in values]


# -- throughput ----------------------------------------------------------------------------------------


def run_all(finder: Finder, documents: list[str]) -> int:
    """Run ``finder`` over every document; the number of mentions."""
    return sum(len(finder(d)) for d in documents)


def extractor_finder(extractor: Extractor) -> Finder:
    """``Extractor.find`` as spans (the spans are not needed for timing but cost the same)."""
    return lambda text: [(m.start, m.end, m.match.place.id) for m in extractor.find(text)]


_WORKER: Extractor | None = None


def _init_worker(barrier: object | None = None) -> None:
    """Pool initialiser: this worker's own Extractor over the bundled gazetteer (then wait at ``barrier``)."""
    global _WORKER
    _WORKER = Extractor()
    if barrier is not None:
        barrier.wait()  # type: ignore[attr-defined]


def _work(chunk: list[str]) -> int:
    """Pool task: mentions found in a chunk of documents."""
    assert _WORKER is not None
    return sum(len(_WORKER.find(d)) for d in chunk)


def chunks(documents: list[str], size: int = CHUNK_BYTES) -> Iterator[list[str]]:
    """Consecutive groups of documents of about ``size`` bytes each."""
    chunk, total = [], 0
    for document in documents:
        chunk.append(document)
        total += len(document)
        if total >= size:
            yield chunk
            chunk, total = [], 0
    if chunk:
        yield chunk


def pooled_run(documents: list[str], workers: int) -> int:
    """Find in every document with a spawn Pool, start-up included; the number of mentions."""
    context = mp.get_context("spawn")
    with context.Pool(workers, initializer=_init_worker) as pool:
        return sum(pool.imap_unordered(_work, chunks(documents)))


def pool_startup(workers: int) -> float:
    """Seconds until a spawn Pool of ``workers`` has every worker's Extractor built."""
    context = mp.get_context("spawn")
    barrier = context.Barrier(workers + 1)
    start = time.perf_counter()
    with context.Pool(workers, initializer=_init_worker, initargs=(barrier,)):
        barrier.wait(timeout=600)
        return time.perf_counter() - start


# -- output -----------------------------------------------------------------------------------------


def section(title: str) -> None:
    """A section heading."""
    print(f"== {title} ==\n")


# -- main -------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=50.0, help="size of the generated corpus (MB)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes of the Pool run")
    parser.add_argument("--slice-mb", type=float, default=5.0, help="slice timed --runs times per tool (MB)")
    parser.add_argument("--regex-mb", type=float, default=0.1, help="slice for the slow regex baseline (MB)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--names", choices=("uniform", "weighted"), default="uniform", help="how replacement names are drawn"
    )
    parser.add_argument("--skip-full", action="store_true", help="skip the full-corpus toponyms run")
    parser.add_argument("--keep-corpus", action="store_true", help="leave the generated corpus in its temp dir")
    return parser.parse_args(argv)


@dataclass(frozen=True)
class Tools:
    """What the benchmark compares, built once."""

    resolver: Resolver
    regex: RegexBaseline
    flash: FlashBaseline


def build_tools(gazetteer: Gazetteer, names: dict[str, Place], workers: int) -> Tools:
    """Build toponyms' extractor, both baselines and a worker Pool, printing how long each took."""
    resolver = Resolver(gazetteer)
    built: dict[str, object] = {}
    steps: list[tuple[str, Callable[[], object]]] = [
        ("toponyms Extractor (Aho-Corasick automaton; gazetteer already loaded)", lambda: Extractor(resolver)),
        (f"plain regex ({len(names):,} names, re.compile)", lambda: RegexBaseline(names)),
        (f"flashgeotext GeoText + LookupData ({len(names):,} names)", lambda: FlashBaseline(names)),
        (f"toponyms Pool of {workers} ready (spawn, imports, gazetteer, automaton)", lambda: pool_startup(workers)),
    ]
    rows = []
    for label, build in steps:
        start = time.perf_counter()
        built[label] = build()
        rows.append([label, f"{time.perf_counter() - start:.2f}"])
    print_table(["build", "seconds"], rows)
    regex, flash = (built[label] for label, _ in steps[1:3])
    assert isinstance(regex, RegexBaseline) and isinstance(flash, FlashBaseline)
    return Tools(resolver, regex, flash)


@dataclass(frozen=True)
class Rate:
    """Timed runs of one tool over ``megabytes`` MB."""

    tool: str
    megabytes: float
    seconds: tuple[float, ...]

    @property
    def mb_per_s(self) -> float:
        """MB/s of the median run."""
        return self.megabytes / statistics.median(self.seconds)


def measure(tools: dict[str, tuple[Callable[[], object], float, Callable[[], object] | None]], runs: int) -> list[Rate]:
    """Time ``runs`` rounds of every tool, one after the other in each round, so that a minute in
    which the machine is slow slows every tool alike. A tool is (run, MB, setup run untimed before it)."""
    seconds: dict[str, list[float]] = {label: [] for label in tools}
    for _ in range(runs):
        for label, (run, _, setup) in tools.items():
            if setup is not None:
                setup()
            seconds[label].append(wall_seconds(run))
    return [Rate(label, megabytes, tuple(seconds[label])) for label, (_, megabytes, _) in tools.items()]


def measure_all(args: argparse.Namespace, documents: list[str], tools: Tools) -> list[Rate]:
    """Every tool on its slice, then toponyms and flashgeotext over the whole corpus."""
    work, small = head(documents, args.slice_mb), head(documents, args.regex_mb)
    mb, small_mb, full_mb = size_mb(work), size_mb(small), size_mb(documents)
    fresh: dict[str, Extractor] = {}

    def new_extractor() -> None:
        # Each run starts with empty caches: a new resolver and extractor (the gazetteer stays loaded).
        fresh["x"] = Extractor(Resolver(tools.resolver.gazetteer))

    def single(docs: list[str]) -> Callable[[], object]:
        return lambda: run_all(extractor_finder(fresh["x"]), docs)

    rates = measure(
        {
            "toponyms Extractor.find, 1 process": (single(work), mb, new_extractor),
            "toponyms, 1 process, same slice again (caches warm)": (single(work), mb, None),
            FLASH: (lambda: run_all(tools.flash.find, work), mb, None),
            f"toponyms, Pool of {args.workers} (spawn, start-up incl.)": (
                lambda: pooled_run(work, args.workers),
                mb,
                None,
            ),
        },
        args.runs,
    )
    rates += measure({"plain regex (same names)": (lambda: run_all(tools.regex.find, small), small_mb, None)}, args.runs)
    if not args.skip_full:
        rates += measure(
            {
                "toponyms Extractor.find, 1 process, full corpus": (single(documents), full_mb, new_extractor),
                f"{FLASH}, full corpus": (lambda: run_all(tools.flash.find, documents), full_mb, None),
                f"toponyms, Pool of {args.workers}, full corpus (start-up incl.)": (
                    lambda: pooled_run(documents, args.workers),
                    full_mb,
                    None,
                ),
            },
            1,
        )
    return rates


def rate_table(rates: list[Rate]) -> None:
    """Print MB/s of every tool, relative to flashgeotext."""
    # A row is set against flashgeotext over the same text: the slice, or the whole corpus.
    flash = {r.megabytes: r.mb_per_s for r in rates if r.tool.startswith(FLASH)}
    slice_rate = next(r for r in rates if r.tool == FLASH).mb_per_s
    rows = [
        [
            r.tool,
            f"{r.megabytes:.2f}",
            len(r.seconds),
            " ".join(f"{s:.1f}" for s in r.seconds),
            f"{r.mb_per_s:.3f}",
            f"{r.mb_per_s / flash.get(r.megabytes, slice_rate):.3g}x",
        ]
        for r in rates
    ]
    print_table(["tool", "MB", "runs", "seconds per run", "MB/s (median)", "vs flashgeotext"], rows)


def throughput(args: argparse.Namespace, passages: list[Passage], names: dict[str, Place], tools: Tools) -> None:
    """Generate the corpus in a temporary directory and print the throughput table."""
    folder = Path(tempfile.mkdtemp(prefix="find_bench_"))
    path = folder / "corpus.txt"
    try:
        start = time.perf_counter()
        count = generate_corpus(path, args.mb, passages, names, args.seed, args.names == "weighted")
        documents = read_corpus(path)
        made = time.perf_counter() - start
        print(
            f"corpus: {path} — {size_mb(documents):.1f} MB, {count:,} documents, replacement names "
            f"{args.names}, made in {made:.1f} s\n"
        )
        rate_table(measure_all(args, documents, tools))
        print(
            f"Slices are the first MB of the corpus; the regex gets {args.regex_mb:g} MB only (a 5 MB run would\n"
            "take about ten minutes). toponyms runs start with empty caches (a fresh Resolver and Extractor,\n"
            "built untimed); the Pool figure is wall time including start-up (see the build table). Each row\n"
            "is set against flashgeotext over the same text: the slice, or the whole corpus.\n"
        )
    finally:
        if args.keep_corpus:
            print(f"corpus kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    """Run both parts and print their tables."""
    args = parse_args(argv)
    print("$ python " + " ".join([os.path.relpath(__file__), *(sys.argv[1:] if argv is None else argv)]))
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs (load average {load} at start), seed {args.seed}\n")
    start = time.perf_counter()
    gazetteer = Gazetteer.load()
    print(
        f"gazetteer: {len(gazetteer.places):,} places, loaded in {time.perf_counter() - start:.2f} s (compiled cache)\n"
    )
    names = name_table(gazetteer)
    places = {p.id: p for p in gazetteer}
    passages = load_passages()

    section("build")
    tools = build_tools(gazetteer, names, args.workers)
    regex, flash = tools.regex, tools.flash

    section(f"mention accuracy: {len(passages)} passages, {sum(len(p.mentions) for p in passages)} gold mentions (%)")
    finders: dict[str, Finder] = {"toponyms": toponyms_finder, "regex": regex.find, "flashgeotext": flash.find}
    predictions = accuracy_tables(passages, finders)
    section("recall by kind of mention (span and place right)")
    category_table(passages, predictions, places)
    section("toponyms errors")
    error_table(passages, predictions["toponyms"], places)

    section(f"throughput (MB = 10^6 bytes of UTF-8; {args.runs} runs, median)")
    throughput(args, passages, names, tools)


if __name__ == "__main__":
    main()
