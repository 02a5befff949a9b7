#!/usr/bin/env python
"""How the time of ``find`` grows with the text: n, 2n and 4n of each input that once made it quadratic.

Usage: python benchmarks/growth.py [--kb 50] [--digest-mb 1] [--rounds 3] [--revision REV]

The inputs: one unit repeated to n KB (a list of regions, a gloss, a gloss in parentheses, and two
names in another spelling with no punctuation between them, which make one run of capitalised
words as long as the text), and the generated corpus joined into one text of
``--digest-mb`` MB (a digest of many articles, read as one record). Each text is timed at n, 2n
and 4n: CPU seconds of ``find`` with a new extractor on a resolver that has seen the text before
(so that what is timed is the scan, the passes and the ranking, not the first search for each
name), fastest of ``--rounds``. The ratios 2n/n and 4n/2n are about 2 where ``find`` is linear in
the text and about 4 where it is quadratic. With ``--revision``, the code of that git revision is
timed too, interleaved with the working tree's (``common.import_versions`` extracts it), for a
before and after in one run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common import SEED, Version, cpu_seconds, generated_documents, import_versions, name_table, print_table

UNITS = {
    "lists of regions": "Strikes hit the Zaporizhzhia and Kherson regions overnight. ",
    "glosses": "Krasnorozhsk—known in Ukrainian as Покровsk, was hit. ",
    "glosses in parentheses": "Shelling in Krasnorozhsk (Pokrovsk) continued. ",
    "spelled pairs, one run": "Novaya Kakhovka Veliky Burluk ",
}


def texts(kb: float, digest_mb: float, documents: list[str]) -> dict[str, list[str]]:
    """Each input at n, 2n and 4n."""
    sized = {
        name: [unit * max(1, round(factor * kb * 1000 / len(unit))) for factor in (1, 2, 4)]
        for name, unit in UNITS.items()
    }
    digest = "\n\n".join(documents)
    sized[f"digest ({digest_mb:g} MB as one text)"] = [
        digest[: round(factor * digest_mb * 1_000_000)] for factor in (1, 2, 4)
    ]
    return sized


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", type=float, default=50.0, help="n for the repeated units, in KB")
    parser.add_argument("--digest-mb", type=float, default=1.0, help="n for the digest, in MB")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--revision", help="a git revision to time as well, e.g. HEAD~3")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="growth_") as temporary:
        if args.revision:
            modules = import_versions(args.revision, Path(temporary))
        else:
            import toponyms
            from toponyms.extract import Extractor

            modules = {"working tree": Version(toponyms.Gazetteer, toponyms.Resolver, Extractor)}
        versions: dict[str, tuple[Any, Any]] = {}
        for label, version in modules.items():
            versions[label] = (version.Resolver(version.Gazetteer.load()), version.Extractor)

        names = name_table(next(iter(versions.values()))[0].gazetteer)
        documents = generated_documents(names, 4 * args.digest_mb, SEED)
        inputs = texts(args.kb, args.digest_mb, documents)
        for resolver, extractor in versions.values():  # every name searched for once
            for sized in inputs.values():
                for text in sized:
                    extractor(resolver).find(text)

        def timed(resolver: Any, extractor: Callable[[Any], Any], text: str) -> float:
            find = extractor(resolver).find  # made untimed: it loads the name scanners
            return cpu_seconds(lambda: find(text))

        seconds: dict[tuple[str, str], list[list[float]]] = {}
        for _ in range(args.rounds):
            for name, sized in inputs.items():
                for label, (resolver, extractor) in versions.items():
                    times = [timed(resolver, extractor, text) for text in sized]
                    seconds.setdefault((name, label), []).append(times)

    print(f"$ python benchmarks/growth.py {' '.join(argv if argv is not None else sys.argv[1:])}")
    print(f"n = {args.kb:g} KB for the repeated units; CPU seconds, fastest of {args.rounds} rounds\n")
    rows = []
    for (name, label), rounds in seconds.items():
        fastest = [min(times[i] for times in rounds) for i in range(3)]
        size = len(inputs[name][0]) / 1000
        rows.append(
            [name, label, f"{size:,.0f}"]
            + [f"{t:.3f}" for t in fastest]
            + [f"{b / a:.1f}" if a else "-" for a, b in zip(fastest, fastest[1:])]
        )
    print_table(["input", "version", "n (KB)", "n", "2n", "4n", "2n/n", "4n/2n"], rows)


if __name__ == "__main__":
    main()
