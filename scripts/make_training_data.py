#!/usr/bin/env python
"""Make labelled queries from the bundled gazetteer, for training and testing the resolver's model.

Usage: python scripts/make_training_data.py [--per-kind N] [--seed S] [--out build/training.tsv]

Each row is one query as news text or a user might write it, the id of the place it means
(empty: no place at all), how it was made, the prior its place was drawn under and the split
it belongs to. Places are split WHOLE, by a stable hash of their id (``SPLITS``), so a place of
the validation or test split never gives a training query; a negative word is split by the hash
of its text the same way.

Two priors draw the places, each with a share ``AREA_SHARE`` of raions, hromadas, regions and
countries drawn uniformly:

- ``text`` (a name met in news) draws a settlement as often as the news names it: in proportion
  to its population plus ``TEXT_PSEUDO``, times its country's news rate — how much more often
  than its share of the population the news passages of ``benchmarks/passages`` (en, ru, uk)
  name a settlement of that country (``news_rates``: Ukraine's about 3.3, Russia's 0.13);
- ``lookup`` (a name asked for alone) is a mixture: with the chance ``NEWS_SHARE`` the place the
  news means (the ``text`` prior), otherwise any settlement, in proportion to the square root of
  its population plus ``LOOKUP_PSEUDO`` (Kyiv about fifty times as often as a village of unknown
  size). Users who look a name up mostly mean the place the news means; the villages keep enough
  of the draws to resolve when their names are their own. ``NEWS_SHARE`` was chosen on the
  validation split (``scripts/choose_news_share.py``; docs/decisions.md has its figures).

Every kind draws its places from the prior (``former`` from the prior's places that have a
former name), and a draft that does not apply to the place drawn makes no query of that draw.
Query kinds:

- ``exact``: a name of the place as the gazetteer writes it, official names ``OFFICIAL_WEIGHT``
  times as often as the others (namesakes make these hard);
- ``typo``: 1-2 random edits (substitution, deletion, insertion, transposition) of a name;
- ``transliteration``: the Ukrainian or Russian name under a system translitua or iuliia knows;
- ``spelling``: the Cyrillic name as another language's news spells it (``data/news_spellings.json``);
- ``garble-suffix`` and ``garble-inner``: the ending swapped between Ukrainian and Russian forms,
  or a syllable, vowel or consonant inside changed, a compound split or joined;
- ``case``: a Cyrillic name in an oblique case (the rules of ``toponyms/data/inflection.json``, inverted);
  under ``lookup`` only ``NEWS_SHARE`` as many as of the other kinds, as a name asked for alone is
  inflected only where it was copied from running text;
- ``mixed``: look-alike letters of the other script (``toponyms/data/homoglyphs.json``), or half romanised;
- ``former``: a former name, as written, romanised anew or (in Cyrillic) in an oblique case; a name replaced ``y`` years ago is
  used with the chance ``exp(-y / FORMER_FADE_YEARS)`` (unknown year: ``FORMER_UNDATED``), so that
  Pokrovsk, Engels' name until 1931, is seldom asked for as Engels;
- ``negative``: an everyday word (wordfreq, en/ru/uk), a given name or an organisation, capitalised,
  that no place bears as written or in a case form (Києві and Харкова are frequent words, and places);
- ``surname``: a person's surname — those of ``benchmarks/nonplaces.txt`` and ones made of a
  place's or a given name's stem and a surname ending (Donetsk -> Donetenko, Василь -> Васильов) —
  that no place bears as written or in a case form. One spelt like a place's name in another system
  is kept: the news names the general Syrskyi far more often than the village Syrskoye.

Each row also says how identifiable its place is from the name it was made from: ``rival``
is the largest prior weight of another place bearing that exact name (normalised), as a
fraction of its own place's (0: a name of its own; empty for no place). When a namesake
weighs about as much, no decider can know which was meant (``benchmarks/calibration.py``
reports those queries apart).

The same arguments give the same bytes: one seeded generator per (prior, kind), places in
gazetteer order, no set iterated unsorted. Needs the ``build`` extra (wordfreq).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import sys
import unicodedata
import warnings
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from itertools import accumulate
from pathlib import Path
from typing import NamedTuple

import iuliia
import translitua
import wordfreq

from toponyms import Gazetteer
from toponyms._data import table
from toponyms.inflect import nominatives
from toponyms.model import Name, Place
from toponyms.normalize import normalize
from toponyms.transliterate import romanize

ROOT = Path(__file__).resolve().parent.parent
SPELLINGS = ROOT / "data" / "news_spellings.json"
NONPLACES = ROOT / "benchmarks" / "nonplaces.txt"
SURNAMES_SECTION = "# --- Russian and Ukrainian surnames"  # the part of NONPLACES that lists surnames
PASSAGES = tuple(ROOT / "benchmarks" / "passages" / f"{language}.json" for language in ("en", "ru", "uk"))
SPLITS = (("train", 70), ("validation", 15), ("test", 15))  # shares of the hash space, in percent
PRIORS = ("lookup", "text")
KINDS = (
    "exact", "typo", "transliteration", "spelling", "garble-suffix", "garble-inner", "case", "mixed", "former", "negative",
    "surname",
)  # fmt: skip
NONPLACE_KINDS = ("negative", "surname")
AREA_SHARE = 0.1  # of the queries of each prior name a raion, hromada, region or country
AREA_KINDS = ("district", "community", "region", "country")
TEXT_PSEUDO = 100  # the text prior draws a settlement in proportion to its population plus this
LOOKUP_PSEUDO = 1000  # the lookup prior in proportion to the square root of its population plus this
NEWS_SHARE = 0.25  # of the lookup prior's settlements drawn as the text prior draws them (chosen on validation)
OFFICIAL_WEIGHT = 4  # an exact query takes an official name this many times as often as another
FORMER_FADE_YEARS = 20.0
FORMER_UNDATED = 0.2
REFERENCE_YEAR = 2026
NEGATIVE_ZIPF = (2.5, 6.0)  # everyday words between these frequencies (wordfreq's Zipf scale)
LANGUAGES = ("en", "ru", "uk")
SHORTEST_WORD = 4
ATTEMPTS = 8  # drafts tried per drawn place (a random draft may fail) before it makes no query
FORMER_DRAWS = 1000  # renamed places drawn for one former query, at most, until one's former name is in use
AS_WRITTEN = frozenset({"exact", "former"})  # kinds whose query may be their source as written

LATIN = "abcdefghijklmnopqrstuvwxyz"
CYRILLIC = "абвгдежзийклмнопрстуфхцчшщьюяієї"
VOWELS = set("aeiouyаеєиіїоуюяыэ")
ENDING_SWAPS = (  # a romanised ending and what another system or language makes of it, longest first
    ("skoye", ("ske", "sk", "skoe", "skoie")), ("skoe", ("ske", "skoye")), ("ske", ("skoye", "skoe", "sk")),
    ("ivka", ("ovka", "evka", "yivka")), ("ovka", ("ivka", "evka")), ("evka", ("ovka", "ivka")),
    ("ove", ("ovo", "ovoye", "ovoe")), ("ovo", ("ove", "ovskoye")), ("ivske", ("ovskoye", "ovske")),
    ("sk", ("ske", "skoye", "skiy", "skyi")), ("ne", ("noye", "no", "noe")), ("ino", ("yne", "ine", "ina")),
    ("yne", ("ino", "ine")), ("ka", ("ki", "ke", "ku")), ("iv", ("ov", "ev", "ow")), ("ov", ("iv", "ow", "off")),
    ("yi", ("iy", "y", "ij")), ("a", ("o", "e", "y")),
    ("ское", ("ске", "ськ", "ск")), ("ське", ("ское", "ськ")), ("івка", ("овка", "евка")), ("овка", ("івка",)),
    ("ово", ("ове", "ів")), ("ове", ("ово",)), ("ськ", ("ск", "ське")), ("ск", ("ськ", "ское")), ("ів", ("ов", "єв")),
)  # fmt: skip
SYLLABLES = ("ro", "ra", "zh", "ko", "ny", "li", "ma", "ve", "do", "sha", "ta", "ki", "lo", "mu", "ch", "gor", "vo")
VOWEL_SWAPS = {"o": "a", "a": "o", "u": "o", "e": "i", "i": "e", "y": "i", "о": "а", "а": "о", "е": "и", "и": "е", "і": "и"}
CONSONANT_SWAPS = {"d": "t", "t": "d", "b": "p", "p": "b", "v": "f", "f": "v", "g": "k", "k": "g", "h": "g", "z": "s", "s": "z"}
SURNAME_ENDINGS = {  # a surname made of a stem: these endings, by script; "sky" only after a stem that had no "sk"
    "latin": ("ov", "ev", "in", "yn", "enko", "uk", "chuk", "ko", "yak", "ich", "ovych", "ova", "ina", "sky", "skyi", "ski"),
    "cyrillic": ("ов", "ев", "ин", "ын", "енко", "ук", "чук", "ко", "як", "ич", "ович", "ова", "ина", "ский", "ський"),
}  # fmt: skip
# stripped from a name to make a stem, besides text.json's suffixes and adjective endings
STEM_ENDINGS = ("yi", "iy", "yy", "ij", "ky", "ki", "ka", "ke", "ko", "ye", "ia", "ya", "iv", "ка", "ке", "ки", "ко")
REAL_SURNAMES = 4  # at most a quarter of the surname queries are the listed ones, the rest are made
PREFIXES = ("Novo", "Staro", "Krasno", "Velyko", "Mala", "Verkhn", "Nyzhn", "Nizhn", "Pervo", "Bilo", "Belo", "Chervono")


class Row(NamedTuple):
    split: str
    prior: str
    kind: str
    detail: str
    query: str
    truth: str  # a place id, or "" for no place
    source: str  # the gazetteer name (or word) the query was made from
    rival: str  # the heaviest namesake's prior weight over the place's (``rival``), "" for no place


def split_of(ident: str) -> str:
    """The split of a place id or a word: a stable hash of it, into the shares of ``SPLITS``."""
    bucket = int.from_bytes(hashlib.sha256(ident.encode("utf-8")).digest()[:8], "big") % 100
    for split, share in accumulate(SPLITS, lambda total, item: (item[0], total[1] + item[1])):
        if bucket < share:
            return split
    raise AssertionError("the shares of SPLITS add up to 100")


def is_cyrillic(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and all("\u0400" <= ch <= "\u04ff" for ch in letters)


def is_latin(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and all(unicodedata.name(ch, "").startswith("LATIN") for ch in letters)


def cyrillic_names(place: Place) -> list[Name]:
    """The place's Ukrainian and Russian names in Cyrillic, official first."""
    found = [name for name in place.names if name.lang in ("uk", "ru") and is_cyrillic(name.text)]
    return sorted(found, key=lambda name: (name.status != "official", name.lang != "uk", name.text))


