#!/usr/bin/env python
"""Coverage of Ukraine's settlements, and accuracy on villages known only from the codifier.

Usage: python benchmarks/coverage.py [--sample 600] [--seed 15] [--before REV]

1. Per oblast: the settlements of the codifier (KATOTTG), how many the bundled gazetteer holds,
   how many of them are GeoNames places (linked: these are all the gazetteer of ``--before``
   held, which had cities500 only) and how many are placed approximately (at their hromada's centre).
2. Held-out village names. A sample of villages (under 5,000 people) that GeoNames knows with a
   Russian name is turned into what the codifier alone gives for a village it does not know: every
   GeoNames name is removed, leaving the Ukrainian name, its 2010 romanisation and the Russian form
   derived by rule. The queries are the names held out: GeoNames' Russian spellings (Cyrillic), their
   BGN/PCGN romanisation (English-language news), and the Ukrainian name romanised as German and
   BGN/PCGN do (the 2010 form, kept, is the control). Each is asked with and without the village's
   region as ``region=``. Beside it, today's gazetteer (``--before``) with the sampled villages
   removed, as it lacked villages of under 500 people: a right answer there is impossible, and a
   wrong one is what the issue saw (another town, a namesake 500 km away).
The same seed gives the same sample and the same figures.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import replace
from pathlib import Path

import iuliia
import translitua

from toponyms import Gazetteer, Name, Place, Resolver
from toponyms.yaml_reader import read_files

from common import ROOT

VILLAGE = 5_000
VERDICTS = ("right", "wrong", "namesake", "none")


def per_oblast(gazetteer: Gazetteer) -> list[tuple[str, int, int, int]]:
    """(region, settlements, linked to GeoNames, placed approximately) per region, then the total."""
    rows: dict[str, Counter[str]] = {}
    for place in gazetteer:
        if place.code and place.kind == "populated place":
            counts = rows.setdefault(place.region or "", Counter())
            counts["all"] += 1
            counts["linked"] += place.geonameid is not None
            counts["approximate"] += place.approximate
    table = [(region, c["all"], c["linked"], c["approximate"]) for region, c in sorted(rows.items())]
    total = tuple(sum(row[i] for row in table) for i in (1, 2, 3))
    return [*table, ("all", *total)]


def codifier_only(place: Place) -> Place:
    """The place as the codifier alone would make it: Ukrainian name, 2010 romanisation, Russian by rule."""
    from toponyms.russian import russian_form  # the rule, as the build applies it

    ukrainian = next(n.text for n in place.names if n.lang == "uk" and n.status == "official")
    names = (
        Name(translitua.translit(ukrainian, translitua.UkrainianKMU), None, "official"),
        Name(ukrainian, "uk", "official"),
        Name(russian_form(ukrainian), "ru", "variant"),
    )
    return replace(place, names=names, population=0)


def queries(place: Place) -> list[tuple[str, str]]:
    """(kind, query) pairs: the names held out, and the kept 2010 form as a control."""
    ukrainian = next(n.text for n in place.names if n.lang == "uk" and n.status == "official")
    russian = sorted({n.text for n in place.names if n.lang == "ru" and n.status != "former"})
    found = [("2010 (kept)", translitua.translit(ukrainian, translitua.UkrainianKMU))]
    found += [("Russian", text) for text in russian]
    found += [("Russian, BGN/PCGN", iuliia.BGN_PCGN.translate(text)) for text in russian]
    found += [
        ("Ukrainian, German", translitua.translit(ukrainian, translitua.UkrainianGerman)),
        ("Ukrainian, BGN/PCGN", translitua.translit(ukrainian, translitua.UkrainianBGN)),
    ]
    return found


def sample(gazetteer: Gazetteer, size: int, seed: int) -> list[Place]:
    """Villages GeoNames knows with a Russian name, in a fixed random order."""
    villages = [
        place
        for place in gazetteer
        if place.code
        and place.geonameid
        and place.kind == "populated place"
        and place.population < VILLAGE
        and any(n.lang == "ru" and n.status != "former" for n in place.names)
        and any(n.lang == "uk" and n.status == "official" for n in place.names)
    ]
    return random.Random(seed).sample(villages, min(size, len(villages)))


def accuracy(resolver: Resolver, asked: list[tuple[Place, str, str]], *, hint: bool) -> dict[str, Counter[str]]:
    """right / wrong / none per kind of query, and how many of the wrong answers are a namesake (a
    place of the same canonical name); right is the sampled village itself."""
    results: dict[str, Counter[str]] = {}
    for place, kind, query in asked:
        match = resolver.resolve(query, region=place.region if hint else None)
        verdict = "none" if match is None else "right" if match.place.code == place.code else "wrong"
        counts = results.setdefault(kind, Counter())
        counts[verdict] += 1
        counts["namesake"] += verdict == "wrong" and match is not None and match.place.name == place.name
    return results


def before_gazetteer(rev: str, removed: set[int]) -> Gazetteer:
    """The bundled gazetteer of ``rev``, without the places of geonameids ``removed``."""
    text = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{rev}:data/gazetteer.yaml"], capture_output=True, check=True
    ).stdout
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "gazetteer.yaml"
        path.write_bytes(text)
        places = read_files([path])
    return Gazetteer(p for p in places if p.geonameid not in removed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=600)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--before", default="0ccb9c1", help="revision of today's gazetteer (cities500 only)")
    args = parser.parse_args()
    print(f"$ python benchmarks/coverage.py --sample {args.sample} --seed {args.seed} --before {args.before}\n")
    gazetteer = Gazetteer.load()
    print("| region | settlements | in the gazetteer | GeoNames (as before) | approximate |")
    print("|---|---:|---:|---:|---:|")
    for region, count, linked, approximate in per_oblast(gazetteer):
        print(f"| {region} | {count:,} | {count:,} | {linked:,} ({linked / count:.1%}) | {approximate:,} |")

    chosen = sample(gazetteer, args.sample, args.seed)
    asked = [(place, kind, query) for place in chosen for kind, query in queries(place)]
    held = {place.id: codifier_only(place) for place in chosen}
    after = Resolver(Gazetteer(held.get(place.id, place) for place in gazetteer))
    before = Resolver(before_gazetteer(args.before, {place.geonameid for place in chosen}))
    print(f"\n{len(chosen)} villages held out, {len(asked)} queries; right / wrong / none, in %\n")
    print("| query | hint | before: right | wrong | none | after: right | wrong | (namesakes) | none |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for hint in (False, True):
        then, now = accuracy(before, asked, hint=hint), accuracy(after, asked, hint=hint)
        for kind in then:
            cells = []
            for counts, verdicts in ((then[kind], ("right", "wrong", "none")), (now[kind], VERDICTS)):
                total = sum(counts[v] for v in ("right", "wrong", "none"))
                cells += [f"{100 * counts[v] / total:.1f}" for v in verdicts]
            print(f"| {kind} | {'region' if hint else '-'} | " + " | ".join(cells) + " |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
