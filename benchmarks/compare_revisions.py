#!/usr/bin/env python
"""Throughput of ``find`` at a git revision against the working tree, interleaved in one process.

Usage: python benchmarks/compare_revisions.py REV [--mb 2] [--after 0] [--runs 5] [--names uniform|weighted]
                                             [--text-scoring formula|model]

On a shared machine the speed of the CPU changes from minute to minute, so two benchmark runs
minutes apart cannot tell a 10% change from noise. Here both versions run in the same process,
one after the other, ``--runs`` times, on the first ``--mb`` MB of the generated corpus
(``common.generate_corpus``): the revision's ``toponyms`` and ``data`` are extracted with ``git
archive`` and imported as ``toponyms_rev`` (``common.import_versions``). Each round times, in CPU
seconds, a cold run (a new resolver and extractor) and a warm run (the same again) of each
version, and flashgeotext once; the table gives the fastest round of each (the least disturbed)
and its ratio to flashgeotext's fastest. With ``--after MB``, the timed MB are those that follow
the first ``--after`` MB of the corpus, and each cold run is preceded, untimed, by the new
extractor's pass over those first MB: a cold run late in a long corpus, whose common runs are
known and whose new ones are rarer names in new company.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from common import (
    SEED,
    FlashBaseline,
    cpu_seconds,
    generated_documents,
    head,
    import_versions,
    name_table,
    print_table,
    size_mb,
)


def main(argv: list[str] | None = None) -> None:
    """Time both versions and flashgeotext, interleaved, and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revision", help="a git revision, e.g. HEAD~3")
    parser.add_argument("--mb", type=float, default=2.0, help="MB of the generated corpus to time")
    parser.add_argument("--after", type=float, default=0.0, help="MB of the corpus read untimed before a cold run")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--names", choices=("uniform", "weighted"), default="uniform")
    parser.add_argument("--text-scoring", choices=("formula", "model"), help="the working tree's Resolver.text_scoring")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="compare_") as temporary:
        versions = {
            label: (version.Gazetteer.load(), version.Resolver, version.Extractor)
            for label, version in import_versions(args.revision, Path(temporary)).items()
        }
        if args.text_scoring:
            versions["working tree"][1].text_scoring = args.text_scoring

        gazetteer = versions["working tree"][0]
        names = name_table(gazetteer)
        corpus = generated_documents(names, args.after + args.mb, SEED, args.names == "weighted")
        earlier = head(corpus, args.after) if args.after else []
        documents = corpus[len(earlier) :]
        megabytes = size_mb(documents)
        flash = FlashBaseline(names)

        def run(finder: Callable[[str], list[object]], texts: list[str] = documents) -> Callable[[], object]:
            # The mentions are counted and dropped, as in find_bench.py and a batch run: a list of
            # every document's mentions would give the garbage collector more to do.
            return lambda: sum(len(finder(document)) for document in texts)

        for loaded, resolver, extractor in versions.values():  # imports, tables, compiled copies
            run(extractor(resolver(loaded)).find)()
        seconds: dict[str, list[float]] = {}
        for _ in range(args.runs):
            for label, (loaded, resolver, extractor) in versions.items():
                fresh = extractor(resolver(loaded))
                run(fresh.find, earlier)()
                seconds.setdefault(f"{label}, cold", []).append(cpu_seconds(run(fresh.find)))
                seconds.setdefault(f"{label}, warm", []).append(cpu_seconds(run(fresh.find)))
            seconds.setdefault("flashgeotext", []).append(cpu_seconds(run(flash.find)))

    base = min(seconds["flashgeotext"])
    rows = [
        [label, f"{megabytes / min(times):.2f}", f"{base / min(times):.2f}x", " ".join(f"{t:.2f}" for t in times)]
        for label, times in seconds.items()
    ]
    print(f"$ python benchmarks/compare_revisions.py {' '.join(argv if argv is not None else sys.argv[1:])}")
    after = f" after the first {size_mb(earlier):.2f} MB" if earlier else ""
    print(f"{megabytes:.2f} MB{after}, {len(documents):,} documents, names {args.names}, {args.runs} rounds\n")
    print_table(["version", "MB/s (fastest)", "vs flashgeotext", "CPU seconds per round"], rows)


if __name__ == "__main__":
    main()
