"""The words of a running text: which characters make one, and the words around a position."""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache

from toponyms.chars import APOSTROPHES, CAPITALS, CYRILLIC, LETTER, MARK_SET, WORD_APOSTROPHES
from toponyms.keys import spelling_key
from toponyms.normalize import strip_marks

CACHE_LIMIT = 200_000  # entries of each cache of the extractor, at most

# A word ends with a letter (or its marks), not with an apostrophe or a hyphen: in 'Truskavets'',
# the last apostrophe is a quote's; in Oblast-based, the hyphen joins a word.
WORD_END = rf"(?<![{WORD_APOSTROPHES}\-])"
IN_WORD = rf"{LETTER}{WORD_APOSTROPHES}\-"  # in a character class: what a word holds after its first letter
CAPITALISED = re.compile(rf"(?<![{IN_WORD}])[{CAPITALS}][{LETTER}{WORD_APOSTROPHES}]{{3,}}{WORD_END}")
TITLE_WORD = re.compile(rf"(?<![{IN_WORD}])[{CAPITALS}][{IN_WORD}]*{WORD_END}")  # a capitalised word
SCRIPTS_MEET = re.compile(rf"[A-Za-z][{CYRILLIC}]|[{CYRILLIC}][A-Za-z]")
WORD_AROUND = re.compile(rf"[{LETTER}]+")
_WORD = re.compile(rf"[^\W\d_][{IN_WORD}]*")


def surface_forms(name: str) -> set[str]:
    """The lowercase spellings under which ``name`` may stand in a text, all as long as ``name``.

    >>> sorted(surface_forms("Kem’"))
    ["kem'", 'kemʼ', 'kem’']
    """
    lower = lowercase(name)
    bare = strip_marks(name)
    forms = {lower, lowercase(bare) if len(bare) == len(name) else lower}
    for form in list(forms):
        for apostrophe in WORD_APOSTROPHES:
            forms.add("".join(apostrophe if ch in APOSTROPHES else ch for ch in form))
    return {form for form in forms if len(form) == len(name)}


def lowercase(text: str) -> str:
    """Lowercase without changing the length (the rare letters that grow stay as they are).

    >>> lowercase("İzmir")
    'İzmir'
    """
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)


def is_name_like(word: str) -> bool:
    """A capitalised word in lowercase after its first letter: Oleksandr, not ВСУ or in."""
    return len(word) > 1 and word[0].isupper() and word[1:].islower()


def is_word_like(name: str) -> bool:
    """Whether ``name`` begins with a word (a letter first) and is no number."""
    return bool(_WORD.fullmatch(name.split(" ")[0])) and not name.isdigit()


def letter_at(text: str, i: int) -> bool:
    """Whether ``text[i]`` is a letter, a digit or a combining mark (part of the letter before it)."""
    return 0 <= i < len(text) and (text[i].isalnum() or text[i] in MARK_SET)


def word_before(text: str, start: int) -> str:
    """The word ending at most two non-word characters before ``start``.

    >>> word_before("near, Kyiv", 6)
    'near'
    """
    end = start
    while end > 0 and start - end < 2 and not (text[end - 1].isalnum() or text[end - 1] in MARK_SET):
        end -= 1
    begin = end
    # Letters and marks (inline: this runs for most runs), and apostrophes between letters: the
    # word before "областях" in Smolen'sk областях is Smolen'sk, not sk.
    while begin > 0:
        ch = text[begin - 1]
        if not (ch.isalnum() or ch in MARK_SET or ch in APOSTROPHES and letter_at(text, begin - 2)):
            break
        begin -= 1
    return text[begin:end]


def word_after(text: str, end: int) -> str:
    """The word after ``end`` when one blank or hyphen separates it, else nothing.

    >>> word_after("Dnipro river", 6), word_after("Dnipro, river", 6)
    ('river', '')
    """
    match = WORD_AROUND.match(text, end + 1) if text[end : end + 1] in (" ", "-") else None
    return match.group() if match else ""


def word_at(text: str, i: int) -> tuple[int, int] | None:
    """The span of the letters around ``text[i]``, if any."""
    start = i
    while start > 0 and letter_at(text, start - 1):
        start -= 1
    end = i
    while end < len(text) and letter_at(text, end):
        end += 1
    return (start, end) if end > start else None


def word_tail(text: str, i: int) -> str:
    """The letters from ``i`` to the end of their word."""
    j = i
    while j < len(text) and letter_at(text, j):
        j += 1
    return text[i:j]


def starts_sentence(text: str, i: int) -> bool:
    """Whether position ``i`` begins a sentence (or the text)."""
    j = i
    while j > 0 and text[j - 1] in " \t\"'«“‘(":
        j -= 1
    return j == 0 or text[j - 1] in ".!?\n:;—–-"


def overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether [start, end) overlaps any of the sorted, non-overlapping ``spans``."""
    i = bisect_right(spans, (start, float("inf")))
    return (i > 0 and spans[i - 1][1] > start) or (i < len(spans) and spans[i][0] < end)


@lru_cache(maxsize=CACHE_LIMIT)
def word_key(word: str) -> str:
    """The spelling key of one word; cached, as words repeat more than runs do."""
    return spelling_key(word)
