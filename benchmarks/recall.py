#!/usr/bin/env python
"""Candidate recall: how often the right place is among the candidates at all, today and with toponyms.recall.

Usage: python benchmarks/recall.py [--data build/training.tsv] [--split validation[,test]] [--per-kind N] [--ablate]

For each query of ``scripts/make_training_data.py`` that names a place (negatives have no
right place to find), today's resolver is asked for every candidate it keeps
(``Resolver.candidates(limit=10**6)``; ``candidates_in_text`` under the text prior), and
``toponyms.recall.Recall.candidates`` for its own. A query counts as recalled when its place
is among them. Also printed: how many candidates each gives (median and 90th percentile).

With ``--ablate``, ``toponyms.recall`` alone, with each of its fuzzy retrievals
(``recall.FUZZY_STEPS``) left out in turn: the recall, the number of candidates, how many
queries' right place only that retrieval finds, the median CPU µs of candidate generation
(over every query, and over the typos and garbles) and of the fuzzy retrieval alone
(``_Tables.fuzzy_keys`` on the query's spelling key, typos and garbles), and the median number
of fuzzy keys it hands on (the candidate sets change, so the trained model would have to be
trained again on them).
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

from toponyms import Resolver, recall
from toponyms.keys import spelling_key
from toponyms.recall import Recall

ROOT = Path(__file__).resolve().parent.parent
EVERY = 10**6
FUZZY_KINDS = ("typo", "garble-inner", "garble-suffix")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT / "build" / "training.tsv")
    parser.add_argument("--split", default="validation", help="a split, or several joined by commas")
    parser.add_argument("--per-kind", type=int, default=0, help="at most this many queries of each kind (0: all)")
    parser.add_argument("--ablate", action="store_true", help="leave out each fuzzy retrieval of toponyms.recall in turn")
    args = parser.parse_args(argv)
    print("$ python benchmarks/recall.py " + " ".join(argv if argv is not None else sys.argv[1:]))
    with args.data.open(encoding="utf-8", newline="") as rows_file:
        rows = [row for row in csv.DictReader(rows_file, delimiter="\t", quoting=csv.QUOTE_NONE) if row["split"] in args.split.split(",")]
    if args.ablate:
        ablate(rows, args.per_kind)
        return 0
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


def ablate(rows: list[dict[str, str]], per_kind: int) -> None:
    """Recall and cost of ``toponyms.recall`` with each of its fuzzy retrievals left out in turn."""
    by_kind: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        if row["truth"]:
            by_kind[row["kind"]].append(row)
    queries = [row for kind in sorted(by_kind) for row in by_kind[kind][: per_kind or None]]
    resolver = Resolver()
    finder = Recall(resolver.gazetteer)
    ids = resolver.gazetteer.column("id")
    finder.candidates("Kramatorsk")  # its tables, before timing
    every = recall.FUZZY_STEPS
    found_with: dict[str, list[bool]] = {}
    print(f"\n{len(queries)} queries that name a place\n")
    fuzzy = [row for row in queries if row["kind"] in FUZZY_KINDS]
    fuzzy_keys = [key for row in fuzzy if len(key := spelling_key(row["query"])) >= recall.MIN_KEY]
    tables = finder._tables
    print(
        "| fuzzy retrievals | recall | typo | garble-inner | garble-suffix | candidates (median, p90) "
        "| right place found by it alone | median CPU µs | of typos and garbles | their fuzzy retrieval | fuzzy keys |"
    )
    print("|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|")
    for left_out in ("", *sorted(every)):
        recall.FUZZY_STEPS = every - {left_out}
        found, sizes, times, fuzzy_times, counts = [], [], [], [], []
        for row in queries:
            began = time.process_time()
            places = finder.candidates(row["query"]).places
            times.append(time.process_time() - began)
            found.append(any(ids[place] == row["truth"] for place in places))
            sizes.append(len(places))
        for key in fuzzy_keys:
            began = time.process_time()
            counts.append(len(tables.fuzzy_keys(key)))
            fuzzy_times.append(time.process_time() - began)
        recall.FUZZY_STEPS = every
        kind_times = [spent for spent, row in zip(times, queries) if row["kind"] in FUZZY_KINDS]
        found_with[left_out] = found
        kinds = [
            sum(ok for ok, row in zip(found, queries) if row["kind"] == kind) / max(1, sum(row["kind"] == kind for row in queries))
            for kind in FUZZY_KINDS
        ]
        alone = sum(a and not b for a, b in zip(found_with[""], found)) if left_out else 0
        print(
            f"| {'all' if not left_out else 'all but ' + left_out} | {sum(found) / len(found):.1%} | "
            + " | ".join(f"{share:.1%}" for share in kinds)
            + f" | {_spread(sizes)} | {alone if left_out else ''} | {statistics.median(times) * 1e6:,.0f}"
            + f" | {statistics.median(kind_times) * 1e6:,.0f} | {statistics.median(fuzzy_times) * 1e6:,.0f}"
            + f" | {statistics.median(counts):g} |"
        )


def _spread(sizes: list[int]) -> str:
    ordered = sorted(sizes)
    return f"{statistics.median(ordered):g}, {ordered[int(0.9 * (len(ordered) - 1))]}"


if __name__ == "__main__":
    sys.exit(main())
