"""Character classes, each defined once: scripts, apostrophes and dashes, capitals, combining marks.

The strings ``CYRILLIC``, ``CYRILLIC_SCRIPT``, ``CAPITALS``, ``UPPERCASE``, ``MARKS`` and ``LETTER``
are the insides of a regex character class: ``re.compile(f"[{CYRILLIC}]")``.

>>> is_cyrillic("П"), has_cyrillic("Pokrovsk (Покровськ)"), is_cyrillic_word("Покровsk")
(True, True, False)
>>> script_of("o"), script_of("о"), script_of("-"), is_mixed("Пoкровськ")
('latin', 'cyrillic', None, True)
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

# --- scripts ---------------------------------------------------------------------------------------

CYRILLIC = "\u0400-\u04ff"  # the Cyrillic block: the letters of Ukrainian, Russian and their neighbours
# The block and its supplement (Komi, Abkhaz, ...): the letters counted as Cyrillic when a word's scripts are told.
CYRILLIC_SCRIPT = "\u0400-\u052f"
_CYRILLIC = re.compile(f"[{CYRILLIC}]")
_CYRILLIC_WORD = re.compile(f"[{CYRILLIC}]+")
_CYRILLIC_SCRIPT = re.compile(f"[{CYRILLIC_SCRIPT}]")


def is_cyrillic(ch: str) -> bool:
    """Whether ``ch``, one character (or none), is a letter of the Cyrillic block."""
    return "\u0400" <= ch <= "\u04ff"


def has_cyrillic(text: str) -> bool:
    """Whether any character of ``text`` is a letter of the Cyrillic block."""
    return _CYRILLIC.search(text) is not None


def is_cyrillic_word(word: str) -> bool:
    """Whether ``word`` is not empty and every character of it is a letter of the Cyrillic block."""
    return _CYRILLIC_WORD.fullmatch(word) is not None


def script_of(ch: str) -> Literal["latin", "cyrillic"] | None:
    """``"latin"``, ``"cyrillic"`` (``CYRILLIC_SCRIPT``) or None for a character of another or no script."""
    if "\u0400" <= ch <= "\u052f":
        return "cyrillic"
    if ch.isascii():
        return "latin" if ch.isalpha() else None
    if ch.isalpha() and unicodedata.name(ch, "").startswith("LATIN"):
        return "latin"
    return None


def is_mixed(word: str) -> bool:
    """True when ``word`` has both Latin and Cyrillic letters."""
    if not _CYRILLIC_SCRIPT.search(word):
        return False
    return any(script_of(ch) == "latin" for ch in word)


# --- apostrophes and dashes --------------------------------------------------------------------------

# Apostrophes, primes and modifier letters used for the Ukrainian apostrophe and the soft sign.
APOSTROPHES = "'\u2019\u2018\u02bc\u02b9\u02bb\u0060\u00b4\u2032\u0027\u02c8\uff07"
WORD_APOSTROPHES = "'’ʼ"  # those a word of running text holds inside it (Куп'янськ, Kem’): the rest are quotes
# Hyphens and dashes that join the parts of a name.
DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"

# --- capitals ----------------------------------------------------------------------------------------

CYRILLIC_CAPITALS = "А-ЯЁІЇЄҐ"  # of Russian and Ukrainian
CYRILLIC_SMALL = "а-яёіїєґ"
CAPITALS = f"A-Z{CYRILLIC_CAPITALS}"  # of English, Russian and Ukrainian: where a name of the news may start
# Every capital letter of the alphabets up to CJK: a name in a list of regions may start with Ł, Ö or Ω too.
UPPERCASE = re.escape("".join(chr(code) for code in range(0x2E80) if chr(code).isupper()))

# --- combining marks ---------------------------------------------------------------------------------

# Combining marks belong to the letter before them (Бахму́т, Artemovsk + U+0301): wherever a word
# begins or ends, they count as letters. Those of the alphabets with capitals (Latin, Greek,
# Cyrillic) and the general blocks.
MARK_RANGES = ((0x0300, 0x036F), (0x0483, 0x0489), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF),
               (0x2DE0, 0x2DFF), (0xA66F, 0xA67D), (0xA69E, 0xA69F), (0xFE20, 0xFE2F))  # fmt: skip
MARKS = "".join(f"\\u{first:04x}-\\u{last:04x}" for first, last in MARK_RANGES)
MARK_SET = frozenset(chr(code) for first, last in MARK_RANGES for code in range(first, last + 1))
LETTER = rf"\w{MARKS}"  # a letter, digit or mark

# --- bytes that are not UTF-8 ------------------------------------------------------------------------

_SURROGATE_ESCAPE = re.compile("[\udc80-\udcff]")  # what "surrogateescape" makes of a byte that is not UTF-8


def has_surrogate_escape(text: str) -> bool:
    """Whether ``text`` holds a byte that was not UTF-8, as Python's ``surrogateescape`` keeps it."""
    return not text.isascii() and _SURROGATE_ESCAPE.search(text) is not None