def _systems() -> dict[str, list[tuple[str, Callable[[str], str]]]]:
    """Every transliteration system of translitua and iuliia, by the language it is for."""

    def ukrainian(scheme: type) -> Callable[[str], str]:
        return lambda text: translitua.translit(text, scheme)

    found: dict[str, list[tuple[str, Callable[[str], str]]]] = {"uk": [], "ru": []}
    for language, schemes in (("uk", translitua.ALL_UKRAINIAN), ("ru", translitua.ALL_RUSSIAN)):
        for scheme in sorted(schemes, key=lambda s: s.__name__):
            found[language].append((f"translitua:{scheme.__name__}", ukrainian(scheme)))
    for attribute in sorted(name for name in dir(iuliia) if name.isupper()):
        schema = getattr(iuliia, attribute)
        if callable(getattr(schema, "translate", None)):
            found["ru"].append((f"iuliia:{attribute.lower()}", schema.translate))
    return found


def _spelled(text: str, letters: dict[str, str]) -> str:
    """``text`` in a language's letters; letters it lacks as national 2010 writes them."""
    out = []
    for ch in text:
        lower = ch.lower()
        latin = letters[lower] if lower in letters else romanize(ch) if "\u0400" <= ch <= "\u04ff" else ch
        out.append(latin[:1].upper() + latin[1:] if ch != lower and latin else latin)
    return "".join(out)


