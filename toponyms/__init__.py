"""toponyms: resolve the place names of news text to canonical gazetteer entries.

>>> from toponyms import resolve
>>> resolve("Artemovsk").place.name
'Bakhmut'
"""

from typing import Any

from toponyms.clean import clean, rewrite
from toponyms.extract import find, scan
from toponyms.gazetteer import Gazetteer
from toponyms.model import Alias, Match, Mention, Name, Place, Scan, Unresolved
from toponyms.normalize import normalize
from toponyms.resolve import Resolver, candidates, resolve
from toponyms.transliterate import romanize
from toponyms.yaml_reader import GazetteerError

__all__ = [
    "Alias",
    "Explanation",
    "Gazetteer",
    "GazetteerError",
    "Match",
    "Mention",
    "Name",
    "Place",
    "Resolver",
    "Scan",
    "Unresolved",
    "candidates",
    "clean",
    "explain",
    "find",
    "normalize",
    "resolve",
    "rewrite",
    "romanize",
    "scan",
]


def __getattr__(name: str) -> Any:
    """``explain`` and ``Explanation`` (``toponyms.explanation``), imported when first asked for:
    resolving and finding never need them."""
    if name in ("explain", "Explanation"):
        from toponyms import explanation

        globals().update(explain=explanation.explain, Explanation=explanation.Explanation)
        return globals()[name]
    raise AttributeError(f"module 'toponyms' has no attribute {name!r}")
