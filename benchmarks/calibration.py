#!/usr/bin/env python
"""Right, wrong and none per kind of query, and how well scores are calibrated, on the TEST split.

Usage: python benchmarks/calibration.py [--data build/training.tsv] [--per-kind N] [--threshold T] [--no-baseline]
       python benchmarks/calibration.py --latency N [--against REV] [--kinds "exact;typo;garble-inner"]
       python benchmarks/calibration.py --check N [--against REV]
                                        [--model decision.json]

The queries are those of ``scripts/make_training_data.py`` whose places (or words) hash to
the test split: no place of theirs gave a training or validation query. Three deciders answer
each, under each prior (``lookup``: ``Resolver.resolve``; ``text``: the first candidate of
``Resolver.candidates_in_text`` at the resolver's threshold):

- today's resolver (the hand-tuned score of ``toponyms/resolve.py``);
- the model (``toponyms.recall`` candidates, ``toponyms.decide`` probabilities), answering its
  most probable place when that probability is at least ``--threshold`` (0.5);
- the naive baseline: ``rapidfuzz.process.extractOne`` of the normalised query over every
  normalised name (``fuzz.WRatio``, cutoff 85), answering the most populous place of that name.

A negative (no place) is right when unanswered. The reliability table bins every query's
best candidate by its score (answered or not) and sets the mean score beside the fraction
right; ECE is the mean gap, weighted by the bins' sizes (ten bins of equal width).

What is decidable: when the held-out place shares the exact name its query was made from
with another place of comparable prior weight — a namesake weighing at least ``COMPARABLE``
of it (the ``rival`` column of the data) — no decider can know which of them was meant. Such
queries are not dropped but reported apart ("not identifiable", one row per prior); the
per-kind table, its totals, the reliability table and the ECE — what issue 16's targets
(typos >= 97% right, garbles >= 90%, wrong <= 1% per kind, non-places answered <= 1%,
ECE <= 0.03) are measured on — count the identifiable ones only (the ECE over all is printed
beside). Non-places are always identifiable. ``--model`` scores with another decision file
than the package's (a model before and after retraining, on the same queries).
"""

from __future__ import annotations

import argparse
import csv
import importlib
import json
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common import import_versions
import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from toponyms import Gazetteer, Resolver
from toponyms.decide import Trees, _trees, model
from toponyms.keys import spelling_key
from toponyms.normalize import normalize
from toponyms.recall import Recall

ROOT = Path(__file__).resolve().parent.parent
BINS = 10
BASELINE_CUTOFF = 85.0
LATENCY_ROUND = 10  # queries timed of one caller before the next caller's turn
NEAREST_KINDS = ("typo", "garble-inner", "garble-suffix")  # what --nearest counts
OUTCOMES = ("right", "no place likelier", "under the threshold", "another first", "no candidate")
COMPARABLE = 0.1  # a namesake of at least this share of the place's prior weight makes a query undecidable

Answer = tuple[str | None, float]  # the best candidate's place id (None: no candidate) and its score


def read_rows(path: Path, split: str) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as rows:
        return [row for row in csv.DictReader(rows, delimiter="\t", quoting=csv.QUOTE_NONE) if row["split"] == split]


def identifiable(row: dict[str, str]) -> bool:
    """Whether no namesake of comparable prior weight shares the name the query was made from."""
    return not row.get("rival") or float(row["rival"]) < COMPARABLE


class Nearest:
    """How a query's written form stands to the names of its own place and of the others.

    Levenshtein distance between normalised forms, over every name of the gazetteer: ``OWN`` where
    a name of its place is nearer than any other place's, ``TIED`` where another place's name is as
    near, ``ELSEWHERE`` where one is nearer. Past ``OWN`` the form no longer points at the place
    meant, and only the prior can still pick it: a typo of a village that lands as near to another
    village's name is lost to any decider but by luck (a ceiling for the accuracy targets).
    """

    OWN, TIED, ELSEWHERE = 0, 1, 2

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.forms: dict[str, set[str]] = defaultdict(set)
        self.own: dict[str, list[str]] = defaultdict(list)
        for place in gazetteer.places:
            for name in place.names:
                form = normalize(name.text)
                if form:
                    self.forms[form].add(place.id)
                    self.own[place.id].append(form)
        self.choices = sorted(self.forms)

    def standing(self, query: str, truth: str) -> int:
        form = normalize(query)
        own = min((Levenshtein.distance(form, name) for name in self.own[truth]), default=None)
        if not form or own is None:
            return self.OWN
        near = process.extract(form, self.choices, scorer=Levenshtein.distance, score_cutoff=own, limit=None)
        distances = [distance for name, distance, _ in near if self.forms[name] - {truth}]
        return self.OWN if not distances else self.ELSEWHERE if min(distances) < own else self.TIED


