#!/usr/bin/env python
"""Candidate recall: how often the right place is among the candidates at all, today and with toponyms.recall.

Usage: python benchmarks/recall.py [--data build/training.tsv] [--split validation] [--per-kind N]

For each query of ``scripts/make_training_data.py`` that names a place (negatives have no
right place to find), today's resolver is asked for every candidate it keeps
(``Resolver.candidates(limit=10**6)``; ``candidates_in_text`` under the text prior), and
``toponyms.recall.Recall.candidates`` for its own. A query counts as recalled when its place
is among them. Also printed: how many candidates each gives (median and 90th percentile).
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
from collections import defaultdict
from pathlib import Path

from toponyms import Resolver
from toponyms.recall import Recall

ROOT = Path(__file__).resolve().parent.parent
EVERY = 10**6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT / "build" / "training.tsv")
    parser.add_argument("--split", default="validation")
    parser.add_argument("--per-kind", type=int, default=0, help="at most this many queries of each kind (0: all)")
    args = parser.parse_args(argv)
    print("$ python benchmarks/recall.py " + " ".join(argv if argv is not None else sys.argv[1:]))
    with args.data.open(encoding="utf-8", newline="") as rows_file:
        rows = [row for row in csv.DictReader(rows_file, delimiter="\t", quoting=csv.QUOTE_NONE) if row["split"] == args.split]
    resolver = Resolver()
    resolver.scoring = "formula"  # today's candidates, whatever the default
    recall = Recall(resolver.gazetteer)
    ids = resolver.gazetteer.column("id")
    print("\n| prior | kind | n | today | recall | today's candidates (median, p90) | recall's (median, p90) |")
    print("|---|---|---:|---:|---:|---|---|")
    for prior in ("lookup", "text"):
        by_kind: dict[str, list[dict[str, str]]] = defaultdict(list)
        for row in rows:
            if row["prior"] == prior and row["truth"]:
                by_kind[row["kind"]].append(row)
        totals = [0, 0, 0]
        for kind in sorted(by_kind):
            queries = by_kind[kind][: args.per_kind or None]
            old = new = 0
            old_sizes, new_sizes = [], []
            for row in queries:
                today = (resolver.candidates_in_text if prior == "text" else resolver.candidates)(row["query"], limit=EVERY)
                found = recall.candidates(row["query"]).places
                old += any(match.place.id == row["truth"] for match in today)
                new += any(ids[place] == row["truth"] for place in found)
                old_sizes.append(len(today))
                new_sizes.append(len(found))
            totals = [totals[0] + len(queries), totals[1] + old, totals[2] + new]
            print(
                f"| {prior} | {kind} | {len(queries)} | {old / len(queries):.1%} | {new / len(queries):.1%} "
                f"| {_spread(old_sizes)} | {_spread(new_sizes)} |"
            )
        n, old, new = totals
        print(f"| {prior} | all | {n} | {old / n:.1%} | {new / n:.1%} | | |")
    return 0


def _spread(sizes: list[int]) -> str:
    ordered = sorted(sizes)
    return f"{statistics.median(ordered):g}, {ordered[int(0.9 * (len(ordered) - 1))]}"


if __name__ == "__main__":
    sys.exit(main())
