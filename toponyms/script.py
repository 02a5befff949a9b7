"""Step 2: mixed-script repair.

News text mixes scripts inside one word: Latin look-alikes typed into a
Cyrillic word ("Пoкровськ" with a Latin o), Cyrillic look-alikes in a Latin one
("Kyіv" with a Cyrillic і), and half-transliterated garbles ("Покровsk").
"""

from __future__ import annotations

import re
from functools import cache

from toponyms._data import table
from toponyms.chars import is_mixed, script_of
from toponyms.transliterate import to_latin

_WORD = re.compile(r"\w+")


@cache
def _lookalikes() -> tuple[dict[str, str], dict[str, str]]:
    """(Latin → Cyrillic, Cyrillic → Latin) look-alike letters."""
    data = table("homoglyphs")
    latin_to_cyrillic = {**data["lowercase"], **data["uppercase"]}
    cyrillic_to_latin = {cyr: lat for lat, cyr in latin_to_cyrillic.items()}
    return latin_to_cyrillic, cyrillic_to_latin


def repair_word(word: str) -> str:
    """One script for a mixed-script word; any other word comes back as it is.

    Look-alike letters are swapped into the word's majority script; where the
    minority letters have no look-alike, the word was half transliterated, so
    its Cyrillic part is romanised.

    >>> repair_word("Покровsk")
    'Pokrovsk'
    >>> repair_word("Пoкровськ") == "Покровськ"
    True
    """
    if not is_mixed(word):
        return word
    latin_to_cyrillic, cyrillic_to_latin = _lookalikes()
    cyrillic = sum(script_of(ch) == "cyrillic" for ch in word)
    latin = sum(script_of(ch) == "latin" for ch in word)
    to_cyrillic = all(ch in latin_to_cyrillic for ch in word if script_of(ch) == "latin")
    to_latin_script = all(ch in cyrillic_to_latin for ch in word if script_of(ch) == "cyrillic")
    if to_cyrillic and (cyrillic >= latin or not to_latin_script):
        return "".join(latin_to_cyrillic.get(ch, ch) for ch in word)
    if to_latin_script:
        return "".join(cyrillic_to_latin.get(ch, ch) for ch in word)
    return to_latin(word)


def repair(text: str) -> str:
    """Repair every mixed-script word of ``text``; other words are left alone."""
    return _WORD.sub(lambda m: repair_word(m.group()), text)


def readings(text: str) -> list[str]:
    """The ways to read a text with mixed-script words: repaired, and wholly romanised.

    A half-romanised word whose Latin half uses only look-alike letters (Шишaky) is
    repaired into Cyrillic, which is wrong; its romanised reading (Shyshaky) is right.
    """
    repaired = repair(text)
    romanised = to_latin(text)
    return [repaired] if romanised == repaired else [repaired, romanised]
