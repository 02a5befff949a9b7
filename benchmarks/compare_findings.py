#!/usr/bin/env python
"""What ``scan`` finds at a git revision against the working tree, text by text.

Usage: python benchmarks/compare_findings.py REV [--mb 10] [--names uniform|weighted] [--show 20] [--text-scoring formula|model]

Both versions scan the same texts: the first ``--mb`` MB of the generated corpus and the
annotated passages, each version with one extractor over all of them, in order, as a batch run does
(so that caches and context behave as they do there). Printed: how many texts differ in their
mentions, unresolved candidates or aliases; the mentions whose place changed, counted by surface form
and the two places; and ``--show`` examples of each kind of difference with their context. A change
meant to make ``find`` faster should print no difference; one meant to make it better shows what
else it moved.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from common import SEED, generated_documents, head, import_versions, load_passages, name_table, print_table


# A text's mentions (span: place id), its unresolved candidates' spans and its aliases (span, place id).
# Places go by id: the two versions' Place objects are of two classes and never compare equal.
Findings = tuple[dict[tuple[int, int], str], set[tuple[int, int]], set[tuple[int, int, str]]]


def findings(extractor_class: Any, resolver: Any, texts: list[str]) -> list[Findings]:
    """What ``scan`` finds in each of ``texts``, with one extractor over all of them."""
    extractor = extractor_class(resolver)
    found = []
    for text in texts:
        scan = extractor.scan(text)
        found.append(
            (
                {(m.start, m.end): m.match.place.id for m in scan.mentions},
                {(u.start, u.end) for u in scan.unresolved},
                {(a.start, a.end, a.place.id) for a in scan.aliases},
            )
        )
    return found


def main(argv: list[str] | None = None) -> None:
    """Scan with both versions and print where they differ."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revision", help="a git revision, e.g. HEAD~3")
    parser.add_argument("--mb", type=float, default=10.0, help="MB of the generated corpus")
    parser.add_argument("--names", choices=("uniform", "weighted"), default="uniform")
    parser.add_argument("--show", type=int, default=20, help="examples to print of each kind of difference")
    parser.add_argument("--text-scoring", choices=("formula", "model"), help="the working tree's Resolver.text_scoring")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="compare_") as temporary:
        results = []
        texts: list[str] = []
        places: dict[str, str] = {}  # id: name (region), from either version
        for label, version in import_versions(args.revision, Path(temporary)).items():
            if label == "working tree" and args.text_scoring:
                version.Resolver.text_scoring = args.text_scoring
            gazetteer = version.Gazetteer.load()
            places |= {place.id: f"{place.name} ({place.region or place.country})" for place in gazetteer}
            if not texts:
                names = name_table(gazetteer)
                corpus = generated_documents(names, args.mb, SEED, args.names == "weighted")
                texts = head(corpus, args.mb) + [p.text for p in load_passages()]
            results.append(findings(version.Extractor, version.Resolver(gazetteer), texts))

    differing = 0
    moved: Counter[tuple[str, str, str]] = Counter()
    examples: dict[str, list[str]] = {"place": [], "span": [], "unresolved": [], "alias": []}
    for text, before, after in zip(texts, *results):
        if before == after:
            continue
        differing += 1
        for span in before[0].keys() & after[0].keys():
            old, new = before[0][span], after[0][span]
            if old != new:
                surface = text[span[0] : span[1]]
                moved[(surface, places[old], places[new])] += 1
                examples["place"].append(f"{surface}: {places[old]} -> {places[new]} | {context(text, *span)}")
        for span in before[0].keys() ^ after[0].keys():
            side = "before only" if span in before[0] else "now only"
            examples["span"].append(f"{side}: {text[span[0] : span[1]]} | {context(text, *span)}")
        for span in before[1] ^ after[1]:
            side = "before only" if span in before[1] else "now only"
            examples["unresolved"].append(f"{side}: {text[span[0] : span[1]]} | {context(text, *span)}")
        for start, end, _ in before[2] ^ after[2]:
            examples["alias"].append(f"{text[start:end]} | {context(text, start, end)}")

    label = f"{args.revision} -> working tree"
    print(f"$ python benchmarks/compare_findings.py {' '.join(argv if argv is not None else sys.argv[1:])}")
    print(f"{len(texts):,} texts ({args.mb:g} MB of the corpus, names {args.names}, and the passages); {label}\n")
    print(f"texts that differ: {differing:,}")
    print(f"mentions whose place changed: {sum(moved.values()):,}")
    for kind, lines in examples.items():
        print(f"{kind} differences: {len(lines):,}")
    if moved:
        print()
        print_table(
            ["mentions", "surface", "before", "now"],
            [[str(count), *key] for key, count in moved.most_common(args.show)],
        )
    for kind, lines in examples.items():
        if lines and args.show:
            print(f"\n{kind}:")
            for line in lines[: args.show]:
                print(f"  {line}")


def context(text: str, start: int, end: int, width: int = 50) -> str:
    """The mention in brackets, with ``width`` characters either side, on one line."""
    snippet = f"{text[max(0, start - width) : start]}[{text[start:end]}]{text[end : end + width]}"
    return " ".join(snippet.split())


if __name__ == "__main__":
    main()
