"""toponyms: resolve the place names of news text to canonical gazetteer entries.

>>> from toponyms import resolve
>>> resolve("Artemovsk").place.name
'Bakhmut'
"""

from toponyms.clean import clean, rewrite
from toponyms.explain import Explanation, explain
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
