#!/usr/bin/env python
"""Fit the resolver's decision model on the generated queries and write it into the package.

Usage: python scripts/train_model.py [--data build/training.tsv] [--out toponyms/data/decision.json]

For every query of ``scripts/make_training_data.py``'s train and validation splits,
``toponyms.recall`` generates the candidate places and their features; the right row
of each query is its place's, or the "no place" row when it is no place or its place
was not generated. For each prior (``lookup``, ``text``) gradient-boosted trees
(LightGBM, with a softmax over each query's rows as the objective) are fitted on the
train split; the depth, the number of trees and the learning rate are those of least
log-loss on the validation split, where a temperature for the scores is then fitted too.
The trees are written as complete binary trees (``toponyms.decide.Trees``) in JSON.

Needs the ``train`` extra (lightgbm). Features are cached in ``build/`` under a digest of
the data and of the code that computes them.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np

from toponyms import Gazetteer
from toponyms.decide import PRIORS, Trees
from toponyms.recall import FEATURES, Recall

ROOT = Path(__file__).resolve().parent.parent
SHAPING = ("toponyms/recall.py", "toponyms/neighbours.py", "toponyms/keys.py", "toponyms/index.py", "toponyms/data/spelling.json")
# (depth, learning rate): the candidates for the validation split to choose from. Deeper trees
# (4: 1.153 against 1.078 at 120 trees, rate 0.3) and slower rates (0.1, 300 trees: 1.071) did
# no better on the lookup prior's validation split, and take longer to fit and to score.
GRID = [(2, 0.3), (3, 0.3)]
MAX_TREES = 150  # trees cost time at every lookup
# A leaf's value at most this (LightGBM's max_delta_step). Uncapped, a leaf of many right rows each
# at a tiny probability takes a Newton step of dozens, and the fit seldom recovers before early
# stopping: on the lookup prior's validation split depth 3 stopped at 45 trees with log-loss 1.149,
# capped at 1 it ran 150 trees to 0.766 (capped at 3: 0.772; depth 2: 0.805 capped, 0.809 not).
MAX_STEP = 1.0
PATIENCE = 20  # rounds without a better validation log-loss before a fit stops
MIN_LEAF = 40  # rows in a leaf, at least


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as rows:
        return list(csv.DictReader(rows, delimiter="\t", quoting=csv.QUOTE_NONE))


class Grouped:
    """The rows of many queries: a feature matrix, where each query's rows start, and which row is right."""

    def __init__(self, matrix: np.ndarray, starts: np.ndarray, right: np.ndarray) -> None:
        self.matrix, self.starts, self.right = matrix, starts, right
        self.sizes = np.diff(starts)
        self.group = np.repeat(np.arange(len(self.sizes)), self.sizes)
        self.target = np.zeros(len(matrix))
        self.target[starts[:-1] + right] = 1.0

    def softmax(self, scores: np.ndarray) -> np.ndarray:
        top = np.maximum.reduceat(scores, self.starts[:-1])[self.group]
        exp = np.exp(scores - top)
        return exp / np.add.reduceat(exp, self.starts[:-1])[self.group]

    def log_loss(self, scores: np.ndarray) -> float:
        p = self.softmax(scores)[self.starts[:-1] + self.right]
        return float(-np.mean(np.log(np.maximum(p, 1e-15))))


def featurise(rows: list[dict[str, str]], recall: Recall, ids: list[str]) -> Grouped:
    """The candidates of each query, as one matrix; the right row is the truth's or row 0 (no place)."""
    number_of = {ident: number for number, ident in enumerate(ids)}
    blocks, starts, right = [], [0], []
    began = time.perf_counter()
    for count, row in enumerate(rows, 1):
        found = recall.candidates(row["query"])
        truth = number_of.get(row["truth"]) if row["truth"] else None
        right.append(found.places.index(truth) + 1 if truth in found.places else 0)
        blocks.append(found.features)
        starts.append(starts[-1] + len(found.features))
        if count % 5000 == 0:
            print(f"  {count:,} queries, {time.perf_counter() - began:.0f} s", file=sys.stderr)
    return Grouped(np.concatenate(blocks), np.array(starts), np.array(right))


def cached_features(rows: list[dict[str, str]], name: str, digest: str, recall: Recall, ids: list[str]) -> Grouped:
    path = ROOT / "build" / f"features-{name}-{digest}.npz"
    if path.exists():
        with np.load(path, allow_pickle=False) as saved:
            return Grouped(saved["matrix"], saved["starts"], saved["right"])
    grouped = featurise(rows, recall, ids)
    np.savez(path, matrix=grouped.matrix, starts=grouped.starts, right=grouped.right)
    return grouped


def fit(train: Grouped, valid: Grouped, depth: int, rate: float) -> tuple[lgb.Booster, float]:
    """Trees of ``depth`` fitted by a softmax over each query's rows; early stopping on ``valid``."""

    def objective(scores: np.ndarray, _: lgb.Dataset) -> tuple[np.ndarray, np.ndarray]:
        p = train.softmax(scores)
        return p - train.target, np.maximum(p * (1 - p), 1e-6)

    def validation_loss(scores: np.ndarray, _: lgb.Dataset) -> tuple[str, float, bool]:
        return "log_loss", valid.log_loss(scores), False

    params = {
        "objective": objective, "metric": "None", "max_depth": depth, "num_leaves": 2**depth,
        "learning_rate": rate, "min_data_in_leaf": MIN_LEAF, "lambda_l2": 1.0, "max_delta_step": MAX_STEP, "verbosity": -1,
        "deterministic": True, "force_row_wise": True, "num_threads": 2, "seed": 0, "boost_from_average": False,
    }  # fmt: skip
    train_set = lgb.Dataset(train.matrix, free_raw_data=False)
    valid_set = lgb.Dataset(valid.matrix, reference=train_set)
    booster = lgb.train(
        params, train_set, num_boost_round=MAX_TREES, valid_sets=[valid_set], feval=validation_loss,
        callbacks=[lgb.early_stopping(PATIENCE, verbose=False)],
    )  # fmt: skip
    return booster, valid.log_loss(booster.predict(valid.matrix, num_iteration=booster.best_iteration, raw_score=True))


