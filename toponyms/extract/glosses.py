"""Pass 5: glosses that tie an unknown name to a known one ("Krasnorozhsk—known in Ukrainian as
Покровsk"): the unknown side takes the known side's place and is reported as a new alias.

Each gloss of ``data/text.json`` is a pattern and the cue that a text holding it holds; a weak one,
"X (Y)", ties only a name that looks like a garble.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import NamedTuple

from toponyms.chars import is_mixed
from toponyms.extract.lookup import Lookup
from toponyms.extract.passes import Site, propose
from toponyms.extract.spans import Spans
from toponyms.extract.tables import tables
from toponyms.model import Alias, Mention

GLOSS_REACH = 160  # characters a gloss spans on either side of its cue, at most


class Glossed(NamedTuple):
    """The mentions of a text with the unknown sides of its glosses, and those sides as aliases."""

    mentions: list[Mention]
    aliases: list[Alias]


def glosses(lookup: Lookup, text: str, country: str | None, mentions: list[Mention]) -> Glossed:
    """``mentions`` with the unknown sides of the glosses of ``text`` added, and those sides as aliases.

    A side found only by resemblance (fuzzy) is no known side: the gloss says what it is, in place
    of the guess (Dymytrograd—known in Ukrainian as Myrnohrad: not Dimitrovgrad)."""
    known_words = tables()
    aliases: list[Alias] = []
    found = Spans(mentions)
    site = Site(text, country, 0)
    stretches: dict[re.Pattern[str], list[tuple[int, int]]] = {}
    for pattern, cue, weak in known_words.glosses:
        if cue not in stretches:
            stretches[cue] = around(text, cue)
        matches = (gloss for start, end in stretches[cue] for gloss in pattern.finditer(text, start, end))
        for gloss in matches:
            sides = [trim_side(text, gloss.start(i), gloss.end(i)) for i in (1, 2)]
            known = [found.at(*side) or propose(lookup, site, *side, at_least=lookup.floors.sure).mention for side in sides]
            first, second = (None if m is not None and m.match.method == "fuzzy" else m for m in known)
            if first is None and second is not None:
                (start, end), anchor = sides[0], second
            elif first is not None and second is None:
                (start, end), anchor = sides[1], first
            else:
                continue  # both known, or neither: nothing to learn
            alias = text[start:end]
            taken = found.at(start, end)
            guessed = taken is not None and taken.match.method == "fuzzy" and (taken.start, taken.end) == (start, end)
            if not alias or (taken is not None and not guessed):
                continue
            if weak and not looks_like_a_garble(alias, known_words.suffixes):
                continue
            found.replace_inside(Mention(start, end, alias, replace(anchor.match, method="gloss", query=alias)))
            aliases.append(Alias(alias, anchor.match.place, start, end, anchor.text))
    return Glossed(found.mentions(), aliases)


def around(text: str, cue: re.Pattern[str], reach: int = GLOSS_REACH) -> list[tuple[int, int]]:
    """The stretches of ``text`` within ``reach`` of a match of ``cue``, merged where they overlap.

    >>> around("a (b) c (d) e", re.compile(r"\\("), reach=1), around("a (b) c (d)", re.compile(r"\\("), reach=3)
    ([(1, 4), (7, 10)], [(0, 11)])
    """
    merged: list[tuple[int, int]] = []
    for found in cue.finditer(text):
        start, end = max(0, found.start() - reach), min(len(text), found.end() + reach)
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def trim_side(text: str, start: int, end: int) -> tuple[int, int]:
    """A gloss side without leading prepositions (In, Near) and trailing lowercase words."""
    openers = tables().side_openers
    words = text[start:end].split(" ")
    while len(words) > 1 and words[0].lower() in openers:
        start += len(words.pop(0)) + 1
    while len(words) > 1 and not words[-1][:1].isupper():
        words.pop()
    side = " ".join(words).rstrip("'’ʼ-")
    return start, start + len(side)


def looks_like_a_garble(alias: str, suffixes: tuple[str, ...]) -> bool:
    """Whether ``alias`` is written in two scripts or ends like a place name, and is no acronym."""
    return not alias.isupper() and (is_mixed(alias) or alias.lower().endswith(suffixes))
