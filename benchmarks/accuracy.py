#!/usr/bin/env python
"""Accuracy and latency of ``toponyms`` on held-out, labelled queries, against a brute-force baseline.

Usage: python benchmarks/accuracy.py [--per-kind N] [--seed S] [--gazetteer PATH] [--show N] [--latency-queries N]

Queries are made from the gazetteer itself, one kind of variation at a time
(former names, transliterations, typos, machine-translation garbles, inflected
Cyrillic, mixed scripts, and words that are not places). To test generalisation
rather than recall, the name a query is made from is *held out*: for each kind
one gazetteer is built in memory without the held-out names of all its queries
(from every place that carries them), and both the resolver and the baseline
are asked against it. (Former names take three rounds, one gazetteer each, so
that the other spellings of a place's former name stay while one is asked.)
What exactly is held out for each kind is printed with the results.

A query is *ambiguous*, and left out of the scores (but counted), when its text
or the name it was made from is also a name — same normalised form or same
spelling key — of another place that would rightly win: a region or country,
or a populated place whose population, times the standing of that name (a
quarter for a former name, else 1), is at least the truth's population times
the standing of the query's name.

The baseline is the naive approach: ``rapidfuzz.process.extractOne`` of the
normalised query over every normalised name of the same held-out gazetteer
(``fuzz.WRatio``, cutoff ``BASELINE_CUTOFF``), answering the largest place that
carries the best name.

The same seed gives the same queries and the same scores (latencies vary).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from rapidfuzz import fuzz, process

from toponyms import Gazetteer, Match, Name, Place, Resolver, romanize
from toponyms.keys import lookup_form, spelling_key
from toponyms.normalize import normalize
from toponyms.resolve import DEFAULT_THRESHOLD
from toponyms.script import repair

from common import WARM_UP, agreement, call_times, format_table, fuzzy_pair, median_p95, uncached

HERE = Path(__file__).resolve().parent
NONPLACES = HERE / "nonplaces.txt"

BASELINE_CUTOFF = 85.0  # WRatio, 0-100
MIN_POPULATION = 2000  # most queries are of places at least this big ...
SMALL_SHARE = 0.1  # ... and this share of any populated place
LATENCY_QUERIES = 1000

UK_SYSTEMS = ("uk_national_2010", "uk_german", "uk_french", "uk_iso9", "uk_scholarly", "uk_bgn_pcgn_1965")
RU_SYSTEMS = ("ru_bgn_pcgn", "ru_iso9_1968", "ru_gost_7034", "ru_scientific", "ru_wikipedia")
LATIN_LETTERS = "abcdefghijklmnopqrstuvwxyz"
LOOKALIKES = {"а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "х": "x", "у": "y", "і": "i"}
CYRILLIC_CONSONANTS = set("бвгґджзклмнпрстфхцчшщ")
LATIN_VOWELS = set("aeiouy")
STRONG_KINDS = {"country", "region", "district"}
COUNTRIES = ("UA", "RU")  # queries are drawn from the places of both in equal numbers
FORMER_STANDING = 0.25  # a former name counts for a quarter of its place's population when judging ambiguity
FORMER_ROUNDS = 3  # former names: at most this many per place, one per held-out gazetteer


# --- queries --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Query:
    """One labelled query: its text, the id of the right place (None: not a place), and how it was made."""

    text: str
    truth: str | None
    source: str = ""  # the gazetteer name it was made from
    how: str = ""  # transliteration system, kind of edit, case ending ...
    round: int = 0  # which held-out gazetteer of its suite it is asked against


@dataclass(slots=True)
class Holdout:
    """Names to drop from every place that carries them: by exact text, normalised form or spelling key."""

    texts: set[str] = field(default_factory=set)
    forms: set[str] = field(default_factory=set)
    keys: set[str] = field(default_factory=set)
    latin_forms_only: bool = False  # forms: drop only the Latin-script names that have them

    def __bool__(self) -> bool:
        return bool(self.texts or self.forms or self.keys)


@dataclass(slots=True)
class Suite:
    """The queries of one kind, what they hold out, and how many ambiguous ones were set aside."""

    kind: str
    queries: list[Query]
    holdouts: list[Holdout]  # one held-out gazetteer per round
    held_out: str  # what is held out, for the report
    ambiguous: int = 0
    rejected: int = 0  # drafts thrown away (no change to the spelling key, unusable name, ...)
    notes: list[str] = field(default_factory=list)


def is_latin(text: str) -> bool:
    """True when every letter of ``text`` is Latin."""
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and all(unicodedata.name(ch, "").startswith("LATIN") for ch in letters)


def is_cyrillic(text: str) -> bool:
    """True when every letter of ``text`` is Cyrillic."""
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and all("\u0400" <= ch <= "\u04ff" for ch in letters)


def has_cyrillic(text: str) -> bool:
    """True when ``text`` has a Cyrillic letter."""
    return any("\u0400" <= ch <= "\u04ff" for ch in text)


def cyrillic_name(place: Place) -> str | None:
    """The official Cyrillic name: Ukrainian for Ukraine, Russian for Russia."""
    lang = "uk" if place.country == "UA" else "ru"
    for name in place.names:
        if name.lang == lang and name.status == "official" and is_cyrillic(name.text):
            if lang == "ru" and any(ch in name.text.lower() for ch in "іїєґ"):
                continue
            return name.text
    return None


# --- ambiguity ------------------------------------------------------------------


class Rivals:
    """Decides whether a query's truth is well defined in the full gazetteer."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        self.index = gazetteer.index

    def _names_like(self, text: str) -> Iterable[tuple[Place, Name]]:
        hits = set(self.index.by_form(lookup_form(text)))
        key = spelling_key(text)
        if key:
            hits.update(self.index.by_key(key))
        for hit in sorted(hits):
            p, n = self.index.owner(hit)
            place = self.gazetteer.places[p]
            yield place, place.names[n]

    def ambiguous(
        self, truth: Place, texts: Iterable[str], *, former: bool = False, any_size: Iterable[str] = ()
    ) -> bool:
        """True when another place carries one of ``texts`` and would rightly be preferred to ``truth``.

        A region or country always would; a populated place would when its population, times the
        standing of its name (FORMER_STANDING for a former name, 1 otherwise), is at least the
        truth's population times the standing of the query's name. A place of any size carrying one
        of ``any_size`` would (an inflected form that is another place's nominative).
        """
        for text in any_size:
            if any(place.id != truth.id for place, _ in self._names_like(text)):
                return True
        ours = truth.population * (FORMER_STANDING if former else 1.0)
        for text in texts:
            for place, name in self._names_like(text):
                if place.id == truth.id:
                    continue
                if place.kind in STRONG_KINDS:
                    return True
                theirs = place.population * (FORMER_STANDING if name.status == "former" else 1.0)
                if theirs >= ours:
                    return True
        return False


