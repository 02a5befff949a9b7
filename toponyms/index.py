"""Step 6: the candidate index over every name of a gazetteer.

Three lookups, cheapest first: the normalised form of a name, its spelling key,
and a fuzzy one over spelling keys. Garbles and typos keep a name's first letter,
so a fuzzy lookup has rapidfuzz score every key with the query's first letter and
a length that can reach the cutoff; where those are too many (a world gazetteer),
a trigram index hands it a short list instead, a few hundred keys whatever the
size of the gazetteer. Postings are kept as compact ``array`` buffers, which
unpickle fast, and are seen through numpy (imported on the first fuzzy lookup)
without a copy. Forms and keys are sorted lists searched by bisection rather
than dicts: a world gazetteer's million of them unpickle as one list, not a
million dict entries.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Mapping, Sequence

from rapidfuzz import fuzz, process

from toponyms.chars import has_cyrillic, script_of
from toponyms.keys import lookup_form, spelling_key
from toponyms.model import Name, Place

MIN_FUZZY_KEY = 4  # shorter keys match too many names by accident
FUZZY_CANDIDATES = 256  # keys passed from the trigram filter to rapidfuzz
FUZZY_SCAN = 20_000  # up to this many keys of the right first letter and length, rapidfuzz scores them all
RARE_GRAMS = 12  # at most this many of the query's rarest trigrams are looked up
LOCAL_LANGUAGES = frozenset({"uk", "ru", "en"})


def _is_indexable(text: str) -> bool:
    """Latin and Cyrillic names get spelling keys; other scripts match exactly only."""
    scripts = {script_of(ch) for ch in text if ch.isalpha()}
    return bool(scripts) and scripts <= {"latin", "cyrillic"}


def _is_local(name: Name) -> bool:
    """Official, former and garbled names, and names in Ukrainian, Russian or English.

    Other variants (GeoNames lists a place's name in many languages, some of them
    obscure) count only where they spell the same key as one of these.
    """
    return name.status != "variant" or name.lang in LOCAL_LANGUAGES or has_cyrillic(name.text)


def trigrams(key: str) -> list[str]:
    """The padded trigrams of a spelling key."""
    padded = f"^{key}$"
    return [padded[i : i + 3] for i in range(len(padded) - 2)]


class Postings:
    """Strings, each with a list of name numbers: a dict's lookups, in three objects."""

    def __init__(self, groups: Mapping[str, Sequence[int]]) -> None:
        self.texts = sorted(groups)
        self.hits = array("i")
        self.starts = array("i", [0])
        for text in self.texts:
            self.hits.extend(groups[text])
            self.starts.append(len(self.hits))

    def get(self, text: str) -> tuple[int, ...]:
        """The numbers filed under ``text``; none if it is not there."""
        at = bisect_left(self.texts, text)
        if at == len(self.texts) or self.texts[at] != text:
            return ()
        start, end = self.starts[at], self.starts[at + 1]
        return (self.hits[start],) if end == start + 1 else tuple(self.hits[start:end])

    def __len__(self) -> int:
        return len(self.texts)


