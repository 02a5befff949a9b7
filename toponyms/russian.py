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

from toponyms._data import RussianFormsTable, Rule, TableError, checked, table
from toponyms.chars import has_cyrillic

TABLE = "russian_forms"
PATH = f"toponyms/data/{TABLE}.json"
_SEPARATOR = re.compile(r"(\s+|[-‐‑–—])")  # blanks and hyphens, kept
_GROUP = re.compile(r"\\(\d+)|\\g<(\w+)>")

Compiled = tuple[re.Pattern[str], str]  # a rule's pattern, compiled, and its replacement


class RussianFormsError(TableError):
    """A malformed table of ``toponyms/data/russian_forms.json``."""


@dataclass(frozen=True)
class _Tables:
    apostrophes: re.Pattern[str]
    words: dict[str, str]
    stems: tuple[Compiled, ...]
    adjective_rules: tuple[Compiled, ...]
    endings: tuple[Compiled, ...]
    letters: tuple[Compiled, ...]


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
    return tuple(_checked()["samples"])


def _checked() -> RussianFormsTable:
    """The table as ``table`` gives it, checked against its schema (again: a test may hand in another)."""
    try:
        return checked(TABLE, table(TABLE))
    except TableError as error:
        raise RussianFormsError(str(error)) from None


@cache
def _tables() -> _Tables:
    """The table, read once, checked and compiled."""
    data = _checked()
    exceptions = data["exceptions"]
    for number, (word, form, _why) in enumerate(exceptions["words"]):
        if word != word.lower() or not word or re.search(r"\W", word.replace("'", "")):
            raise RussianFormsError(f"{PATH}: exceptions.words {number} ({word!r} → {form!r}): not a lower-case word")
    return _Tables(
        apostrophes=re.compile(f"[{re.escape(data['apostrophes'])}]"),
        words={word: form for word, form, _why in exceptions["words"]},
        stems=_compiled(exceptions["stems"], "exceptions.stems"),
        adjective_rules=_compiled(data["adjective_rules"], "adjective_rules"),
        endings=_compiled(data["endings"], "endings"),
        letters=_compiled(data["letters"], "letters"),
    )


def _compiled(rules: list[Rule], where: str) -> tuple[Compiled, ...]:
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