# --- drafting the queries of each kind ---------------------------------------------


def sample_places(places: Sequence[Place], rng: random.Random) -> Iterator[Place]:
    """Populated places in random order, each once: half Ukrainian, half Russian (while both last);
    of each, (1 - SMALL_SHARE) of at least MIN_POPULATION people and SMALL_SHARE of any size."""
    pools: dict[tuple[str, bool], list[Place]] = {}
    for country in COUNTRIES:
        mine = [p for p in places if p.country == country]
        pools[country, True] = [p for p in mine if p.population >= MIN_POPULATION]
        pools[country, False] = mine
        for big in (True, False):
            rng.shuffle(pools[country, big])
    seen: set[str] = set()
    while any(pools.values()):
        country = rng.choice([c for c in COUNTRIES if pools[c, True] or pools[c, False]])
        big = rng.random() >= SMALL_SHARE
        pool = pools[country, big] or pools[country, not big]
        place = pool.pop()
        if place.id not in seen:
            seen.add(place.id)
            yield place


def typo(text: str, rng: random.Random) -> tuple[str, str]:
    """``text`` with 1-2 random edits (substitution, deletion, insertion, transposition) at positions ≥ 1."""
    chars = list(text)
    edits = []
    for _ in range(rng.choice((1, 2))):
        op = rng.choice(("sub", "del", "ins", "swap"))
        if op == "ins":
            i = rng.randrange(1, len(chars) + 1)
            chars.insert(i, rng.choice(LATIN_LETTERS))
        elif op == "swap":
            i = rng.randrange(1, len(chars) - 1)
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
        else:
            i = rng.randrange(1, len(chars))
            if op == "del":
                del chars[i]
            else:
                chars[i] = rng.choice([c for c in LATIN_LETTERS if c != chars[i].lower()])
        edits.append(op)
    return "".join(chars), "+".join(edits)


# Garbles: the ways machine translation and careless transcription mangle a name.
ENDINGS = (  # (ending, replacements), longest first
    ("skoye", ("ske", "sk", "skoe")),
    ("skoe", ("ske", "skoye")),
    ("ivka", ("ovka",)),
    ("ovka", ("ivka",)),
    ("evka", ("ovka", "ivka")),
    ("ske", ("skoye", "sk", "skoe")),
    ("ove", ("ovo", "ovoye")),
    ("ovo", ("ove", "ovskoye")),
    ("sk", ("ske", "skoye", "skiy")),
    ("ne", ("noye", "no")),
    ("ino", ("yne", "ine")),
)
SYLLABLES = ("ro", "ra", "zh", "ko", "ny", "li", "ma", "ve", "do", "sha", "ta", "ki", "lo", "mu", "ch", "gor", "vo")
PREFIXES = ("Novo", "Staro", "Krasno", "Velyko", "Mala", "Verkhne", "Nyzhnyo", "Nizhne", "Pervo", "Bilo", "Belo", "Chervono", "Zaliz", "Svyato", "Molodo", "Yasno", "Zoloto", "Kamiano", "Kamensk")


