#!/usr/bin/env python
"""Mention accuracy of ``find`` on the annotated passages alone, with every error listed.

Usage: python benchmarks/passages.py [--text-scoring formula|model]

The passages of ``benchmarks/passages/*.json`` (see find_bench.py for the annotation rules); a
mention is right when its span and place are the annotated ones. The quick check of a change to
what ``find`` decides: find_bench.py adds the baselines and throughput. ``--text-scoring`` sets
``Resolver.text_scoring`` (how find scores the names it lifts; the default is the package's).
"""

from __future__ import annotations

import argparse

from toponyms import Resolver, find

from common import load_passages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--text-scoring", choices=("formula", "model"), default=Resolver.text_scoring)
    args = parser.parse_args()
    Resolver.text_scoring = args.text_scoring
    print(f"$ python benchmarks/passages.py --text-scoring {args.text_scoring}")
    passages = load_passages()
    right = predicted = gold = 0
    errors = []
    for passage in passages:
        truth = {(m.start, m.end, m.place) for m in passage.mentions}
        found = {(m.start, m.end, m.match.place.id) for m in find(passage.text)}
        right, predicted, gold = right + len(truth & found), predicted + len(found), gold + len(truth)
        errors += [("FP", passage.id, passage.text[a:b], place) for a, b, place in sorted(found - truth)]
        errors += [("FN", passage.id, passage.text[a:b], place) for a, b, place in sorted(truth - found)]
    precision, recall = right / predicted, right / gold
    f1 = 2 * precision * recall / (precision + recall)
    print(f"{len(passages)} passages, {gold} mentions, {predicted} found, {right} right: "
          f"precision {precision:.3f}, recall {recall:.3f}, F1 {f1:.3f}")
    for error in errors:
        print(*error, sep="  ")


if __name__ == "__main__":
    main()
