"""Step 4: the spelling key that brings one name's spellings under different systems together.

Pokrowsk, Pokrovs'k and Pokrovsk share a key, and so do Mirnograd and
Myrnohrad: the key romanises Cyrillic, then folds the letters the systems
disagree on (w/v, h/g, kh/ch/x, y/j/i/e, zh/ž/rz, doubled letters).
"""

from __future__ import annotations

import re
from functools import cache

from unidecode import unidecode

from toponyms._data import table
from toponyms.chars import APOSTROPHES
from toponyms.normalize import normalize
from toponyms.script import repair
from toponyms.transliterate import to_latin

_NOT_LETTER = re.compile(r"[^a-z0-9 ]+")
_DOUBLED = re.compile(r"(.)\1+")
_APART = {ord(a): None for a in APOSTROPHES} | {ord("-"): " "}  # Pokrovs'k is one word, Ivano-Frankivsk two


@cache
def _rules() -> tuple[dict[int, str], re.Pattern[str], dict[str, str]]:
    data = table("spelling")
    letters = str.maketrans(data["letters"])
    rewrites = dict(data["rewrites"])
    pattern = re.compile("|".join(re.escape(old) for old in rewrites))
    return letters, pattern, rewrites


def spelling_key(text: str) -> str:
    """The key under which the spellings of one name meet.

    >>> spelling_key("Pokrowsk") == spelling_key("Покровськ") == spelling_key("Pokrovs'k")
    True
    >>> spelling_key("Mirnograd") == spelling_key("Myrnohrad")
    True
    """
    letters, pattern, rewrites = _rules()
    # Romanising the whole word also mends mixed scripts: Пoкровськ, Kyіv and Шишaky
    # come out as Latin whatever their look-alike letters.
    text = text.casefold().translate(letters)
    text = unidecode(to_latin(text)).lower()
    text = _NOT_LETTER.sub("", text.translate(_APART))
    # Rewrites run in the order of the data file, each over the output of the last.
    for old, new in rewrites.items():
        text = text.replace(old, new)
    text = _DOUBLED.sub(_first_of_group, text.lower())
    return " ".join(text.split())


def _first_of_group(doubled: re.Match[str]) -> str:
    return doubled.group(1)  # a function: a template (r"\1") is expanded in Python, at twice the cost


def lookup_form(text: str) -> str:
    """The normalised form of ``text`` after mixed-script repair."""
    return normalize(repair(text))