def garble_syllable(text: str, rng: random.Random) -> str | None:
    """Replace a syllable in the middle of the name by another."""
    if len(text) < 6:
        return None
    starts = [i for i in range(2, len(text) - 3) if text[i].isalpha() and text[i].lower() not in LATIN_VOWELS]
    if not starts:
        return None
    i = rng.choice(starts)
    end = i + 1
    while end < len(text) - 1 and text[end].lower() in LATIN_VOWELS:
        end += 1
    return text[:i] + rng.choice(SYLLABLES) + text[end:]


def garble_ending(text: str, rng: random.Random) -> str | None:
    """Swap a Ukrainian ending for a Russian one or back (-ske/-skoye/-sk, -ivka/-ovka ...)."""
    lower = text.lower()
    for ending, replacements in ENDINGS:
        if lower.endswith(ending) and len(text) > len(ending) + 2:
            return text[: -len(ending)] + rng.choice(replacements)
    return None


def garble_phonetics(text: str, rng: random.Random) -> str | None:
    """Russian sounds for Ukrainian ones (h→g, y→i, -iv→-ov, i→o) or -ov→-iv for a Russian name."""
    lower = text.lower()
    if lower.endswith("iv"):
        out = text[:-2] + "ov"
    elif lower.endswith("ov"):
        out = text[:-2] + "iv"
    else:
        positions = [i for i in range(1, len(text) - 1) if text[i] == "i" and text[i + 1] not in LATIN_VOWELS]
        if not positions:
            return None
        i = rng.choice(positions)
        out = text[:i] + "o" + text[i + 1 :]
    out = "".join(
        "g" if ch == "h" and (i == 0 or out[i - 1].lower() not in "kszc") else "i" if ch == "y" and i > 0 else ch
        for i, ch in enumerate(out)
    )
    return out


def garble_vowels(text: str, rng: random.Random) -> str | None:
    """Akanye-like vowel confusion: one or two interior o↔a, u↔o, a↔e."""
    swap = {"o": "a", "a": "o", "u": "o", "e": "a"}
    positions = [i for i in range(1, len(text) - 1) if text[i] in swap]
    if not positions:
        return None
    chars = list(text)
    for i in rng.sample(positions, min(len(positions), rng.choice((1, 2)))):
        chars[i] = swap[chars[i]]
    return "".join(chars)


def garble_consonants(text: str, rng: random.Random) -> str | None:
    """kh→h or h→kh, or one voiced/voiceless swap (d↔t, b↔p, v↔f, g↔k)."""
    if "kh" in text.lower() and rng.random() < 0.5:
        i = text.lower().index("kh")
        return text[:i] + ("H" if text[i].isupper() else "h") + text[i + 2 :]
    swap = {"d": "t", "t": "d", "b": "p", "p": "b", "v": "f", "f": "v", "g": "k", "k": "g"}
    positions = [i for i in range(1, len(text)) if text[i] in swap and text[i - 1 : i + 1] != "kh"]
    if not positions:
        return None
    i = rng.choice(positions)
    return text[:i] + swap[text[i]] + text[i + 1 :]


def garble_split(text: str, rng: random.Random) -> str | None:
    """Join the words of a compound name, or split a Novo-/Krasno-/... compound in two."""
    if " " in text or "-" in text:
        parts = text.replace("-", " ").split()
        return parts[0] + "".join(part.lower() for part in parts[1:])
    for prefix in PREFIXES:
        if text.startswith(prefix) and len(text) > len(prefix) + 3:
            rest = text[len(prefix) :]
            return prefix + rng.choice((" ", "-")) + rest[0].upper() + rest[1:]
    return None


GARBLES: dict[str, Callable[[str, random.Random], str | None]] = {
    "syllable": garble_syllable,
    "ending": garble_ending,
    "phonetics": garble_phonetics,
    "vowels": garble_vowels,
    "consonants": garble_consonants,
    "split/join": garble_split,
}

# Case endings (nominative → oblique). Ukrainian -ів/-їв stems alternate (Харків → Харкова).
UK_CONSONANT = ("а", "у", "ом", "і")
UK_A_STEM = ("и", "і", "у", "ою")
RU_CONSONANT = ("а", "е", "ом")
RU_A_STEM = ("ы", "е", "у", "ой")
UK_SOFTEN = {"к": "ц", "г": "з", "х": "с"}


def inflect(name: str, lang: str, rng: random.Random) -> tuple[str, str] | None:
    """``name`` (one Cyrillic word) in a random oblique case; None for a name of another shape."""
    if " " in name or "-" in name or len(name) < 4:
        return None
    last = name[-1].lower()
    if last in "ая":
        if last == "я":
            return None
        stem = name[:-1]
        ending = rng.choice(UK_A_STEM if lang == "uk" else RU_A_STEM)
        if ending == "ы" and stem[-1].lower() in "кгхжшчщ":
            ending = "и"
        if lang == "uk" and ending == "і" and stem[-1].lower() in UK_SOFTEN:
            stem = stem[:-1] + UK_SOFTEN[stem[-1].lower()]
        return stem + ending, f"-{ending}"
    if last in CYRILLIC_CONSONANTS:
        stem = name
        endings = UK_CONSONANT if lang == "uk" else RU_CONSONANT
        if lang == "uk" and last == "к":  # у Покровську, not *Покровськi
            endings = tuple(e for e in endings if e != "і")
        ending = rng.choice(endings)
        if lang == "uk" and name.lower().endswith("ів"):
            stem = name[:-2] + "ов"
        elif lang == "uk" and name.lower().endswith("їв"):
            stem = name[:-2] + "єв"
        return stem + ending, f"-{ending}"
    return None