class Deciders:
    def __init__(self, threshold: float, baseline: bool, trees: Path | None = None) -> None:
        self.resolver = Resolver()
        self.resolver.scoring = "formula"  # today's: the hand-tuned score, whatever the default
        self.gazetteer = self.resolver.gazetteer
        self.recall = Recall(self.gazetteer)
        self.ids = self.gazetteer.column("id")
        self.threshold = threshold
        data = json.loads(trees.read_text("utf-8")) if trees is not None else None
        self.trees: dict[str, Trees] = {prior: _trees(data, prior) if data else model(prior) for prior in ("lookup", "text")}
        self.baseline_names: list[str] = []
        self.baseline_owner: dict[str, str] = {}
        if baseline:
            biggest: dict[str, tuple[int, str]] = {}
            for place in self.gazetteer.places:
                for name in place.names:
                    form = normalize(name.text)
                    if form and (form not in biggest or place.population > biggest[form][0]):
                        biggest[form] = (place.population, place.id)
            self.baseline_names = sorted(biggest)
            self.baseline_owner = {form: ident for form, (_, ident) in biggest.items()}

    def today(self, query: str, prior: str) -> Answer:
        found = (self.resolver.candidates_in_text if prior == "text" else self.resolver.candidates)(query, limit=1)
        return (found[0].place.id, found[0].score) if found else (None, 0.0)

    def chances(self, query: str, prior: str) -> tuple[Any, Any]:
        """The query's candidates, and P(no place) then P(each place) under this model's trees (as
        ``toponyms.decide.probabilities``)."""
        candidates = self.recall.candidates(query)
        scores = self.trees[prior].scores(candidates.features)
        chances = np.exp(scores - scores.max())
        return candidates, chances / chances.sum()

    def model(self, query: str, prior: str) -> Answer:
        candidates, chances = self.chances(query, prior)
        if not candidates.places:
            return None, 0.0
        best = int(chances[1:].argmax())
        return self.ids[candidates.places[best]], float(chances[best + 1])

    def outcome(self, query: str, truth: str, prior: str) -> str:
        """What the model makes of a query that means ``truth``: one of ``OUTCOMES``."""
        candidates, chances = self.chances(query, prior)
        if truth not in {self.ids[place] for place in candidates.places}:
            return "no candidate"
        best = int(chances[1:].argmax())
        if self.ids[candidates.places[best]] != truth:
            return "another first"
        if chances[best + 1] >= self.threshold:
            return "right"
        return "no place likelier" if chances[0] > chances[best + 1] else "under the threshold"

    def baseline(self, query: str, prior: str) -> Answer:
        found = process.extractOne(normalize(query), self.baseline_names, scorer=fuzz.WRatio, score_cutoff=BASELINE_CUTOFF)
        return (self.baseline_owner[found[0]], 1.0) if found is not None else (None, 0.0)


def reliability(pairs: list[tuple[float, bool]]) -> tuple[list[tuple[str, int, float, float]], float]:
    """Bins of (score, right) pairs: (range, count, mean score, fraction right), and the ECE."""
    bins: list[list[tuple[float, bool]]] = [[] for _ in range(BINS)]
    for score, right in pairs:
        bins[min(int(score * BINS), BINS - 1)].append((score, right))
    table, gap = [], 0.0
    for number, members in enumerate(bins):
        if not members:
            continue
        mean = statistics.fmean(score for score, _ in members)
        right = sum(ok for _, ok in members) / len(members)
        table.append((f"{number / BINS:.1f}-{(number + 1) / BINS:.1f}", len(members), mean, right))
        gap += len(members) * abs(mean - right)
    return table, gap / max(len(pairs), 1)