def _edit(text: str, rng: random.Random, alphabet: str, edits: int) -> str:
    chars = list(text)
    for _ in range(edits):
        start = 0 if rng.random() < 0.1 else 1  # the first letter is seldom mistyped
        if len(chars) < 3:
            break
        op = rng.choice(("substitute", "delete", "insert", "transpose"))
        if op == "insert":
            chars.insert(rng.randrange(start, len(chars) + 1), rng.choice(alphabet))
        elif op == "transpose":
            i = rng.randrange(start, len(chars) - 1)
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
        elif op == "delete":
            del chars[rng.randrange(start, len(chars))]
        else:
            i = rng.randrange(start, len(chars))
            replacement = rng.choice(alphabet)
            chars[i] = replacement.upper() if chars[i].isupper() else replacement
    return "".join(chars)


class Maker:
    """Drafts queries of each kind from one gazetteer."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        self.systems = _systems()
        self.spellings: dict[str, dict[str, str]] = json.loads(SPELLINGS.read_text("utf-8"))["languages"]
        homoglyphs = table("homoglyphs")
        self.to_latin = {cyr: lat for lat, cyr in homoglyphs["lowercase"].items()}
        self.to_cyrillic = dict(homoglyphs["lowercase"])
        rules = table("inflection")["rules"]
        self.oblique: dict[str, list[str]] = {}  # a nominative ending -> the oblique endings that may stand for it
        for ending, bases in rules:
            for nominative in bases:
                self.oblique.setdefault(nominative, []).append(ending)
        self.forms = {form for place in gazetteer for name in place.names if (form := normalize(name.text))}
        self.words_of_names = gazetteer.index.words_of_names
        self.given_names = sorted(name for name in table("text")["given_names"] if name.isalpha())
        text = table("text")
        endings = {*text["suffixes"], *text["adjective_endings"], *STEM_ENDINGS}
        self.place_endings = sorted(endings, key=lambda ending: (-len(ending), ending))

    # --- drafts: each returns (query, detail, source) or None -----------------------------

    def exact(self, place: Place, rng: random.Random) -> tuple[str, str, str] | None:
        names = [n for n in place.names if n.status != "former" and (is_latin(n.text) or is_cyrillic(n.text))]
        if not names:
            return None
        name = rng.choices(names, [OFFICIAL_WEIGHT if n.status == "official" else 1 for n in names])[0]
        return name.text, name.status, name.text

    def typo(self, place: Place, rng: random.Random) -> tuple[str, str, str] | None:
        names = [n.text for n in place.names if n.status != "former" and len(n.text) >= 5]
        names = [t for t in names if is_latin(t) or is_cyrillic(t)]
        if not names:
            return None
        source = rng.choice(names)
        edits = rng.choice((1, 1, 2))
        query = _edit(source, rng, LATIN if is_latin(source) else CYRILLIC, edits)
        return query, f"{edits} edit{'s' * (edits > 1)}", source

    def transliteration(self, place: Place, rng: random.Random) -> tuple[str, str, str] | None:
        names = cyrillic_names(place)
        if not names:
            return None
        name = rng.choice(names[:3])
        system, convert = rng.choice(self.systems["uk" if name.lang == "uk" else "ru"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            query = convert(name.text)
        return query, system, name.text

    def spelling(self, place: Place, rng: random.Random) -> tuple[str, str, str] | None:
        names = cyrillic_names(place)
        if not names:
            return None
        name = rng.choice(names[:3])
        language = rng.choice(sorted(self.spellings))
        return _spelled(name.text, self.spellings[language]), language, name.text

    def _latin_name(self, place: Place, rng: random.Random) -> str | None:
        names = [n.text for n in place.names if n.status != "former" and is_latin(n.text) and len(n.text) >= 4]
        return rng.choice(names[:4]) if names else None

    def garble_suffix(self, place: Place, rng: random.Random) -> tuple[str, str, str] | None:
        source = self._latin_name(place, rng) if rng.random() < 0.7 else next(iter(cyrillic_names(place)), Name("")).text
        if not source:
            return None
        lower = source.lower()
        for ending, replacements in ENDING_SWAPS:
            if lower.endswith(ending) and len(source) > len(ending) + 2:
                new = rng.choice(replacements)
                return source[: -len(ending)] + new, f"-{ending} -> -{new}", source
        return None

    def garble_inner(self, place: Place, rng: random.Random) -> tuple[str, str, str] | None:
        source = self._latin_name(place, rng)
        if source is None or len(source) < 5:
            return None
        how = rng.choice(("syllable", "vowel", "consonant", "compound"))
        inner = range(1, len(source) - 1)
        if how == "syllable":
            starts = [i for i in range(2, len(source) - 3) if source[i].lower() not in VOWELS and source[i].isalpha()]
            if not starts:
                return None
            i = rng.choice(starts)
            end = i + 1
            while end < len(source) - 1 and source[end].lower() in VOWELS:
                end += 1
            query = source[:i] + rng.choice(SYLLABLES) + source[end:]
        elif how in ("vowel", "consonant"):
            swaps = VOWEL_SWAPS if how == "vowel" else CONSONANT_SWAPS
            positions = [i for i in inner if source[i] in swaps]
            if not positions:
                return None
            chars = list(source)
            for i in rng.sample(positions, min(len(positions), rng.choice((1, 2)))):
                chars[i] = swaps[chars[i]]
            query = "".join(chars)
        elif " " in source or "-" in source:
            parts = source.replace("-", " ").split()
            query = parts[0] + "".join(part.lower() for part in parts[1:])
        else:
            prefix = next((p for p in PREFIXES if source.startswith(p) and len(source) > len(p) + 3), None)
            if prefix is None:
                return None
            rest = source[len(prefix) :]
            query = prefix + rng.choice((" ", "-")) + rest[0].upper() + rest[1:]
        return query, how, source

    def case(self, place: Place, rng: random.Random) -> tuple[str, str, str] | None:
        names = [n.text for n in cyrillic_names(place) if n.status != "former"]
        if not names:
            return None
        source = rng.choice(names[:2])
        query = self._oblique(source, rng)
        return (query, "oblique", source) if query != source else None

    def _oblique(self, source: str, rng: random.Random) -> str:
        """``source`` (Cyrillic) with each word that has an oblique ending put in one of them."""
        words_out = []
        for word in source.split(" "):
            lower = word.lower()
            options = [
                (lower[: len(lower) - len(nominative)] if nominative else lower, ending)
                for nominative, endings in self.oblique.items()
                if lower.endswith(nominative) and len(lower) > len(nominative) + 2
                for ending in endings
            ]
            if not options:
                words_out.append(word)
                continue
            stem, ending = rng.choice(sorted(options))
            words_out.append(word[:1] + (stem + ending)[1:] if word[:1].isupper() else stem + ending)
        return " ".join(words_out)

    def mixed(self, place: Place, rng: random.Random) -> tuple[str, str, str] | None:
        cyrillic = [n.text for n in cyrillic_names(place) if n.status != "former"]
        latin = self._latin_name(place, rng)
        if cyrillic and (latin is None or rng.random() < 0.6):
            source = rng.choice(cyrillic[:2])
            if rng.random() < 0.25 and len(source) >= 6:
                half = len(source) // 2
                return source[:half] + romanize(source[half:]), "half romanised", source
            swaps, how = self.to_latin, "latin look-alikes"
        elif latin:
            source, swaps, how = latin, self.to_cyrillic, "cyrillic look-alikes"
        else:
            return None
        positions = [i for i, ch in enumerate(source) if ch.lower() in swaps and ch.islower()]
        if not positions:
            return None
        chars = list(source)
        for i in rng.sample(positions, min(len(positions), rng.choice((1, 2)))):
            chars[i] = swaps[chars[i]]
        return "".join(chars), how, source

    def former(self, place: Place, rng: random.Random) -> tuple[str, str, str] | None:
        names = [n for n in place.names if n.status == "former" and (is_latin(n.text) or is_cyrillic(n.text))]
        if not names:
            return None
        name = rng.choice(names)
        still_used = math.exp(-(REFERENCE_YEAR - name.year) / FORMER_FADE_YEARS) if name.year else FORMER_UNDATED
        if rng.random() >= still_used:
            return None
        if is_cyrillic(name.text) and rng.random() < 0.5:
            system, convert = rng.choice(self.systems["uk" if name.lang == "uk" else "ru"])
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return convert(name.text), f"former, {system}", name.text
        if is_cyrillic(name.text) and rng.random() < 0.5:  # running text inflects it: в Красноармейске
            return self._oblique(name.text, rng), f"former {name.year or ''}, oblique".replace(" ,", ","), name.text
        return name.text, f"former {name.year or ''}".strip(), name.text

    # --- negatives -------------------------------------------------------------------

    def negatives(self) -> list[tuple[str, str]]:
        """(word, where from): everyday words no name of the gazetteer has, and people's names."""
        found: dict[str, str] = {}
        for language in LANGUAGES:
            for word in wordfreq.iter_wordlist(language):
                zipf = wordfreq.zipf_frequency(word, language)
                if zipf < NEGATIVE_ZIPF[0]:
                    break
                if zipf <= NEGATIVE_ZIPF[1] and len(word) >= SHORTEST_WORD and word.isalpha():
                    found.setdefault(word[:1].upper() + word[1:], f"wordfreq {language}")
        people = list(table("text")["given_names"])
        people.extend(line for line, surname in _nonplaces() if not surname)
        for person in people:
            found.setdefault(person, "person or organisation")
        return [(word, origin) for word, origin in found.items() if not self.is_form(word)]

    def is_form(self, word: str) -> bool:
        """Whether a place bears ``word`` as written or in a case form (Києві is Київ's, Харкова Харків's)."""
        form = normalize(word)
        if not form or form in self.forms:
            return True
        return any(nominative in self.forms for nominative in nominatives(form, words_of_names=self.words_of_names))

    def listed_surnames(self) -> list[str]:
        """The surnames of ``benchmarks/nonplaces.txt`` that no place bears as written or in a case form:
        the news means the person by them even where a place's name is spelt alike (Syrskyi, Syrskoye)."""
        return [line for line, surname in _nonplaces() if surname and not self.is_form(line)]

    def surname(self, place: Place, rng: random.Random) -> tuple[str, str, str] | None:
        """A surname made of the stem of a name of ``place`` (or, one time in four, of a given name)."""
        if rng.random() < 0.25:
            source = rng.choice(self.given_names)
        else:
            names = [n.text for n in place.names if n.status != "former" and n.text.isalpha()]
            names = [t for t in names if is_latin(t) or is_cyrillic(t)]
            if not names:
                return None
            source = rng.choice(names[:4])
        lower = source.lower()
        ending = next((e for e in self.place_endings if lower.endswith(e) and len(lower) - len(e) >= 3), "")
        stem = source[: len(source) - len(ending)]
        while len(stem) > 3 and stem[-1].lower() in VOWELS:
            stem = stem[:-1]
        endings = SURNAME_ENDINGS["latin" if is_latin(source) else "cyrillic"]
        if "sk" in ending or "ск" in ending or "ськ" in ending:
            endings = tuple(e for e in endings if "sk" not in e and "ск" not in e)
        made = next((e for e in endings if stem.lower().endswith(e) and len(stem) > len(e) + 2), None)
        word = stem if made is not None else stem + rng.choice(endings)  # Pashkovskiy -> Pashkov
        return None if self.is_form(word) else (word, "made", source)


