"""toponyms: resolve the place names of news text to canonical gazetteer entries.

>>> from toponyms import resolve
>>> resolve("Artemovsk").place.name
'Bakhmut'
"""

from toponyms.compiled import Gazetteer
from toponyms.gazetteer import GazetteerError
from toponyms.model import Match, Mention, Name, Place
from toponyms.normalize import normalize
from toponyms.resolve import Resolver, candidates, resolve
from toponyms.transliterate import romanize

__all__ = [
    "Gazetteer",
    "GazetteerError",
    "Match",
    "Mention",
    "Name",
    "Place",
    "Resolver",
    "candidates",
    "normalize",
    "resolve",
    "romanize",
]