def swap_lookalikes(name: str, rng: random.Random) -> str | None:
    """``name`` with 1-2 Cyrillic letters replaced by their Latin look-alikes."""
    positions = [i for i, ch in enumerate(name) if ch in LOOKALIKES]
    if not positions:
        return None
    chars = list(name)
    for i in rng.sample(positions, min(len(positions), rng.choice((1, 2)))):
        chars[i] = LOOKALIKES[chars[i]]
    return "".join(chars)


def half_romanized(name: str, system: str) -> str | None:
    """First half Cyrillic, second half romanised (Покровsk)."""
    half = len(name) // 2
    out = name[:half] + romanize(name[half:], system)
    return out if has_cyrillic(out) and any(ch.isascii() and ch.isalpha() for ch in out) else None


# --- the suites ---------------------------------------------------------------------


class Builder:
    """Drafts the suites of queries from one gazetteer."""

    def __init__(self, gazetteer: Gazetteer, per_kind: int, seed: int) -> None:
        self.gazetteer = gazetteer
        self.per_kind = per_kind
        self.seed = seed
        self.rivals = Rivals(gazetteer)
        self.populated = [p for p in gazetteer.places if p.kind == "populated place" and p.country in COUNTRIES]

    def rng(self, kind: str) -> random.Random:
        """A generator of its own for each kind, so that kinds do not shift one another."""
        return random.Random(f"{self.seed}:{kind}")

    def _fill(
        self, kind: str, draft: Callable[[Place, random.Random], Query | None], *, exact_rivals: bool = False
    ) -> tuple[list[Query], int, int]:
        """Draft one query per place until ``per_kind`` unambiguous ones are found."""
        rng = self.rng(kind)
        queries: list[Query] = []
        ambiguous = rejected = 0
        for place in sample_places(self.populated, rng):
            if len(queries) >= self.per_kind:
                break
            query = draft(place, rng)
            if query is None:
                rejected += 1
                continue
            rivals_of_any_size = (query.text,) if exact_rivals else ()
            if self.rivals.ambiguous(place, (query.text, query.source), any_size=rivals_of_any_size):
                ambiguous += 1
                continue
            queries.append(query)
        return queries, ambiguous, rejected

    def former(self) -> Suite:
        """Former names (curated), each held out by its exact text (up to ``normalize``) alone.

        So that a place's other spellings of a former name stay while one is asked, a place gives at
        most one query to each round, and each round has a held-out gazetteer of its own.
        """
        rng = self.rng("former")
        pairs = [
            (place, name)
            for place in self.populated
            for name in place.names
            if name.status == "former" and (is_latin(name.text) or is_cyrillic(name.text))
        ]
        rng.shuffle(pairs)
        queries: list[Query] = []
        rounds: Counter[str] = Counter()
        ambiguous = 0
        for place, name in pairs:
            if len(queries) >= self.per_kind or rounds[place.id] >= FORMER_ROUNDS:
                continue
            if self.rivals.ambiguous(place, (name.text,), former=True):
                ambiguous += 1
                continue
            how = f"{name.lang or '?'} {name.year or ''}".strip()
            queries.append(Query(name.text, place.id, name.text, how, rounds[place.id]))
            rounds[place.id] += 1
        holdouts = [Holdout(forms={normalize(q.text) for q in queries if q.round == r}) for r in range(FORMER_ROUNDS)]
        places = len({place.id for place, _ in pairs})
        return Suite(
            "former", queries, holdouts,
            f"the former name's normalised form, NOT its key: other spellings stay ({FORMER_ROUNDS} rounds, a query per place each)",
            ambiguous, notes=[f"{len(pairs)} former names of {places} populated places in Latin or Cyrillic script; at most {FORMER_ROUNDS} asked per place"],
        )  # fmt: skip

    def transliteration(self) -> Suite:
        """The official Cyrillic name romanised under a random system; Latin names of that form held out."""

        def draft(place: Place, rng: random.Random) -> Query | None:
            cyrillic = cyrillic_name(place)
            if cyrillic is None:
                return None
            system = rng.choice(UK_SYSTEMS if place.country == "UA" else RU_SYSTEMS)
            text = romanize(cyrillic, system)
            if has_cyrillic(text) or not normalize(text):
                return None
            return Query(text, place.id, cyrillic, system)

        queries, ambiguous, rejected = self._fill("transliteration", draft)
        holdout = Holdout(forms={normalize(q.text) for q in queries}, latin_forms_only=True)
        return Suite(
            "transliteration", queries, [holdout],
            "every Latin name with the query's normalised form (Cyrillic names and other spellings stay)",
            ambiguous, rejected,
        )  # fmt: skip

    def _edited(self, kind: str, edit: Callable[[str, random.Random], tuple[str, str] | None], min_letters: int) -> Suite:
        def draft(place: Place, rng: random.Random) -> Query | None:
            source = place.name
            if sum(ch.isalpha() for ch in source) < min_letters or not is_latin(source):
                return None
            for _ in range(4):
                made = edit(source, rng)
                if made is None:
                    continue
                text, how = made
                key = spelling_key(text)
                if key and key != spelling_key(source) and normalize(text) != normalize(source):
                    return Query(text, place.id, source, how)
            return None

        queries, ambiguous, rejected = self._fill(kind, draft)
        holdout = Holdout(forms={normalize(q.text) for q in queries}, keys={spelling_key(q.text) for q in queries})
        return Suite(
            kind, queries, [holdout],
            "every name with the query's normalised form or key (edits that leave the key unchanged are redrawn)",
            ambiguous, rejected,
        )  # fmt: skip

    def typo(self) -> Suite:
        """The canonical name (≥ 6 letters) with 1-2 random edits."""
        return self._edited("typo", typo, 6)

    def garble(self) -> Suite:
        """The canonical name mangled the way machine translation does."""

        def edit(text: str, rng: random.Random) -> tuple[str, str] | None:
            names = list(GARBLES)
            rng.shuffle(names)
            for name in names:
                out = GARBLES[name](text, rng)
                if out and out != text:
                    return out, name
            return None

        return self._edited("garble", edit, 5)

    def inflected(self) -> Suite:
        """The Cyrillic name in an oblique case; nothing held out."""

        def draft(place: Place, rng: random.Random) -> Query | None:
            cyrillic = cyrillic_name(place)
            if cyrillic is None:
                return None
            lang = "uk" if place.country == "UA" else "ru"
            made = inflect(cyrillic, lang, rng)
            if made is None:
                return None
            return Query(made[0], place.id, cyrillic, f"{lang} {made[1]}")

        queries, ambiguous, rejected = self._fill("inflected", draft, exact_rivals=True)
        return Suite(
            "inflected", queries, [Holdout()],
            "nothing: the nominative stays (an oblique form that is a name of another place is ambiguous)",
            ambiguous, rejected,
        )  # fmt: skip

    def mixed_script(self) -> Suite:
        """Cyrillic names with Latin look-alikes, or half romanised."""

        def draft(place: Place, rng: random.Random) -> Query | None:
            cyrillic = cyrillic_name(place)
            if cyrillic is None:
                return None
            if rng.random() < 0.5:
                text = swap_lookalikes(cyrillic, rng)
                how = "look-alikes"
            else:
                system = "uk_national_2010" if place.country == "UA" else "ru_bgn_pcgn"
                text = half_romanized(cyrillic, system)
                how = f"half {system}"
            return None if text is None or text == cyrillic else Query(text, place.id, cyrillic, how)

        queries, ambiguous, rejected = self._fill("mixed_script", draft)
        holdout = Holdout(forms={normalize(q.text) for q in queries})
        return Suite(
            "mixed_script", queries, [holdout],
            "names with the query's normalised form (a curated garble like Покровsk); the Cyrillic name stays",
            ambiguous, rejected,
        )  # fmt: skip

    def nonplace(self) -> Suite:
        """Words and names that are not places; the right answer is None."""
        words = read_nonplaces(NONPLACES)
        index = self.gazetteer.index
        kept = [w for w in words if not index.by_form(lookup_form(w))]
        dropped = [w for w in words if index.by_form(lookup_form(w))]
        rng = self.rng("nonplace")
        rng.shuffle(kept)
        queries = [Query(w, None, w, "") for w in kept]
        return Suite(
            "nonplace", queries, [Holdout()], "nothing (full gazetteer)", rejected=len(dropped),
            notes=[f"{len(words)} words in {NONPLACES.name}; dropped {len(dropped)} that are names in the gazetteer: {', '.join(dropped)}"],
        )  # fmt: skip

    def suites(self) -> list[Suite]:
        """Every kind, in report order."""
        return [
            self.former(),
            self.transliteration(),
            self.typo(),
            self.garble(),
            self.inflected(),
            self.mixed_script(),
            self.nonplace(),
        ]