def _nonplaces() -> Iterator[tuple[str, bool]]:
    """The entries of ``benchmarks/nonplaces.txt``, each with whether it is listed as a surname."""
    section = ""
    for line in NONPLACES.read_text("utf-8").splitlines():
        if line.startswith("# ---"):
            section = line
        elif line.strip() and not line.startswith("#"):
            yield line.strip(), section.startswith(SURNAMES_SECTION)


def news_rates(gazetteer: Gazetteer) -> dict[str, float]:
    """Per country, how much more often than its share of the population the news passages name
    one of its settlements (each mention counted; one mention more for every country, so that
    none is never named)."""
    kind = dict(zip(gazetteer.column("id"), gazetteer.column("kind")))
    country_of = dict(zip(gazetteer.column("id"), gazetteer.column("country")))
    people: dict[str, float] = {}
    for place in gazetteer.places:
        if place.kind == "populated place":
            people[place.country] = people.get(place.country, 0.0) + place.population + TEXT_PSEUDO
    named = dict.fromkeys(people, 1)
    for path in PASSAGES:
        for passage in json.loads(path.read_text("utf-8")):
            for mention in passage["mentions"]:
                ident = mention.get("id") or f"gn:{mention.get('geonameid')}"
                if kind.get(ident) == "populated place":
                    named[country_of[ident]] += 1
    mentions, population = sum(named.values()), sum(people.values())
    return {country: (named[country] / mentions) / (people[country] / population) for country in sorted(people)}


