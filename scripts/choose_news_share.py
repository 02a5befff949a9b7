#!/usr/bin/env python
"""Choose the lookup prior's news share (``make_training_data.NEWS_SHARE``) on the validation split.

Usage: python scripts/choose_news_share.py [--per-kind N] [--shares 0,0.25,0.5,0.75,1]

A user who looks a name up may mean the place the news means, or any place at all. For each
share, a lookup model (depth 3, rate 0.3, as ``scripts/train_model.py`` fits them, with its
temperature) is fitted on the train split of the data that share makes, and asked the
VALIDATION queries of two fixed sets, whatever the share: those of the ``text`` prior (the
place the news means) and those of the lookup prior with no news share (any settlement, by
the square root of its population); identifiable queries only (``rival`` below
``benchmarks/calibration.py``'s ``COMPARABLE``), non-places among them. The share chosen is
the one with the most right answers at 0.5, on average over the two sets: each user counts
the same. The test split is never read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_training_data import Row, make  # noqa: E402
from train_model import Grouped, featurise, fit, fit_temperature  # noqa: E402

from toponyms import Gazetteer  # noqa: E402
from toponyms.recall import Recall  # noqa: E402

COMPARABLE = 0.1  # as benchmarks/calibration.py
THRESHOLD = 0.5


def outcomes(grouped: Grouped, scores: np.ndarray, negative: np.ndarray) -> tuple[float, float]:
    """(fraction right, fraction wrong) of the queries, answering the best place at ``THRESHOLD``."""
    p = grouped.softmax(scores)
    right = wrong = 0
    for number, (start, end) in enumerate(zip(grouped.starts[:-1], grouped.starts[1:])):
        places = p[start + 1 : end]
        best = int(places.argmax()) + 1 if len(places) else 0
        answered = best > 0 and places[best - 1] >= THRESHOLD
        if not answered:
            right += bool(negative[number])
        elif best == grouped.right[number] and not negative[number]:
            right += 1
        else:
            wrong += 1
    return right / len(negative), wrong / len(negative)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-kind", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--shares", default="0,0.25,0.5,0.75,1")
    args = parser.parse_args(argv)
    gazetteer = Gazetteer.load()
    recall, ids = Recall(gazetteer), list(gazetteer.column("id"))

    made: dict[float, list[Row]] = {}

    def rows_of(share: float, prior: str, split: str, decidable: bool = False) -> list[dict[str, str]]:
        if share not in made:
            made[share] = list(make(gazetteer, args.per_kind, args.seed, share))
        return [
            row._asdict()
            for row in made[share]
            if row.prior == prior and row.split == split and (not decidable or not row.rival or float(row.rival) < COMPARABLE)
        ]

    fixed = {"news": rows_of(0.0, "text", "validation", True), "any place": rows_of(0.0, "lookup", "validation", True)}
    sets = {name: (featurise(rows, recall, ids), np.array([not row["truth"] for row in rows])) for name, rows in fixed.items()}
    print(f"validation queries: {', '.join(f'{name} {len(rows):,}' for name, rows in fixed.items())}")
    print("| news share | validation log-loss | news right | wrong | any place right | wrong | mean right |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    best = None
    for share in (float(value) for value in args.shares.split(",")):
        train = featurise(rows_of(share, "lookup", "train"), recall, ids)
        valid = featurise(rows_of(share, "lookup", "validation"), recall, ids)
        booster, loss = fit(train, valid, 3, 0.3)
        temperature = fit_temperature(valid, booster.predict(valid.matrix, num_iteration=booster.best_iteration, raw_score=True))
        cells, rights = [], []
        for grouped, negative in sets.values():
            raw = booster.predict(grouped.matrix, num_iteration=booster.best_iteration, raw_score=True)
            right, wrong = outcomes(grouped, raw / temperature, negative)
            cells.append(f"{right:.1%} | {wrong:.1%}")
            rights.append(right)
        mean = sum(rights) / len(rights)
        print(f"| {share} | {loss:.4f} | " + " | ".join(cells) + f" | {mean:.1%} |", flush=True)
        if best is None or mean > best[0]:
            best = (mean, share)
    print(f"chosen: news share {best[1]}" if best else "no share")  # type: ignore[index]
    return 0


if __name__ == "__main__":
    sys.exit(main())
