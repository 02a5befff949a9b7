#!/usr/bin/env python
"""Where a cold ``find`` spends its time over a whole generated corpus.

Usage: python benchmarks/cold_profile.py [--mb 50] [--names uniform|weighted] [--keep] [--steps]

One new extractor finds the mentions of find_bench's generated corpus, a tenth at a time, then
does it all again with its caches warm. Printed: CPU seconds per tenth, cold and warm; what the
garbage collector did in the cold pass (collections and seconds per generation, objects it tracks
at the end). With ``--keep`` the cold pass keeps every document's mentions, as a program that makes
a list of them would, and the collector has more to do. With ``--steps``, every step of ``find`` is
wrapped in a timer and its own time (without the steps it calls) is printed too; the timers cost
about a microsecond a call, so the totals grow.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import find_bench  # noqa: E402

from toponyms.gazetteer import Gazetteer  # noqa: E402
import toponyms.extract as extract  # noqa: E402
from toponyms.extract import Extractor  # noqa: E402
from toponyms.resolve import Resolver  # noqa: E402


def extractor_steps(extractor: Extractor) -> list[tuple[Any, str]]:
    """The steps of ``find``: each where it is looked up when called (an object of the extractor,
    or the module that calls a function by name), and its name."""
    return [
        (extractor.memo, "scan"),
        (extractor.memo, "_standing"),
        (extractor.memo, "_worked_out"),
        (extractor.memo, "parts"),
        (extractor.memo, "_joined"),
        (extract.memo, "passes"),
        (extract.passes, "propose"),
        (extractor.lookup, "best"),
        (extract.extractor, "glosses"),
        (extractor._context, "settle"),
    ]


RESOLVER_STEPS = ("_find", "_rank")


class StepTimer:
    """Own time and calls of wrapped functions (a step's time without the wrapped steps it calls)."""

    def __init__(self) -> None:
        self.seconds: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        self._inner: list[float] = []  # time of the wrapped steps called by each open step

    def wrap(self, owner: Any, name: str, label: str) -> None:
        step = getattr(owner, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            self._inner.append(0.0)
            try:
                return step(*args, **kwargs)
            finally:
                spent = time.perf_counter() - start
                self.seconds[label] += spent - self._inner.pop()
                self.calls[label] += 1
                if self._inner:
                    self._inner[-1] += spent

        setattr(owner, name, timed)


class CollectorWatch:
    """Collections and seconds per generation of the garbage collector while installed."""

    def __init__(self) -> None:
        self.seconds: Counter[int] = Counter()
        self.collections: Counter[int] = Counter()
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds[info["generation"]] += time.perf_counter() - self._started
            self.collections[info["generation"]] += 1


def tenths(documents: list[str]) -> list[list[str]]:
    """The documents in ten consecutive parts (the last takes the remainder)."""
    size = len(documents) // 10
    return [documents[i * size : (i + 1) * size if i < 9 else len(documents)] for i in range(10)]


def find_all(extractor: Extractor, documents: list[str], kept: list[object] | None) -> int:
    """The number of mentions in ``documents``; their lists are added to ``kept`` unless it is None
    (a batch run writes each document's mentions out and drops them; ``[find(d) for d in docs]`` keeps them)."""
    found = 0
    for document in documents:
        mentions = extractor.find(document)
        found += len(mentions)
        if kept is not None:
            kept.append(mentions)
    return found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=50.0, help="size of the generated corpus (MB)")
    parser.add_argument("--names", choices=("uniform", "weighted"), default="uniform")
    parser.add_argument("--seed", type=int, default=find_bench.SEED)
    parser.add_argument("--steps", action="store_true", help="time every step of find (slower)")
    parser.add_argument("--keep", action="store_true", help="keep every document's mentions, as a list would")
    args = parser.parse_args(argv)
    print("$ python " + " ".join([Path(__file__).name, *(sys.argv[1:] if argv is None else argv)]))

    gazetteer = Gazetteer.load()
    names = find_bench.name_table(gazetteer)
    documents = find_bench.generated_documents(names, args.mb, args.seed, args.names == "weighted")
    megabytes = find_bench.size_mb(documents)
    print(f"{megabytes:.1f} MB, {len(documents):,} documents, names {args.names}\n")

    extractor = Extractor(Resolver(gazetteer))
    timer = StepTimer()
    if args.steps:
        for owner, name in extractor_steps(extractor):
            timer.wrap(owner, name, name)
        for name in RESOLVER_STEPS:
            timer.wrap(extractor.resolver, name, f"resolver.{name}")
    parts = tenths(documents)
    kept: list[object] | None = [] if args.keep else None
    watch = CollectorWatch()
    gc.collect()
    gc.callbacks.append(watch)
    try:
        cold = [find_bench.cpu_seconds(lambda part=part: find_all(extractor, part, kept)) for part in parts]
    finally:
        gc.callbacks.remove(watch)
    tracked = len(gc.get_objects())
    cold_steps, cold_calls = Counter(timer.seconds), Counter(timer.calls)
    warm = [find_bench.cpu_seconds(lambda part=part: find_all(extractor, part, None)) for part in parts]

    find_bench.print_table(
        ["pass", *(f"{n + 1}/10" for n in range(10)), "total", "MB/s"],
        [
            [label, *(f"{s:.2f}" for s in seconds), f"{sum(seconds):.2f}", f"{megabytes / sum(seconds):.2f}"]
            for label, seconds in (("cold", cold), ("warm", warm))
        ],
    )
    print()
    find_bench.print_table(
        ["generation", "collections", "seconds"],
        [[str(g), f"{watch.collections[g]:,}", f"{watch.seconds[g]:.3f}"] for g in sorted(watch.collections)],
    )
    print(f"\nobjects tracked by the collector after the cold pass: {tracked:,}")
    if args.steps:
        print()
        find_bench.print_table(
            ["step (own time)", "calls", "seconds cold", "µs a call", "seconds warm"],
            [
                [
                    label,
                    f"{cold_calls[label]:,}",
                    f"{seconds:.3f}",
                    f"{seconds / cold_calls[label] * 1e6:.1f}",
                    f"{timer.seconds[label] - seconds:.3f}",
                ]
                for label, seconds in cold_steps.most_common()
            ],
        )


if __name__ == "__main__":
    main()