class Prior:
    """Draws places: settlements by a weight, and a share of areas uniformly."""

    def __init__(self, settlements: Sequence[Place], weights: Sequence[float], areas: Sequence[Place]) -> None:
        self.settlements = settlements
        self.cumulative = list(accumulate(weights))
        self.areas = areas
        total = self.cumulative[-1]
        self.chances = {place.id: (1 - AREA_SHARE) * weight / total for place, weight in zip(settlements, weights)}
        self.chances.update((place.id, AREA_SHARE / len(areas)) for place in areas)

    def chance(self, place: Place) -> float:
        """How likely one draw is to give ``place``."""
        return self.chances.get(place.id, 0.0)

    def draw(self, rng: random.Random, among: frozenset[str] | None = None) -> Place:
        """A place of the prior; with ``among``, one of those ids (drawn from the prior, the others refused)."""
        while True:
            if rng.random() < AREA_SHARE:
                place = rng.choice(self.areas)
            else:
                at = bisect_right(self.cumulative, rng.random() * self.cumulative[-1])
                place = self.settlements[min(at, len(self.settlements) - 1)]
            if among is None or place.id in among:
                return place


def priors(gazetteer: Gazetteer, news_share: float = NEWS_SHARE) -> dict[str, Prior]:
    settlements = [p for p in gazetteer.places if p.kind == "populated place"]
    areas = [p for p in gazetteer.places if p.kind in AREA_KINDS]
    rates = news_rates(gazetteer)
    news = [rates[p.country] * (p.population + TEXT_PSEUDO) for p in settlements]
    anyone = [math.sqrt(p.population + LOOKUP_PSEUDO) for p in settlements]
    news_total, anyone_total = sum(news), sum(anyone)
    lookup = [news_share * a / news_total + (1 - news_share) * b / anyone_total for a, b in zip(news, anyone)]
    return {"lookup": Prior(settlements, lookup, areas), "text": Prior(settlements, news, areas)}


