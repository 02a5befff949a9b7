#!/usr/bin/env python
"""What precision each of find's floors buys, under the text model and the formula, on the VALIDATION split.

Usage: python benchmarks/floors.py [--data build/training.tsv] [--split validation] [--target 0.98]

The queries of the ``text`` prior of ``scripts/make_training_data.py`` (as benchmarks/calibration.py
reads them) are asked as find asks a name lifted from text (``Resolver.place_in_text``). A query's
answer is its best candidate; it is right when that is the place meant (a non-place query's answer is
always wrong). For each floor ``f`` the table gives, of the answers scored at least ``f``, how many
there are and how many are right:

- ``sure`` (``Floors.sure``): the answers found as an anchor must be (``context.ANCHORING``);
- ``garble`` (``Floors.garble``): the answers not found as written (``checks.AS_WRITTEN``), as the
  capitalised words that no name spells are (Mirnohrad, Константиновке);
- ``place``: of all queries, those whose name is a place at least ``f`` sure (1 - P(no place) under
  the model): what the threshold buys, a place rather than which.

Each floor is chosen as the lowest (in steps of 0.01) from which on the answers are at least
``--target`` right, where at least ``MIN_ANSWERS`` are. The identifiable queries alone are counted
(a namesake of comparable weight leaves no decider a way to tell: calibration.py's ``identifiable``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from calibration import ROOT, identifiable, read_rows

from toponyms import Resolver
from toponyms.extract.checks import AS_WRITTEN
from toponyms.extract.context import ANCHORING

MIN_ANSWERS = 50  # a floor is chosen where at least this many answers reach it
FLOORS = [round(0.30 + 0.01 * step, 2) for step in range(70)]


def answers(resolver: Resolver, rows: list[dict[str, str]]) -> list[tuple[float, float, str, bool, bool]]:
    """(score of the best candidate, how sure a place, its method, whether right, whether a place was meant) per query."""
    found = []
    for row in rows:
        chance, best = resolver.place_in_text(row["query"])
        if best:
            found.append((best[0].score, chance, best[0].method, best[0].place.id == row["truth"], bool(row["truth"])))
        else:
            found.append((0.0, 0.0, "", False, bool(row["truth"])))
    return found


def curve(pairs: list[tuple[float, bool]]) -> list[tuple[float, int, float]]:
    """(floor, answers at least that sure, fraction right) for each of ``FLOORS``."""
    table = []
    for floor in FLOORS:
        kept = [right for score, right in pairs if score >= floor]
        table.append((floor, len(kept), sum(kept) / len(kept) if kept else 1.0))
    return table


def chosen(table: list[tuple[float, int, float]], target: float) -> tuple[float, int, float] | None:
    """The lowest floor from which on every floor's answers are at least ``target`` right."""
    for at, (floor, count, right) in enumerate(table):
        if count >= MIN_ANSWERS and all(later >= target for _, n, later in table[at:] if n >= MIN_ANSWERS):
            return floor, count, right
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "build" / "training.tsv")
    parser.add_argument("--split", default="validation")
    parser.add_argument("--target", type=float, default=0.98)
    args = parser.parse_args()
    rows = [row for row in read_rows(args.data, args.split) if row["prior"] == "text" and identifiable(row)]
    print(f"$ python benchmarks/floors.py --split {args.split} --target {args.target}")
    meant = sum(bool(row["truth"]) for row in rows)
    print(f"{len(rows):,} identifiable text-prior queries of the {args.split} split ({meant:,} mean a place)\n")
    for scoring in ("model", "formula"):
        resolver = Resolver()
        resolver.text_scoring = scoring
        found = answers(resolver, rows)
        kinds = {
            "sure": [(score, right) for score, _, method, right, _ in found if method in ANCHORING],
            "garble": [(score, right) for score, _, method, right, _ in found if method and method not in AS_WRITTEN],
            "place": [(chance, meant) for _, chance, method, _, meant in found if method],
        }
        tables = {kind: curve(pairs) for kind, pairs in kinds.items()}
        print(f"## {scoring}\n")
        print("| floor | " + " | ".join(f"{kind}: answers | right" for kind in kinds) + " |")
        print("|---:|" + "---:|---:|" * len(kinds))
        for at, floor in enumerate(FLOORS):
            if at % 5 == 0 or floor in (0.5, 0.7, 0.8):
                cells = " | ".join(f"{tables[kind][at][1]:,} | {tables[kind][at][2]:.3f}" for kind in kinds)
                print(f"| {floor:.2f} | {cells} |")
        print()
        for kind, table in tables.items():
            pick = chosen(table, args.target)
            text = "none reaches it" if pick is None else f"{pick[0]:.2f} ({pick[1]:,} answers, {pick[2]:.3f} right)"
            print(f"{scoring} {kind}: the lowest floor with answers >= {args.target:.1%} right: {text}")
        print()


if __name__ == "__main__":
    main()