def complete_trees(booster: lgb.Booster, depth: int) -> dict[str, Any]:
    """The booster's trees (up to its best iteration) as complete binary trees of ``depth``."""
    dumped = booster.dump_model(num_iteration=booster.best_iteration)["tree_info"]
    inner, outer = 2**depth - 1, 2**depth
    features, thresholds, leaves = [], [], []
    for tree in dumped:
        feature, threshold, leaf = [0] * inner, [0.0] * inner, [0.0] * outer

        def place(node: dict[str, Any], at: int, level: int) -> None:
            if "leaf_value" in node:
                start, span = _leaf_span(at, level, depth)
                leaf[start : start + span] = [node["leaf_value"]] * span
                return
            if level == depth:
                raise ValueError("a tree is deeper than its max_depth")
            if node.get("decision_type") != "<=" or node.get("missing_type") not in ("None", None):
                raise ValueError(f"unsupported split: {node.get('decision_type')}, missing {node.get('missing_type')}")
            feature[at], threshold[at] = node["split_feature"], float(node["threshold"])
            place(node["left_child"], 2 * at + 1, level + 1)
            place(node["right_child"], 2 * at + 2, level + 1)

        place(tree["tree_structure"], 0, 0)
        features.append(feature)
        thresholds.append(threshold)
        leaves.append(leaf)
    return {"depth": depth, "features": features, "thresholds": thresholds, "leaves": leaves}


def _leaf_span(at: int, level: int, depth: int) -> tuple[int, int]:
    """The leaves (first, how many) under node ``at`` of ``level`` in a complete tree of ``depth``."""
    below = depth - level
    first = at
    for _ in range(below):
        first = 2 * first + 1  # the leftmost descendant
    return first - (2**depth - 1), 2**below


def fit_temperature(valid: Grouped, scores: np.ndarray) -> float:
    """The divisor of the scores that minimises the validation log-loss (golden-section search)."""
    low, high = 0.3, 3.0
    ratio = (math.sqrt(5) - 1) / 2
    for _ in range(60):
        a, b = high - ratio * (high - low), low + ratio * (high - low)
        if valid.log_loss(scores / a) < valid.log_loss(scores / b):
            high = b
        else:
            low = a
    return round((low + high) / 2, 4)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT / "build" / "training.tsv")
    parser.add_argument("--out", type=Path, default=ROOT / "toponyms" / "data" / "decision.json")
    args = parser.parse_args(argv)
    rows = read_rows(args.data)
    digest = hashlib.sha256(args.data.read_bytes())
    for part in SHAPING:
        digest.update((ROOT / part).read_bytes())
    tag = digest.hexdigest()[:16]
    gazetteer = Gazetteer.load()
    recall, ids = Recall(gazetteer), list(gazetteer.column("id"))
    (ROOT / "build").mkdir(exist_ok=True)
    model: dict[str, Any] = {
        "comment": "Written by scripts/train_model.py from build/training.tsv (scripts/make_training_data.py); read by toponyms/decide.py.",
        "features": list(FEATURES),
        "priors": {},
    }
    for prior in PRIORS:
        data = {
            split: cached_features(
                [row for row in rows if row["prior"] == prior and row["split"] == split], f"{prior}-{split}", tag, recall, ids
            )
            for split in ("train", "validation")
        }
        train, valid = data["train"], data["validation"]
        print(f"{prior}: {len(train.sizes):,} train queries ({len(train.matrix):,} rows), {len(valid.sizes):,} validation")
        best = None
        for depth, rate in GRID:
            booster, loss = fit(train, valid, depth, rate)
            print(f"  depth {depth}, rate {rate}: {booster.best_iteration} trees, validation log-loss {loss:.4f}")
            if best is None or loss < best[0]:
                best = (loss, depth, rate, booster)
        loss, depth, rate, booster = best  # type: ignore[misc]
        trees = complete_trees(booster, depth)
        exported = Trees(depth, np.array(trees["features"]), np.array(trees["thresholds"]), np.array(trees["leaves"]), 1.0)
        raw = booster.predict(valid.matrix, num_iteration=booster.best_iteration, raw_score=True)
        mismatch = float(np.max(np.abs(exported.scores(valid.matrix) - raw)))
        if mismatch > 1e-6:
            raise SystemExit(f"{prior}: the exported trees score differently from LightGBM's (by {mismatch})")
        temperature = fit_temperature(valid, raw)
        print(f"  chosen: depth {depth}, rate {rate}, {len(trees['leaves'])} trees; temperature {temperature}: "
              f"log-loss {loss:.4f} -> {valid.log_loss(raw / temperature):.4f}")  # fmt: skip
        trees["temperature"] = temperature
        trees["validation_log_loss"] = round(valid.log_loss(raw / temperature), 5)
        trees["learning_rate"] = rate
        model["priors"][prior] = trees
    args.out.write_text(json.dumps(model, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
