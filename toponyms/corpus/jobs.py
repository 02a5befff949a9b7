"""Inputs and outputs: each input file and where its cleaned copy goes."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from toponyms.corpus.reading import format_of

FOLDER_SUFFIXES = (".txt", ".jsonl", ".ndjson", ".csv")  # the files taken from a folder


class UsageError(ValueError):
    """Inputs and outputs that do not fit together (exit status 2 on the command line)."""


@dataclass(frozen=True, slots=True)
class Job:
    """One input and where its cleaned copy goes: ``source`` "-" is standard input, ``target`` None standard
    output. ``named``: the input was named by the user, not found in a folder, and may be a pipe."""

    source: str
    target: Path | None
    fmt: str
    named: bool = True


def expand(
    inputs: Sequence[str], fmt: str | None = None, *, skip: Path | None = None
) -> list[tuple[str, Path, str, bool]]:
    """Each input file as (source, path relative to its output root, format, named); folders recursively.

    A folder gives its ``.txt``, ``.jsonl``, ``.ndjson`` and ``.csv`` files, sorted, leaving out
    hidden files and folders and the folder ``skip`` (an output folder inside an input); these
    are not ``named``, and so are skipped if they are not regular files (``iter_records``).
    Raises UsageError for an input that does not exist.
    """
    found = []
    for given in inputs:
        if given == "-":
            found.append(("-", Path("-"), fmt or "txt", True))
            continue
        path = Path(given)
        if path.is_dir():
            root = path.resolve()
            for folder, folders, files in os.walk(path):
                if skip is not None and Path(folder).resolve() == skip.resolve() and skip.resolve() != root:
                    folders.clear()
                    continue
                folders[:] = sorted(name for name in folders if not name.startswith("."))
                for name in sorted(files):
                    if not name.startswith(".") and name.lower().endswith(FOLDER_SUFFIXES):
                        file = Path(folder) / name
                        relative = Path(root.name) / file.relative_to(path)
                        found.append((str(file), relative, fmt or format_of(name), False))
        elif path.exists():
            found.append((given, Path(path.name), fmt or format_of(given), True))
        else:
            raise UsageError(f"{given}: no such file or folder")
    return found


def plan(inputs: Sequence[str], out: str | None, fmt: str | None = None) -> list[Job]:
    """Where the cleaned copy of each input goes.

    One file (or "-") is written to ``out``, or to standard output without it, or into
    ``out`` if that is an existing folder. A folder, or several inputs, need ``out`` to be
    a folder: one folder's tree is mirrored into it, several inputs go each under its own name.
    """
    if not inputs:
        raise UsageError("no input given")
    if "-" in inputs and len(inputs) > 1:
        raise UsageError("standard input ('-') cannot be mixed with other inputs")
    target = Path(out) if out is not None else None
    single = len(inputs) == 1 and (inputs[0] == "-" or not Path(inputs[0]).is_dir())
    files = expand(inputs, fmt, skip=target)
    if single:
        source, relative, form, named = files[0]
        if target is not None and target.is_dir():
            if source == "-":
                raise UsageError(f"{out} is a folder; give a file name for the output of standard input")
            target = target / relative
        return [Job(source, target, form, named)]
    if target is None:
        raise UsageError("a folder or several inputs need --out FOLDER")
    if target.exists() and not target.is_dir():
        raise UsageError(f"--out {out} is a file; a folder or several inputs need a folder")
    one_folder = len(inputs) == 1
    jobs = [
        Job(source, target / (Path(*relative.parts[1:]) if one_folder else relative), form, named)
        for source, relative, form, named in files
    ]
    seen: dict[Path, str] = {}
    for job in jobs:
        if job.target in seen:
            raise UsageError(f"{seen[job.target]} and {job.source} would both be written to {job.target}")
        seen[job.target] = job.source  # type: ignore[index]
    return jobs
