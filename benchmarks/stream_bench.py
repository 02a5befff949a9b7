#!/usr/bin/env python
"""Streaming: `toponyms clean` on JSON Lines of growing size — wall time, MB/s and peak memory.

Usage: python benchmarks/stream_bench.py [--mb 16 64 256] [--gb 1] [--workers 1 2] [--runs 1]
                                         [--seed S] [--keep]

Each corpus is generated into a temporary folder: one JSON object a line (``id``,
``source``, ``text``), the texts drawn from the annotated passages and the seed articles
with their place names randomly replaced by other gazetteer names (as in ``common.generate_corpus``),
and one document in twenty ending on a made-up place-like name (Novobaruzivka), so that
the unresolved names keep growing with the corpus as they do in real text. ``--gb 1``
adds a corpus of 1 GB (about ten minutes per run at two processes).

Each run is a fresh process, ``toponyms clean CORPUS --out OUT --report REPORT``
(``--workers N``), timed from spawn to exit. Memory is sampled every 50 ms (psutil; Linux):
the peak of the whole process tree — the command and its pool of workers — as the sum of
their proportional set sizes (PSS, which counts a page shared by N processes as 1/N in
each, so that the gazetteer a forked pool inherits is not counted twice), and the peak
resident set of the largest single process (the kernel's VmHWM). CPU seconds are those of
the whole tree (user and system, from wait4), a figure that other work on a shared machine
disturbs less than the wall time.
Baseline in the same run: a Python one-liner that parses and rewrites every line with
``json``, the least any cleaner of JSON Lines in Python has to do. With bounded memory the
peak stays flat as the input grows.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from toponyms import Gazetteer

from common import (
    SEED,
    load_passages,
    name_table,
    passage_sources,
    print_table,
    seed_documents,
    substitute,
    substitutes,
)

NEW_NAME_SHARE = 0.05  # documents ending on a made-up place-like name
PREFIXES = ("Novo", "Staro", "Krasno", "Bilo", "Verkhnyo", "Zolo", "Chorno", "Velyko")
SYLLABLES = ("ba", "ru", "zi", "lo", "ko", "mi", "dy", "sha", "te", "vo", "ny", "pe", "hu", "tsa")
SUFFIXES = ("ivka", "sk", "ove", "horod", "grad", "yne", "ivske")
SAMPLE_SECONDS = 0.05
BASELINE = (
    "import json, sys\n"
    "with open(sys.argv[1], 'rb') as source, open(sys.argv[2], 'w', encoding='utf-8') as target:\n"
    "    for line in source:\n"
    "        target.write(json.dumps(json.loads(line), ensure_ascii=False) + '\\n')\n"
)


def made_up_name(rng: random.Random) -> str:
    """A capitalised word shaped like a place name and, almost surely, in no gazetteer."""
    middle = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))
    return rng.choice(PREFIXES) + middle + rng.choice(SUFFIXES)


def generate(path: Path, megabytes: float, seed: int) -> int:
    """Write a JSON Lines corpus of ``megabytes`` MB to ``path``; returns the number of records."""
    gazetteer = Gazetteer.load()
    names = name_table(gazetteer)
    sources = passage_sources(load_passages()) + seed_documents(names)
    pools = substitutes(names)
    rng = random.Random(seed)
    target, size, records = int(megabytes * 1e6), 0, 0
    with path.open("w", encoding="utf-8") as out:
        while size < target:
            text, slots = rng.choice(sources)
            text = substitute(text, slots, rng, pools)
            if rng.random() < NEW_NAME_SHARE:
                text += f" Fighting was also reported near {made_up_name(rng)}."
            line = json.dumps({"id": records, "source": "generated", "text": text}, ensure_ascii=False) + "\n"
            out.write(line)
            size += len(line.encode("utf-8"))
            records += 1
    return records


def measure(command: list[str]) -> tuple[float, float, float, float]:
    """Wall seconds; CPU seconds of the process tree; its peak memory (MB of PSS, sampled); the
    peak RSS of its largest process (MB)."""
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    root, tree_peak, peaks = psutil.Process(child.pid), 0, {}
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)  # reaped here, so that its rusage is ours
        if pid:
            break
        tree_peak = max(tree_peak, _sample(root, peaks))
        time.sleep(SAMPLE_SECONDS)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited with status {child.returncode}")
    cpu = usage.ru_utime + usage.ru_stime  # the pool's workers too: the command waited for them
    return wall, cpu, tree_peak / 1e6, max(peaks.values(), default=0) / 1e6


def _sample(root: psutil.Process, peaks: dict[int, int]) -> int:
    """The PSS of ``root`` and its descendants, noting each one's high-water RSS (VmHWM) in ``peaks``.

    PSS shares a page among the processes mapping it, so a pool forked from the command
    is not counted twice for the gazetteer it inherited; VmHWM is the kernel's own peak.
    """
    total = 0
    for process in [root, *root.children(recursive=True)]:
        try:
            total += process.memory_full_info().pss
            with open(f"/proc/{process.pid}/status", encoding="ascii") as status:
                high = next(line for line in status if line.startswith("VmHWM:"))
            peaks[process.pid] = int(high.split()[1]) * 1024
        except (psutil.Error, OSError, StopIteration):  # it ended between listing and reading
            pass
    return total


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, nargs="+", default=[16, 64, 256], help="corpus sizes (MB)")
    parser.add_argument("--gb", type=float, nargs="*", default=[], help="further corpus sizes (GB), e.g. --gb 1")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="values of clean --workers")
    parser.add_argument("--runs", type=int, default=1, help="runs per size and command; the median is shown")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--keep", action="store_true", help="leave the corpora and outputs in their temp folder")
    args = parser.parse_args(argv)
    sizes = [*args.mb, *(gb * 1000 for gb in args.gb)]
    print(f"$ python benchmarks/stream_bench.py {' '.join(sys.argv[1:] if argv is None else argv)}".rstrip())
    folder = Path(tempfile.mkdtemp(prefix="stream-bench-"))
    rows = []
    try:
        for megabytes in sizes:
            corpus = folder / f"corpus-{megabytes:g}MB.jsonl"
            records = generate(corpus, megabytes, args.seed)
            size = corpus.stat().st_size / 1e6
            out, report = folder / "out.jsonl", folder / "report.json"
            commands = {"baseline: json read + write": [sys.executable, "-c", BASELINE, str(corpus), str(out)]}
            for workers in args.workers:
                commands[f"toponyms clean --workers {workers}"] = [
                    sys.executable, "-m", "toponyms", "clean", str(corpus), "--out", str(out),
                    "--report", str(report), "--workers", str(workers),
                ]  # fmt: skip
            for label, command in commands.items():
                runs = [measure(command) for _ in range(args.runs)]
                wall, cpu, tree, largest = (statistics.median(values) for values in zip(*runs))
                rows.append((label, f"{size:.0f}", f"{records:,}", f"{wall:.1f}", f"{size / wall:.2f}",
                             f"{cpu:.1f}", f"{size / cpu:.2f}", f"{tree:.0f}", f"{largest:.0f}"))  # fmt: skip
                print(f"  {label}, {size:.0f} MB: {wall:.1f} s, CPU {cpu:.1f} s, tree {tree:.0f} MB, "
                      f"largest {largest:.0f} MB", file=sys.stderr, flush=True)  # fmt: skip
            if not args.keep:
                corpus.unlink()
    finally:
        if not args.keep:
            for path in folder.iterdir():
                path.unlink()
            folder.rmdir()
    rows.sort(key=lambda row: (row[0], float(row[1])))
    headers = ("command", "input MB", "records", "wall s", "MB/s", "CPU s", "MB/CPU s", "peak PSS, tree MB",
               "peak RSS, largest MB")  # fmt: skip
    print_table(headers, rows)
    if args.keep:
        print(f"corpora and outputs kept in {folder}")


if __name__ == "__main__":
    main()
