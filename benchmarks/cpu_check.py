#!/usr/bin/env python
"""How many cores this machine gives right now: a pure-Python loop, twice in one process, then
once in each of two processes. On two free cores the second takes half the time of the first.

Usage: python benchmarks/cpu_check.py [--loops N]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import time


def burn(loops: int) -> int:
    """Busy work: a sum of squares."""
    total = 0
    for i in range(loops):
        total += i * i
    return total


def main() -> None:
    """Print the two timings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loops", type=int, default=6_000_000)
    loops = parser.parse_args().loops
    start = time.perf_counter()
    burn(loops)
    burn(loops)
    one = time.perf_counter() - start
    with mp.get_context("spawn").Pool(2) as pool:
        start = time.perf_counter()
        pool.map(burn, [loops, loops])
        two = time.perf_counter() - start
    print(f"two loops in 1 process: {one:.2f} s; one loop in each of 2 processes: {two:.2f} s")


if __name__ == "__main__":
    main()
