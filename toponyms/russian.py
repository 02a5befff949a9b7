"""Russian forms of Ukrainian place names, by the rules of ``toponyms/data/russian_forms.json``.

Ukraine's codifier gives a settlement's Ukrainian name only, while news writes most
villages in their Russian form (Петропавлівка is Петропавловка). The rules, the
lexical exceptions (Микола-/Никола-) and the samples that test them are kept as data.
Russian ё is written е, as news does.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any

from toponyms._data import table
from toponyms.chars import has_cyrillic

TABLE = "russian_forms"
PATH = f"toponyms/data/{TABLE}.json"
_SEPARATOR = re.compile(r"(\s+|[-‐‑–—])")  # blanks and hyphens, kept
_GROUP = re.compile(r"\\(\d+)|\\g<(\w+)>")

Rule = tuple[re.Pattern[str], str]


class RussianFormsError(ValueError):
    """A malformed table of ``toponyms/data/russian_forms.json``."""


@dataclass(frozen=True)
class _Tables:
    apostrophes: re.Pattern[str]
    words: dict[str, str]
    stems: tuple[Rule, ...]
    adjective_rules: tuple[Rule, ...]
    endings: tuple[Rule, ...]
    letters: tuple[Rule, ...]


def russian_form(ukrainian: str) -> str:
    """The Russian form of a Ukrainian place name, word by word.

    The adjective of a name of several words agrees with its noun; hyphenated parts
    are taken one by one; words with no Cyrillic letter only lose their apostrophes.

    >>> russian_form("Велика Новосілка"), russian_form("Куп'янськ"), russian_form("Кам'янка-Дніпровська")
    ('Великая Новоселка', 'Купянск', 'Каменка-Днепровская')
    """
    tables = _tables()
    parts = _SEPARATOR.split(unicodedata.normalize("NFC", ukrainian))
    words = [i for i, part in enumerate(parts) if part and not _SEPARATOR.fullmatch(part)]
    out = list(parts)
    for n, i in enumerate(words):
        word = tables.apostrophes.sub("'", parts[i])
        # An adjective agrees when another word of the name follows it after a blank.
        followed = n + 1 < len(words) and parts[i + 1].isspace()
        out[i] = _word(word, followed, tables) if has_cyrillic(word) else word.replace("'", "")
    return "".join(out)


def _word(word: str, followed: bool, tables: _Tables) -> str:
    """One Cyrillic word (apostrophes written ') in Russian, with its capital letter put back."""
    lower = word.lower()
    form = tables.words.get(lower)
    if form is None:
        form = lower
        for pattern, replacement in tables.stems:
            form = pattern.sub(replacement, form)
        for pattern, replacement in (*(tables.adjective_rules if followed else ()), *tables.endings):
            form, changed = pattern.subn(replacement, form)
            if changed:  # the first ending that fits, only
                break
        for pattern, replacement in tables.letters:
            form = pattern.sub(replacement, form)
    if len(word) > 1 and word.isupper():
        return form.upper()
    return form[:1].upper() + form[1:] if word[:1].isupper() else form


@cache
def samples() -> tuple[tuple[str, str], ...]:
    """The (Ukrainian, Russian) samples of the table, which document and test the rules."""
    data = table(TABLE)
    found = data.get("samples")
    if not isinstance(found, list) or not all(_strings(sample, 2) for sample in found):
        raise RussianFormsError(f"{PATH}: samples must be a list of [Ukrainian, Russian] pairs")
    return tuple((ukrainian, russian) for ukrainian, russian in found)


@cache
def _tables() -> _Tables:
    """The table, read once, checked and compiled."""
    data = table(TABLE)
    if not isinstance(data, dict):
        raise RussianFormsError(f"{PATH}: expected an object")
    apostrophes = data.get("apostrophes")
    if not isinstance(apostrophes, str) or "'" not in apostrophes:
        raise RussianFormsError(f"{PATH}: apostrophes must be a string of characters that includes '")
    exceptions = data.get("exceptions")
    if not isinstance(exceptions, dict):
        raise RussianFormsError(f"{PATH}: exceptions must be an object with words and stems")
    words = _rules(exceptions, "words", "exceptions.words")
    for number, (word, form, _why) in enumerate(words):
        if word != word.lower() or not word or re.search(r"\W", word.replace("'", "")):
            raise RussianFormsError(f"{PATH}: exceptions.words {number} ({word!r} → {form!r}): not a lower-case word")
    return _Tables(
        apostrophes=re.compile(f"[{re.escape(apostrophes)}]"),
        words={word: form for word, form, _why in words},
        stems=_compiled(_rules(exceptions, "stems", "exceptions.stems"), "exceptions.stems"),
        adjective_rules=_compiled(_rules(data, "adjective_rules", "adjective_rules"), "adjective_rules"),
        endings=_compiled(_rules(data, "endings", "endings"), "endings"),
        letters=_compiled(_rules(data, "letters", "letters"), "letters"),
    )


def _rules(data: dict[str, Any], key: str, where: str) -> list[tuple[str, str, str]]:
    """The [pattern, replacement, why] triples under ``key``, checked for shape."""
    found = data.get(key)
    if not isinstance(found, list):
        raise RussianFormsError(f"{PATH}: {where} must be a list of [pattern, replacement, why]")
    for number, rule in enumerate(found):
        if not _strings(rule, 3) or not rule[2].strip():
            raise RussianFormsError(f"{PATH}: {where} {number} ({rule!r}): expected [pattern, replacement, why]")
    return [tuple(rule) for rule in found]


def _compiled(rules: list[tuple[str, str, str]], where: str) -> tuple[Rule, ...]:
    """The rules compiled; a bad pattern or a reference to a missing group is an error."""
    compiled = []
    for number, (pattern, replacement, _why) in enumerate(rules):
        try:
            regex = re.compile(pattern)
        except re.error as error:
            raise RussianFormsError(f"{PATH}: {where} {number} ({pattern!r}): {error}") from None
        for number_ref, name_ref in _GROUP.findall(replacement):
            if (number_ref and int(number_ref) > regex.groups) or (name_ref and name_ref not in regex.groupindex):
                raise RussianFormsError(f"{PATH}: {where} {number} ({pattern!r}): {replacement!r} names no group")
        compiled.append((regex, replacement))
    return tuple(compiled)


def _strings(value: Any, length: int) -> bool:
    return isinstance(value, list) and len(value) == length and all(isinstance(item, str) for item in value)