def read_nonplaces(path: Path) -> list[str]:
    """The entries of the non-place list, once each, in file order."""
    seen: dict[str, None] = {}
    for line in path.read_text("utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            seen.setdefault(line, None)
    return list(seen)


# --- held-out gazetteers -------------------------------------------------------------


def _held(text: str, holdout: Holdout) -> bool:
    """True when the name ``text`` is to be held out."""
    if text in holdout.texts or spelling_key(text) in holdout.keys:
        return True
    repaired = repair(text)  # GeoNames has mixed-script variants (Vаsylіvkа); the index repairs them
    if normalize(text) not in holdout.forms and normalize(repaired) not in holdout.forms:
        return False
    return is_latin(repaired) or not holdout.latin_forms_only


def held_out(gazetteer: Gazetteer, holdout: Holdout) -> tuple[Gazetteer, int]:
    """A gazetteer without the held-out names (from every place); and how many names were dropped."""
    if not holdout:
        return gazetteer, 0
    index = gazetteer.index
    hits: set[int] = set()
    for form in holdout.forms | {normalize(text) for text in holdout.texts}:
        hits.update(index.by_form(form))
        hits.update(index.by_form(lookup_form(form)))  # the index keeps mixed-script names repaired
    for key in holdout.keys:
        hits.update(index.by_key(key))
    drop: dict[int, set[int]] = {}
    for hit in hits:
        p, n = index.owner(hit)
        if _held(gazetteer.places[p].names[n].text, holdout):
            drop.setdefault(p, set()).add(n)
    places = list(gazetteer.places)
    for p, slots in drop.items():
        place = places[p]
        places[p] = replace(place, names=tuple(name for n, name in enumerate(place.names) if n not in slots))
    reduced = Gazetteer(places)
    reduced.index  # noqa: B018 - build now, outside the timings
    return reduced, sum(len(slots) for slots in drop.values())


class Baseline:
    """The naive resolver: WRatio over every normalised name, the largest place of the best name."""

    def __init__(self, gazetteer: Gazetteer, cutoff: float = BASELINE_CUTOFF) -> None:
        best: dict[str, Place] = {}
        for place in gazetteer.places:
            for name in place.names:
                form = normalize(name.text)
                if form and (form not in best or place.population > best[form].population):
                    best[form] = place
        self.forms = list(best)
        self.places = [best[form] for form in self.forms]
        self.cutoff = cutoff

    def resolve(self, query: str) -> Place | None:
        """The place of the most similar name, or None under the cutoff."""
        found = process.extractOne(normalize(query), self.forms, scorer=fuzz.WRatio, score_cutoff=self.cutoff)
        return None if found is None else self.places[found[2]]


# --- scoring --------------------------------------------------------------------------


@dataclass(slots=True)
class Tally:
    """Right, abstained and wrong answers of one resolver on one suite."""

    right: int = 0
    none: int = 0
    wrong: int = 0

    def add(self, truth: str | None, got: str | None) -> None:
        """Count one answer ``got`` (a place id or None) against the ``truth``."""
        if got == truth:
            self.right += 1
        elif got is None:
            self.none += 1
        else:
            self.wrong += 1

    @property
    def n(self) -> int:
        """How many answers were counted."""
        return self.right + self.none + self.wrong

    def rates(self) -> tuple[str, str, str]:
        """Right, abstained and wrong, as percentages."""
        n = self.n or 1
        return tuple(f"{100 * x / n:.1f}%" for x in (self.right, self.none, self.wrong))  # type: ignore[return-value]


@dataclass(slots=True)
class Outcome:
    """The scores of one suite, with the resolver's failures and methods."""

    suite: Suite
    dropped: int
    ours: Tally
    top: Tally  # the resolver's best candidate whatever its score (no threshold)
    baseline: Tally
    failures: list[tuple[Query, Match | None, Match | None]]  # query, answer, best candidate
    methods: Counter[str]
    by_variant: dict[str, Tally]


def variant(kind: str, how: str) -> str:
    """The group a query's making falls in, for the breakdown by variant."""
    if kind == "typo":
        return f"{how.count('+') + 1} edit(s)"
    if kind == "mixed_script":
        return how.split()[0] if how == "look-alikes" else "half " + how.split()[-1]
    if kind == "former":
        return how.split()[0]
    return how


def run_suite(gazetteer: Gazetteer, suite: Suite, threshold: float = DEFAULT_THRESHOLD) -> Outcome:
    """Ask both resolvers every query of ``suite``, each against the held-out gazetteer of its round."""
    ours, top, naive = Tally(), Tally(), Tally()
    failures: list[tuple[Query, Match | None, Match | None]] = []
    methods: Counter[str] = Counter()
    by_variant: dict[str, Tally] = {}
    dropped = 0
    for round_, holdout in enumerate(suite.holdouts):
        queries = [q for q in suite.queries if q.round == round_]
        if not queries:
            continue
        reduced, count = held_out(gazetteer, holdout)
        dropped += count
        resolver = Resolver(reduced, threshold=threshold)
        baseline = Baseline(reduced)
        for query in queries:
            match = resolver.resolve(query.text)
            got = match.place.id if match else None
            ours.add(query.truth, got)
            by_variant.setdefault(variant(suite.kind, query.how), Tally()).add(query.truth, got)
            methods[match.method if match else "none"] += 1
            best = next(iter(resolver.candidates(query.text, limit=1)), None)
            top.add(query.truth, best.place.id if best else None)
            if got != query.truth:
                failures.append((query, match, best))
            place = baseline.resolve(query.text)
            naive.add(query.truth, place.id if place else None)
    return Outcome(suite, dropped, ours, top, naive, failures, methods, by_variant)


# --- latency ------------------------------------------------------------------------


def latency_queries(gazetteer: Gazetteer, seed: int, count: int) -> dict[str, list[str]]:
    """Queries that take each path of the resolver on the full gazetteer, ``count`` of each."""
    rng = random.Random(f"{seed}:latency")
    index = gazetteer.index
    places = [p for p in gazetteer.places if p.kind == "populated place"]
    sets: dict[str, list[str]] = {"exact": [], "normalized": [], "transliteration": [], "inflected": [], "typo": []}

    def new_form(text: str) -> bool:
        return not index.by_form(lookup_form(text))

    for _ in range(60 * count):
        if all(len(v) >= count for v in sets.values()):
            break
        place = rng.choice(places)
        cyrillic = cyrillic_name(place)
        sets["exact"].append(place.name)
        if place.name.lower() != place.name:
            sets["normalized"].append(place.name.lower())
        if cyrillic:
            system = rng.choice(UK_SYSTEMS if place.country == "UA" else RU_SYSTEMS)
            text = romanize(cyrillic, system)
            if new_form(text) and index.by_key(spelling_key(text)) and not has_cyrillic(text):
                sets["transliteration"].append(text)
            made = inflect(cyrillic, "uk" if place.country == "UA" else "ru", rng)
            if made and new_form(made[0]) and not index.by_key(spelling_key(made[0])):
                sets["inflected"].append(made[0])
        if len(place.name) >= 6 and is_latin(place.name):
            text, _ = typo(place.name, rng)
            if new_form(text) and not index.by_key(spelling_key(text)):
                sets["typo"].append(text)
    return {kind: texts[:count] for kind, texts in sets.items()}


def latency_rows(gazetteer: Gazetteer, seed: int, count: int) -> list[list[str]]:
    """The latency table: the resolver's paths, brute force, and the candidate index against brute force."""
    resolver = Resolver(gazetteer)
    baseline = Baseline(gazetteer)
    sets = latency_queries(gazetteer, seed, count)
    rows = []
    medians: dict[str, float] = {}
    for label, kind in (
        ("exact hit", "exact"),
        ("normalized hit (lowercase)", "normalized"),
        ("transliteration (key) hit", "transliteration"),
        ("inflected (Cyrillic oblique)", "inflected"),
        ("fuzzy (typo queries)", "typo"),
    ):
        queries = sets[kind]
        methods = Counter((m.method if m else "none") for m in map(resolver.resolve, queries))
        med, p95 = median_p95(call_times(partial(uncached, gazetteer), queries))
        medians[kind] = med
        top = ", ".join(f"{k} {v}" for k, v in methods.most_common(3))
        rows.append([f"toponyms: {label}", str(len(queries)), f"{med:.0f}", f"{p95:.0f}", "", top])
    typos = sets["typo"]
    ours_med = medians["typo"]
    brute_med, brute_p95 = median_p95(call_times(baseline.resolve, typos))
    rows.append([
        f"brute force: extractOne WRatio over {len(baseline.forms)} names (typos)", str(len(typos)),
        f"{brute_med:.0f}", f"{brute_p95:.0f}", f"{brute_med / ours_med:.1f}x vs fuzzy row", "",
    ])  # fmt: skip
    rows.extend(index_rows(gazetteer, typos))
    return rows


def index_rows(gazetteer: Gazetteer, typos: Sequence[str]) -> list[list[str]]:
    """index.fuzzy(key) against extractOne over the keys with the query's first letter: latency and agreement."""
    index = gazetteer.index
    keys = [spelling_key(t) for t in typos]
    keys = [k for k in keys if k]
    cutoff = 0.8
    ours, brute = fuzzy_pair(index, cutoff)
    agree, found = agreement(ours, brute, keys)
    ours_med, ours_p95 = median_p95(call_times(ours, keys))
    brute_med, brute_p95 = median_p95(call_times(brute, keys))
    rate = f"agree {100 * agree / len(keys):.1f}% ({found} with a key ≥ {cutoff:.0%})"
    return [
        [f"index.fuzzy(key) over {len(index.keys)} keys", str(len(keys)), f"{ours_med:.0f}", f"{ours_p95:.0f}", "", rate],
        ["brute force: extractOne(key, keys with its first letter, ratio)", str(len(keys)), f"{brute_med:.0f}", f"{brute_p95:.0f}", f"{brute_med / ours_med:.1f}x vs index", ""],
    ]  # fmt: skip


# --- report ---------------------------------------------------------------------------


def accuracy_table(outcomes: Sequence[Outcome]) -> str:
    """The accuracy of both resolvers on every suite."""
    header = ["kind", "n", "ambig", "ours acc", "ours none", "ours wrong", "base acc", "base none", "base wrong", "ours top-1 any score"]
    rows = [
        [o.suite.kind, str(o.ours.n), str(o.suite.ambiguous), *o.ours.rates(), *o.baseline.rates(), o.top.rates()[0]]
        for o in outcomes
    ]
    return format_table(header, rows, right=range(1, 10))


def holdout_table(outcomes: Sequence[Outcome]) -> str:
    """What each suite held out and set aside."""
    rows = [[o.suite.kind, str(o.dropped), str(o.suite.rejected), o.suite.held_out] for o in outcomes]
    return format_table(["kind", "names dropped", "drafts rejected", "held out"], rows, right=(1, 2))


def variant_lines(outcomes: Sequence[Outcome]) -> list[str]:
    """For each kind, the resolver's right answers out of n for each way its queries were made."""
    lines = []
    for o in outcomes:
        if len(o.by_variant) > 1:
            parts = (f"{name} {t.right}/{t.n}" for name, t in sorted(o.by_variant.items(), key=lambda kv: -kv[1].n))
            lines.append(f"{o.suite.kind + ':':17s}" + ", ".join(parts))
    return lines


def describe(match: Match | None) -> str:
    """A match in one short line."""
    if match is None:
        return "-"
    place = match.place
    return f"{place.name} ({place.id}, {place.country}, pop {place.population}) {match.method} {match.score:.2f}"


def failure_lines(gazetteer: Gazetteer, outcome: Outcome, show: int) -> list[str]:
    """The first ``show`` failures of the resolver on a suite."""
    lines = [f"[{outcome.suite.kind}] {len(outcome.failures)} failures; methods of all answers: "
             + ", ".join(f"{k} {v}" for k, v in outcome.methods.most_common())]  # fmt: skip
    rows = []
    for query, match, best in outcome.failures[:show]:
        truth = gazetteer.get(query.truth) if query.truth else None
        truth_text = f"{truth.name} ({truth.id}, pop {truth.population})" if truth else "None"
        got = describe(match) if match else "None" + (f" (best: {describe(best)})" if best else "")
        source = query.source if query.source != query.text else ""
        rows.append([f"  {query.text}", query.how, source, truth_text, got])
    if rows:
        lines.append(format_table(["  query", "how", "made from", "truth", "resolved to"], rows))
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Build the suites, run them, and print the report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--per-kind", type=int, default=200, help="queries per kind (default 200)")
    parser.add_argument(
        "--threshold", type=float, default=DEFAULT_THRESHOLD, help=f"resolve()'s threshold (default {DEFAULT_THRESHOLD})"
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--gazetteer", type=Path, default=None, help="gazetteer YAML (default: the bundled one)")
    parser.add_argument("--show", type=int, default=10, help="failing queries to list per kind (default 10)")
    parser.add_argument("--latency-queries", type=int, default=LATENCY_QUERIES, help="queries per latency row (default 1000)")
    args = parser.parse_args(argv)

    print(" ".join(["$ python benchmarks/accuracy.py", *(sys.argv[1:] if argv is None else argv)]))
    print(f"per-kind={args.per_kind} seed={args.seed} threshold={args.threshold}")
    started = time.perf_counter()
    gazetteer = Gazetteer.load(args.gazetteer) if args.gazetteer else Gazetteer.load()
    print(f"gazetteer: {gazetteer!r}, {len(gazetteer.index.keys)} spelling keys (loaded in {time.perf_counter() - started:.1f} s)")
    print(
        f"places: populated places, half UA and half RU, {1 - SMALL_SHARE:.0%} drawn from population >= {MIN_POPULATION}, "
        f"{SMALL_SHARE:.0%} of any size; baseline: extractOne(normalize(q), all normalised names, WRatio, score_cutoff={BASELINE_CUTOFF:g})"
    )
    builder = Builder(gazetteer, args.per_kind, args.seed)
    suites = builder.suites()
    outcomes = [run_suite(gazetteer, suite, args.threshold) for suite in suites]
    for outcome in outcomes:
        for note in outcome.suite.notes:
            print(f"{outcome.suite.kind}: {note}")
    print()
    print(f"ACCURACY (ours = Resolver.resolve, threshold {args.threshold}; base = brute-force WRatio; "
          "ambig = ambiguous queries set aside; nonplace: acc = correctly None)")  # fmt: skip
    print(accuracy_table(outcomes))
    print()
    print("HELD OUT (one gazetteer per kind; names dropped from every place that carries them)")
    print(holdout_table(outcomes))
    print()
    print("TOPONYMS BY VARIANT (right / n)")
    print("\n".join(variant_lines(outcomes)))
    print()
    print(f"LATENCY (µs per query, time.perf_counter_ns, after a warm-up of {WARM_UP}; full gazetteer)")
    rows = latency_rows(gazetteer, args.seed, args.latency_queries)
    print(format_table(["path", "n", "median", "p95", "speedup", "notes"], rows, right=(1, 2, 3, 4)))
    print()
    print("FAILURES OF toponyms (first of each kind: query, how it was made, truth, what it resolved to)")
    for outcome in outcomes:
        for line in failure_lines(gazetteer, outcome, args.show):
            print(line)
    print()
    print(f"total time {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
