#!/usr/bin/env python
"""Start-up: wall time of `toponyms lookup Kyiv` in a fresh process, beside a bare interpreter.

Usage: python benchmarks/startup.py [--runs 15]

Every run is a new process, so imports and the gazetteer load (from the compiled
cache, which the first, untimed run fills) are counted. Baselines measured in the
same run: `python -c pass` (the interpreter alone) and `python -c "import toponyms"`.
Prints medians and the 90th percentile, in milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "python -c 'import toponyms'": [sys.executable, "-c", "import toponyms"],
    "toponyms lookup Kyiv": [sys.executable, "-m", "toponyms", "lookup", "Kyiv"],
    "toponyms lookup Krasnorozhsk --json": [sys.executable, "-m", "toponyms", "lookup", "Krasnorozhsk", "--json"],
}


def wall_ms(command: list[str]) -> float:
    """Milliseconds from spawning ``command`` to its exit."""
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    print(f"$ python benchmarks/startup.py --runs {args.runs}")
    subprocess.run(COMMANDS["toponyms lookup Kyiv"], check=True, capture_output=True)  # fills the cache
    rows = []
    for label, command in COMMANDS.items():
        times = sorted(wall_ms(command) for _ in range(args.runs))
        rows.append((label, statistics.median(times), times[int(0.9 * (len(times) - 1))]))
    width = max(len(label) for label, *_ in rows)
    print(f"{'command':<{width}}  median ms  p90 ms")
    for label, median, p90 in rows:
        print(f"{label:<{width}}  {median:9.0f}  {p90:6.0f}")


if __name__ == "__main__":
    main()