def rival(gazetteer: Gazetteer, prior: Prior, place: Place, source: str) -> float:
    """The largest prior weight of another place bearing ``source`` (normalised), over ``place``'s."""
    index, places = gazetteer.index, gazetteer.places
    others = {index.owners[hit] for hit in index.by_form(normalize(source))}
    heaviest = max((prior.chance(places[number]) for number in others if places[number].id != place.id), default=0.0)
    return heaviest / prior.chance(place)


def make(gazetteer: Gazetteer, per_kind: int, seed: int, news_share: float = NEWS_SHARE) -> Iterator[Row]:
    """Up to ``per_kind`` queries of each kind under each prior (one per place drawn), in a fixed order."""
    maker = Maker(gazetteer)
    drafts: dict[str, Callable[[Place, random.Random], tuple[str, str, str] | None]] = {
        "exact": maker.exact, "typo": maker.typo, "transliteration": maker.transliteration,
        "spelling": maker.spelling, "garble-suffix": maker.garble_suffix, "garble-inner": maker.garble_inner,
        "case": maker.case, "mixed": maker.mixed, "former": maker.former,
    }  # fmt: skip
    negatives = maker.negatives()
    listed = maker.listed_surnames()
    renamed = frozenset(p.id for p in gazetteer.places if any(n.status == "former" for n in p.names))
    for prior_name, prior in priors(gazetteer, news_share).items():
        for kind in KINDS:
            rng = random.Random(f"{seed}:{prior_name}:{kind}")
            if kind in NONPLACE_KINDS:
                if kind == "negative":
                    words = rng.sample(negatives, min(per_kind, len(negatives)))
                else:
                    words = [(word, "listed") for word in rng.sample(listed, min(per_kind // REAL_SURNAMES, len(listed)))]
                    seen = {normalize(word) for word, _ in words}
                    for _ in range(per_kind - len(words)):
                        draft = maker.surname(prior.draw(rng), rng)
                        if draft is not None and normalize(draft[0]) not in seen:
                            seen.add(normalize(draft[0]))
                            words.append((draft[0], f"made of {draft[2]}"))
                for word, origin in words:
                    yield Row(split_of(f"word:{normalize(word)}"), prior_name, kind, origin, word, "", word, "")
                continue
            # A name asked for alone is inflected only where it was copied from running text: the lookup
            # prior's share of the news' places (Дмитрове is a village, more than the locative of Dmitrov).
            for _ in range(round(per_kind * news_share) if (prior_name, kind) == ("lookup", "case") else per_kind):
                place = prior.draw(rng, renamed if kind == "former" else None)
                for _ in range(ATTEMPTS if kind != "former" else FORMER_DRAWS):
                    draft = drafts[kind](place, rng)
                    if draft is None:
                        if kind == "former":  # a name out of use: another renamed place, so that the fade
                            place = prior.draw(rng, renamed)  # weighs former names, not the kind's share
                        continue
                    query, detail, source = draft
                    query = " ".join(query.split())
                    if query and normalize(query) and (kind in AS_WRITTEN or normalize(query) != normalize(source)):
                        namesake = f"{rival(gazetteer, prior, place, source):.4g}"
                        yield Row(split_of(place.id), prior_name, kind, detail, query, place.id, source, namesake)
                        break


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-kind", type=int, default=3000, help="places drawn for each kind under each prior")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--news-share", type=float, default=NEWS_SHARE, help="the lookup prior's share of the text prior")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "training.tsv")
    args = parser.parse_args(argv)
    if args.per_kind < 1:
        parser.error("--per-kind must be at least 1")
    if not 0 <= args.news_share <= 1:
        parser.error("--news-share must be from 0 to 1")
    gazetteer = Gazetteer.load()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    counts: dict[tuple[str, str], int] = {}
    with args.out.open("w", encoding="utf-8", newline="\n") as out:
        out.write("\t".join(Row._fields) + "\n")
        for row in make(gazetteer, args.per_kind, args.seed, args.news_share):
            if any("\t" in value or "\n" in value for value in row):
                continue  # no field of a TSV row may hold a tab or a line break
            out.write("\t".join(row) + "\n")
            counts[row.split, row.prior] = counts.get((row.split, row.prior), 0) + 1
    print(f"wrote {args.out}: " + ", ".join(f"{split}/{prior} {n:,}" for (split, prior), n in sorted(counts.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
