#!/usr/bin/env python
"""What compiling the find path with Cython, as it is written, would give: ``find`` over the whole
generated corpus in one process, cold, pure Python against compiled, beside flashgeotext.

Usage: pip install cython && python benchmarks/compiled_bench.py [--mb 50] [--rounds 2] [--names uniform|weighted]

The working tree's ``toponyms`` is copied to a temporary folder and its pipeline modules
(``COMPILED``) are compiled there with ``cythonize`` (no type declarations added, and the type
hints not taken as such: the same source, the same behaviour). Each round then runs flashgeotext,
pure ``toponyms`` and the compiled copy, each in a fresh process (so that ``toponyms`` starts cold,
with no run known), over the same corpus, and prints CPU seconds, MB/s and the ratio to
flashgeotext of the same round; the last column is a digest of everything found, which must be the
same for both builds of ``toponyms``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import find_bench  # noqa: E402

EXTRACT = ("checks", "context", "extractor", "glosses", "lookup", "memo", "passes", "regions", "scanners", "spans", "words")
PIPELINE = ("resolve", "index", "inflect", "keys", "normalize", "script", "transliterate")
COMPILED = (*(f"extract/{name}" for name in EXTRACT), *PIPELINE)
BUILDS = ("flashgeotext", "toponyms", "toponyms compiled")


def compile_copy(folder: Path) -> None:
    """A copy of ``toponyms`` under ``folder`` with the modules of ``COMPILED`` built by Cython."""
    shutil.copytree(ROOT / "toponyms", folder / "toponyms", ignore=shutil.ignore_patterns("__pycache__", "*.so"))
    (folder / "data").symlink_to(ROOT / "data")  # the bundled gazetteer, found beside the package
    sources = [str(folder / "toponyms" / f"{module}.py") for module in COMPILED]
    # Type hints are left as hints: as declarations, Cython would turn down a wrong type with its own
    # TypeError before the package's own check could say what to do.
    directives = ["-X", "annotation_typing=False"]
    command = [sys.executable, "-m", "Cython.Build.Cythonize", "-i", "-3", "-q", "-j", "2", *directives, *sources]
    built = subprocess.run(command, cwd=folder, capture_output=True, text=True)
    if built.returncode:
        raise SystemExit(f"cythonize failed (is Cython installed?):\n{built.stderr}")


def one_run(build: str, megabytes: float, weighted: bool) -> None:
    """Time ``build`` over the corpus in this process and print seconds, MB and digest (child process)."""
    from toponyms import extract
    from toponyms.extract import passes
    from toponyms.gazetteer import Gazetteer
    from toponyms.resolve import Resolver

    if build == "toponyms compiled" and not passes.__file__.endswith(".so"):
        raise SystemExit(f"toponyms compiled: imported {passes.__file__}, not the compiled module")
    gazetteer = Gazetteer.load()
    names = find_bench.name_table(gazetteer)
    documents = find_bench.generated_documents(names, megabytes, find_bench.SEED, weighted=weighted)
    if build == "flashgeotext":
        finder = find_bench.FlashBaseline(names).find
    else:
        finder = find_bench.extractor_finder(extract.Extractor(Resolver(gazetteer)))
    digest = hashlib.sha1()
    start = time.process_time()
    for document in documents:
        digest.update(repr(finder(document)).encode())
    seconds = time.process_time() - start
    print(f"{seconds:.3f} {find_bench.size_mb(documents):.3f} {digest.hexdigest()[:12]}")


def main() -> None:
    """Compile, run the rounds, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=50.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--names", choices=("uniform", "weighted"), default="uniform")
    parser.add_argument("--one", choices=BUILDS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    weighted = args.names == "weighted"
    if args.one:
        one_run(args.one, args.mb, weighted)
        return
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        compile_copy(folder)
        paths = {"flashgeotext": ROOT, "toponyms": ROOT, "toponyms compiled": folder}
        rows = []
        timings: dict[str, list[float]] = {build: [] for build in BUILDS}
        for round_number in range(1, args.rounds + 1):
            for build in BUILDS:  # flashgeotext first: the others are set against it
                command = [sys.executable, __file__, "--one", build, "--mb", str(args.mb), "--names", args.names]
                env = {**os.environ, "PYTHONPATH": str(paths[build])}
                output = subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout.split()
                seconds, megabytes, digest = float(output[0]), float(output[1]), output[2]
                timings[build].append(seconds)
                ratio = "" if build == "flashgeotext" else f"{timings['flashgeotext'][-1] / seconds:.2f}x"
                rows.append((round_number, build, f"{seconds:.2f}", f"{megabytes / seconds:.2f}", ratio, digest))
                print(*rows[-1], sep="  ", file=sys.stderr, flush=True)
    print(f"$ python compiled_bench.py --mb {args.mb:g} --rounds {args.rounds} --names {args.names}")
    find_bench.print_table(("round", "build", "CPU s", "MB/s", "vs flashgeotext", "digest"), rows)
    # The fastest round of each build: the one a slow minute of the machine disturbed least.
    fastest = {build: min(timings[build]) for build in BUILDS}
    print()
    find_bench.print_table(
        ("build", "fastest CPU s", "vs flashgeotext's fastest"),
        [(build, f"{fastest[build]:.2f}", f"{fastest['flashgeotext'] / fastest[build]:.2f}x") for build in BUILDS],
    )


if __name__ == "__main__":
    main()
