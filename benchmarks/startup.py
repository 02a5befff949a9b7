#!/usr/bin/env python
"""Start-up: wall time of `toponyms lookup Kyiv` in a fresh process, beside a bare interpreter.

Usage: python benchmarks/startup.py [--runs 15] [--baseline REV]

Every run is a new process, so imports and the gazetteer load (from the compiled
cache, which the first, untimed run fills) are counted. Baselines measured in the
same run: `python -c pass` (the interpreter alone) and `python -c "import toponyms"`.
With ``--baseline REV`` the commands also run against the package and gazetteer of
git revision REV (exported to a temporary folder, its own cache folder), one after the
other with this checkout's, so that a slow minute of a shared machine slows both.
Prints medians and the 90th percentile, in milliseconds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, export_revision

COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "python -c 'import toponyms'": [sys.executable, "-c", "import toponyms"],
    "toponyms lookup Kyiv": [sys.executable, "-m", "toponyms", "lookup", "Kyiv"],
    "toponyms lookup Krasnorozhsk --json": [sys.executable, "-m", "toponyms", "lookup", "Krasnorozhsk", "--json"],
}


def wall_ms(command: list[str], env: dict[str, str]) -> float:
    """Milliseconds from spawning ``command`` to its exit."""
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--baseline", help="a git revision to time beside this checkout")
    args = parser.parse_args()
    print(f"$ python benchmarks/startup.py --runs {args.runs}" + (f" --baseline {args.baseline}" if args.baseline else ""))
    with tempfile.TemporaryDirectory() as scratch:
        trees = {"here": ROOT}
        if args.baseline:
            trees[args.baseline] = export_revision(args.baseline, Path(scratch) / "baseline")
        envs = {
            label: dict(os.environ, PYTHONPATH=str(tree), TOPONYMS_CACHE=str(Path(scratch) / f"cache-{n}"))
            for n, (label, tree) in enumerate(trees.items())
        }
        for env in envs.values():
            subprocess.run(COMMANDS["toponyms lookup Kyiv"], check=True, capture_output=True, env=env)  # fills the cache
        times: dict[tuple[str, str], list[float]] = {}
        for _ in range(args.runs):
            for label, command in COMMANDS.items():
                for tree, env in envs.items():
                    times.setdefault((label, tree), []).append(wall_ms(command, env))
    width = max(len(label) for label in COMMANDS)
    print(f"{'command':<{width}}  {'tree':<10}  median ms  p90 ms")
    for (label, tree), found in times.items():
        found.sort()
        median, p90 = statistics.median(found), found[int(0.9 * (len(found) - 1))]
        print(f"{label:<{width}}  {tree:<10}  {median:9.0f}  {p90:6.0f}")


if __name__ == "__main__":
    main()
