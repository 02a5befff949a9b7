"""Package data tables, read on first use and cached."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any


@cache
def table(name: str) -> Any:
    """The parsed JSON table ``toponyms/data/<name>.json``."""
    return json.loads((files("toponyms") / "data" / f"{name}.json").read_text("utf-8"))


@cache
def words(name: str) -> frozenset[str]:
    """The words of ``toponyms/data/<name>.txt``, one a line; ``#`` starts a comment line."""
    text = (files("toponyms") / "data" / f"{name}.txt").read_text("utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))