class Index:
    """Lookups from names to places, built once per gazetteer."""

    def __init__(self, places: Sequence[Place]) -> None:
        # A name is known by its number; these two arrays say whose name, and which.
        owners: list[int] = []
        slots: list[int] = []
        mainstream = bytearray()
        normal: defaultdict[str, list[int]] = defaultdict(list)
        keyed: defaultdict[str, list[int]] = defaultdict(list)
        for p, place in enumerate(places):
            keys = [spelling_key(name.text) if _is_indexable(name.text) else "" for name in place.names]
            local = {key for key, name in zip(keys, place.names) if _is_local(name)}
            for n, (name, key) in enumerate(zip(place.names, keys)):
                hit = len(owners)
                owners.append(p)
                slots.append(n)
                mainstream.append(_is_local(name) or key in local)
                form = lookup_form(name.text)
                if form:
                    normal[form].append(hit)
                if key:
                    keyed[key].append(hit)
        self.owners = array("i", owners)
        self.slots = array("i", slots)
        self.normal = Postings(normal)
        self.keyed = Postings(keyed)
        self.mainstream = bytes(mainstream)
        # Fuzzy matching only reaches keys that some mainstream name has: an obscure
        # variant (Fornaces for Donetsk) is found as written, never by resemblance.
        self.keys: list[str] = [key for key in self.keyed.texts if any(mainstream[h] for h in keyed[key])]
        self.longest = max((len(form) for form in normal), default=0)
        # The words of the names of several words, normalised: an inflected phrase can only be one of those.
        self.words_of_names = frozenset(word for form in normal if " " in form for word in form.split(" "))
        postings: defaultdict[str, list[int]] = defaultdict(list)
        for k, key in enumerate(self.keys):
            for gram in set(trigrams(key)):
                postings[gram].append(k)
        self.grams: dict[str, array] = {gram: array("i", ids) for gram, ids in postings.items()}
        shapes: defaultdict[tuple[str, int], list[str]] = defaultdict(list)
        for key in self.keys:
            shapes[key[0], len(key)].append(key)
        self.shapes: dict[tuple[str, int], list[str]] = dict(shapes)  # keys by first letter and length

    def by_form(self, form: str) -> tuple[int, ...]:
        """Names whose normalised form is ``form``."""
        return self.normal.get(form)

    def by_key(self, key: str) -> tuple[int, ...]:
        """Names whose spelling key is ``key``."""
        return self.keyed.get(key)

    def fuzzy(self, key: str, *, limit: int = 10, cutoff: float = 0.8) -> list[tuple[str, float]]:
        """Spelling keys that start with the letter of ``key`` and resemble it (rapidfuzz
        ratio ≥ ``cutoff``), best first: What is not Hat."""
        if len(key) < MIN_FUZZY_KEY or len(key) > 2 * self.longest:
            return []
        # ratio is 2 * common / (len(a) + len(b)): a key too short or too long cannot reach the cutoff.
        shortest = math.ceil(len(key) * cutoff / (2 - cutoff) - 1e-9)
        longest = math.floor(len(key) * (2 - cutoff) / cutoff + 1e-9)
        shapes = [self.shapes.get((key[0], length), ()) for length in range(shortest, longest + 1)]
        if sum(map(len, shapes)) <= FUZZY_SCAN:
            choices = [k for keys in shapes for k in keys]
        else:
            choices = [k for k in self._shortlist(key) if k[0] == key[0]]
        found = process.extract(
            key, choices, scorer=fuzz.ratio, limit=limit, score_cutoff=cutoff * 100
        )
        return [(choice, score / 100) for choice, score, _ in found]

    def _shortlist(self, key: str) -> list[str]:
        """The keys that share the most of the query's rarest trigrams."""
        import numpy as np  # here, so that start-up and exact lookups do without it

        postings = sorted(
            (self.grams[gram] for gram in set(trigrams(key)) if gram in self.grams), key=len
        )[:RARE_GRAMS]
        if not postings:
            return []
        merged = np.concatenate([np.frombuffer(posting, dtype=np.int32) for posting in postings])
        counts = np.bincount(merged, minlength=len(self.keys))
        present = np.flatnonzero(counts)
        if len(present) > FUZZY_CANDIDATES:
            present = present[np.argpartition(counts[present], -FUZZY_CANDIDATES)[-FUZZY_CANDIDATES:]]
        return [self.keys[k] for k in present.tolist()]

    def is_mainstream(self, hit: int) -> bool:
        """Whether the name numbered ``hit`` is local or spells the key of a local name."""
        return bool(self.mainstream[hit])

    def owner(self, hit: int) -> tuple[int, int]:
        """(place number, name number within the place) of the name numbered ``hit``."""
        return self.owners[hit], self.slots[hit]