def latency(rows: list[dict[str, str]], count: int, against: str | None, kinds: list[str]) -> None:
    """Median microseconds of a lookup of each kind of ``kinds`` (exact names and typos unless
    told; "exact, again" asks the exact names anew): the model's (at ``against``
    too, in the same process), today's formula and two brute-force scans; and the cost of the
    first model lookup of a fresh resolver, whose lazy structures it makes (or reads from the cache),
    and what they cost made anew: the candidate tables and the answers worked out for every name.

    Every timed resolver is fresh (no query cache; each query is asked once) and has made one
    lookup untimed, so that what is made once per gazetteer or per process is made before timing.
    Lookups are timed in CPU time, which a busy machine disturbs less than wall time.
    """
    versions = {"working tree": (Gazetteer, Resolver)}
    if against:
        folder = tempfile.TemporaryDirectory()
        versions = {label: (version.Gazetteer, version.Resolver) for label, version in import_versions(against, Path(folder.name)).items()}
    resolvers: dict[str, Any] = {}
    print(
        "\n| version | first model lookup of a fresh resolver (ms) | its tables made anew, without the cache (ms) "
        "| the answers of its names made anew (ms) |"
    )
    print("|---|---:|---:|---:|")
    for label, (gazetteer_class, resolver_class) in versions.items():
        gazetteer = gazetteer_class.load()
        package = resolver_class.__module__.rsplit(".", 1)[0]
        tables = importlib.import_module(package + ".recall")._Tables
        answers = getattr(importlib.import_module(package + ".decide"), "Answers", None)  # none before model-exact
        first = resolver_class(gazetteer)
        first.scoring = "model"
        began = time.perf_counter()
        first.resolve("Pokrovsk")  # reads the model file and makes (or loads) the candidate tables
        first_ms = (time.perf_counter() - began) * 1e3
        digest, gazetteer.digest = gazetteer.digest, None  # no cache to load the tables from
        began = time.perf_counter()
        tables(gazetteer)
        built_ms = (time.perf_counter() - began) * 1e3
        answered = ""
        if answers is not None:
            began = time.perf_counter()
            answers(first.recall)
            answered = f"{(time.perf_counter() - began) * 1e3:,.0f}"
        gazetteer.digest = digest
        print(f"| {label} | {first_ms:,.0f} | {built_ms:,.0f} | {answered} |")
        resolvers[label] = resolver = resolver_class(gazetteer)
        resolver.scoring = "model"
        resolver.resolve("Kramatorsk")
    gazetteer = resolvers["working tree"].gazetteer
    keys = list(gazetteer.index.keyed.texts)
    forms = sorted({normalize(name.text) for place in gazetteer.places for name in place.names} - {""})

    def callers() -> dict[str, Callable[[str], object]]:
        """Fresh resolvers (no query cache), each having made one lookup, and the brute-force scans."""
        models = {}
        for label, earlier in resolvers.items():
            models[label] = type(earlier)(earlier.gazetteer)
            models[label].scoring = "model"
            models[label].resolve("Kramatorsk")
        today = Resolver(gazetteer)
        today.scoring = "formula"
        today.resolve("Kramatorsk")
        timed: dict[str, Callable[[str], object]] = {f"model ({label})": resolver.resolve for label, resolver in models.items()}
        return timed | {
            "of which candidates": models["working tree"].recall.candidates,
            "today's formula": today.resolve,
            f"extractOne over {len(keys):,} keys (ratio)": lambda query: process.extractOne(spelling_key(query), keys, scorer=fuzz.ratio),
            f"extractOne over {len(forms):,} names (WRatio)": lambda query: process.extractOne(
                normalize(query), forms, scorer=fuzz.WRatio, score_cutoff=BASELINE_CUTOFF
            ),
        }

    print(f"\nMedian CPU µs a lookup; each query once, {LATENCY_ROUND} queries of each caller in turn:\n")
    print("| queries | n | " + " | ".join(callers()) + " | each brute force ÷ model (working tree) |")
    print("|---|---:|" + "---:|" * (len(callers()) + 1))
    # Every place is made before timing (the names of the WRatio baseline go through them all), so no
    # caller pays for making a place (``PlaceTable``); "exact, again" asks the exact names anew, of
    # fresh resolvers, to show how steady the first row is.
    for kind in kinds:
        timed = callers()
        queries = list(dict.fromkeys(row["query"] for row in rows if row["kind"] == kind.split(",")[0] and row["prior"] == "lookup"))[:count]
        times: dict[str, list[float]] = defaultdict(list)
        for start in range(0, len(queries), LATENCY_ROUND):  # a few queries of each caller in turn
            for name, run in timed.items():
                for query in queries[start : start + LATENCY_ROUND]:
                    began = time.process_time()
                    run(query)
                    times[name].append(time.process_time() - began)
        medians = [statistics.median(times[name]) * 1e6 for name in timed]
        brute = " and ".join(f"{median / medians[len(resolvers) - 1]:,.1f}x" for median in medians[-2:])
        print(f"| {kind} | {len(queries)} | " + " | ".join(f"{median:,.0f}" for median in medians) + f" | {brute} |")


def check(rows: list[dict[str, str]], count: int, against: str) -> int:
    """How many of ``count`` queries get other candidates at ``against`` than in the working tree:
    other places, names or methods, or a feature that differs by more than 1e-9."""
    import numpy as np

    with tempfile.TemporaryDirectory() as folder:
        versions = import_versions(against, Path(folder))
        recalls, features = [], []
        for version in versions.values():
            module = importlib.import_module(version.Resolver.__module__.rsplit(".", 1)[0] + ".recall")
            recalls.append(module.Recall(version.Gazetteer.load()))
            features.append(list(module.FEATURES))
        # Features are compared by name: one that only one side has is reported, not compared.
        shared = [name for name in features[0] if name in features[1]]
        only = sorted(set(features[0]) ^ set(features[1]))
        if only:
            print(f"features only one side has (not compared): {', '.join(only)}")
        columns = [[side.index(name) for name in shared] for side in features]
        every = list(dict.fromkeys(row["query"] for row in rows))
        queries = every[:: max(1, len(every) // count)][:count]  # spread over the kinds and priors
        queries += ["", "?!", "Kyiv", "Пoкровськ", "Шишaky", "в Константиновке", "Ivano-Frankivsk"]
        differ = 0
        for query in queries:
            old, new = (recall.candidates(query) for recall in recalls)
            same = (old.query, old.places, old.hits, old.methods) == (new.query, new.places, new.hits, new.methods)
            old_features, new_features = old.features[:, columns[0]], new.features[:, columns[1]]
            if not (same and old_features.shape == new_features.shape and np.allclose(old_features, new_features, rtol=0, atol=1e-9)):
                differ += 1
                print(f"differs: {query!r}")
    print(f"\n{len(queries)} queries: {differ} get other candidates or features at {against} than in the working tree")
    return 1 if differ else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT / "build" / "training.tsv")
    parser.add_argument("--split", default="test")
    parser.add_argument("--per-kind", type=int, default=0, help="at most this many queries of each kind (0: all)")
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--latency", type=int, default=0, help="time this many exact and typo lookups instead")
    parser.add_argument(
        "--kinds", default="exact;typo;exact, again", help="with --latency, the kinds of query timed, separated by ';'"
    )
    parser.add_argument("--against", help="with --latency, time the model at this git revision too; with --check, compare with it")
    parser.add_argument("--check", type=int, default=0, help="instead, check that this many queries get the candidates --against gives")
    parser.add_argument("--model", type=Path, default=None, help="a decision.json to score with (default: the package's)")
    parser.add_argument(
        "--nearest", action="store_true", help="also count the queries whose form is nearer to another place's name (typos, garbles)"
    )
    args = parser.parse_args(argv)
    print("$ python benchmarks/calibration.py " + " ".join(argv if argv is not None else sys.argv[1:]))
    rows = read_rows(args.data, args.split)
    if args.check:
        return check(rows, args.check, args.against or "main")
    if args.latency:
        latency(rows, args.latency, args.against, args.kinds.split(";"))
        return 0
    deciders = Deciders(args.threshold, not args.no_baseline, args.model)
    named: dict[str, tuple[Callable[[str, str], Answer], float]] = {
        "today": (deciders.today, deciders.resolver.threshold), "model": (deciders.model, args.threshold)
    }
    if not args.no_baseline:
        named["baseline"] = (deciders.baseline, 0.0)
    nearest: Nearest | None = None
    for prior in ("lookup", "text"):
        by_kind: dict[str, list[dict[str, str]]] = defaultdict(list)
        for row in rows:
            if row["prior"] == prior:
                by_kind[row["kind"]].append(row)
        print(f"\n## prior: {prior} ({args.split} split)\n")
        print("| kind | n | " + " | ".join(f"{name} right | wrong | none" for name in named) + " |")
        print("|---|---:|" + "---:|---:|---:|" * len(named))
        scores: dict[tuple[str, bool], list[tuple[float, bool]]] = defaultdict(list)
        totals: dict[tuple[str, bool], list[int]] = defaultdict(lambda: [0, 0, 0])
        seconds: dict[str, float] = defaultdict(float)
        for kind in sorted(by_kind):
            queries = by_kind[kind][: args.per_kind or None]
            cells = []
            for name, (decide, threshold) in named.items():
                for row in queries:
                    began = time.perf_counter()
                    best, score = decide(row["query"], prior)
                    seconds[name] += time.perf_counter() - began
                    truth = row["truth"] or None
                    answer = best if best is not None and score >= threshold else None
                    outcome = 2 if answer is None and truth is not None else 0 if answer == truth else 1
                    decidable = identifiable(row)
                    totals[name, decidable][outcome] += 1
                    totals[f"{name}:{kind}", decidable][outcome] += 1
                    if best is not None and name != "baseline":
                        scores[name, decidable].append((score, best == truth))
                right, wrong, none = totals[f"{name}:{kind}", True]
                n = max(right + wrong + none, 1)
                cells.append(f"{right / n:.1%} | {wrong / n:.1%} | {none / n:.1%}")
            kept = sum(identifiable(row) for row in queries)
            print(f"| {kind} | {kept} | " + " | ".join(cells) + " |")
        for decidable, label in ((True, "all identifiable"), (False, "not identifiable")):
            counts = [totals[name, decidable] for name in named]
            n = max(sum(counts[0]), 1)
            print(f"| {label} | {sum(counts[0])} | " + " | ".join(
                f"{t[0] / n:.1%} | {t[1] / n:.1%} | {t[2] / n:.1%}" for t in counts
            ) + " |")  # fmt: skip
        if args.nearest:
            nearest = nearest or Nearest(deciders.gazetteer)
            print("\nIdentifiable queries by how near (Levenshtein, normalised) their written form is to their own"
                  " place's names and to the others' (``Nearest``); of those nearest to their own, what the model"
                  " makes of them: right; its place first among the places, but no place likelier, or neither"
                  " reaching the threshold; another place first; its place no candidate:\n")
            print("| kind | n | another place's name as near | nearer | own nearest: right | no place likelier "
                  "| under the threshold | another first | no candidate |")
            print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
            for kind in NEAREST_KINDS:
                queries = [row for row in by_kind.get(kind, [])[: args.per_kind or None] if identifiable(row)]
                standings = [nearest.standing(row["query"], row["truth"]) for row in queries]
                own = [row for row, standing in zip(queries, standings) if standing == Nearest.OWN]
                outcomes = [deciders.outcome(row["query"], row["truth"], prior) for row in own]
                n, m = max(len(queries), 1), max(len(own), 1)
                tied, nearer = standings.count(Nearest.TIED), standings.count(Nearest.ELSEWHERE)
                shares = " | ".join(f"{outcomes.count(outcome) / m:.1%}" for outcome in OUTCOMES)
                print(f"| {kind} | {len(queries)} | {tied / n:.1%} | {nearer / n:.1%} | {shares} |")
        n = sum(sum(totals[next(iter(named)), decidable]) for decidable in (True, False))
        print("\nmean time per query: " + ", ".join(f"{name} {seconds[name] / n * 1e3:.2f} ms" for name in named))
        for name in ("today", "model"):
            table, ece = reliability(scores[name, True])
            _, ece_all = reliability(scores[name, True] + scores[name, False])
            print(
                f"\nreliability, {name} ({prior}, identifiable): best candidate's score against the fraction right; "
                f"ECE {ece:.3f} (over all queries {ece_all:.3f})\n"
            )
            print("| score | n | mean score | fraction right |")
            print("|---|---:|---:|---:|")
            for span, count, mean, right in table:
                print(f"| {span} | {count} | {mean:.3f} | {right:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
