"""Step 7a: every plausible place for a name, each with the evidence for and against it.

Where the resolver's ranking stops at the first step that finds anything and drops
what its filters reject, this step runs them all — exact, normalised and
script-repaired forms, the spelling key, case endings, and fuzzy retrieval by key
similarity and by prefix-aware written-form similarity (Jaro-Winkler), over every
key of the gazetteer, with loose cutoffs — and hands each candidate place on with
a row of ``FEATURES``: what the old filters decided becomes evidence for a model
(``toponyms.decide``) to weigh, not a gate. Recall first: the model sorts it out.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from rapidfuzz import fuzz, process
from rapidfuzz.distance import JaroWinkler, Levenshtein

from toponyms._data import table, words
from toponyms.inflect import derived, nominatives
from toponyms.keys import spelling_key
from toponyms.normalize import normalize
from toponyms.script import is_mixed, readings, script_of

if TYPE_CHECKING:
    import numpy as np

    from toponyms.gazetteer import Gazetteer

# The steps, surest first; a place found by several keeps the surest (and the flags of all).
METHODS = ("exact", "normalized", "script", "transliteration", "inflection", "fuzzy")
# What the model is told of the method: case, diacritics, apostrophes and look-alike letters carry no
# meaning, so the first three are one level, and the answer cannot change with them.
METHOD_LEVELS = (0, 0, 0, 1, 2, 3)
STATUSES = {"official": 0, "variant": 1, "former": 2, "garbled": 3}
KIND_CODES = {"populated place": 0, "community": 1, "district": 2, "region": 3, "country": 4}
SCRIPTS = {"latin": 0, "cyrillic": 1, "mixed": 2, "other": 3}
REFERENCE_YEAR = 2026  # the age of a former name is counted to this year, so that features do not drift
KEY_LIMIT = 24  # fuzzy keys kept by ratio among the keys of the query's first letter ...
WRITTEN_LIMIT = 12  # ... and by Jaro-Winkler among them ...
ANY_LETTER_LIMIT = 12  # ... and by ratio among the keys that share the query's rarest trigrams, any first letter
KEY_CUTOFF = 60.0  # rapidfuzz ratio, 0-100
WRITTEN_CUTOFF = 0.8  # Jaro-Winkler, 0-1
MIN_KEY = 3  # a shorter key is matched exactly only
SHORTLIST = 256  # keys handed on from the trigram filter
RARE_GRAMS = 12
SURNAME_ENDINGS = ("ov", "ev", "in", "yn", "enko", "uk", "chuk", "ski", "sky", "skyi", "ich", "vich")

FEATURES = (
    "is_none",  # 1 on the row that stands for "no place at all"
    # how the candidate was found
    "method",  # METHOD_LEVELS of the surest step that found it
    "by_form", "by_key", "by_inflection", "by_fuzzy",  # which steps found it (any of its names)
    "key_ratio", "key_jaro_winkler", "key_distance", "form_ratio",
    "prefix", "suffix", "same_first", "length_difference", "derived",
    # the name that was hit
    "status", "former_age", "mainstream", "lang_known", "same_script", "name_namesakes",
    # the place
    "log_population", "population_unknown", "kind", "approximate",
    # the candidate among the others
    "log_candidates", "rivals_as_good", "population_rank", "log_population_gap", "share", "ratio_gap", "method_gap",
    # the query
    "query_script", "query_length", "query_words", "ordinary_word", "common_word", "given_name", "surname_shape",
    "best_method", "best_key_ratio",
)  # fmt: skip
COLUMN = {name: number for number, name in enumerate(FEATURES)}
QUERY_FEATURES = FEATURES[FEATURES.index("query_script") :]  # the same on every row of one query
MISSING = -1.0  # a candidate's feature on the "no place" row


@dataclass(frozen=True, slots=True)
class Candidates:
    """The candidate places of one query: place numbers, the name hit for each, and a feature matrix.

    Row 0 of ``features`` is the "no place" row; row ``i + 1`` belongs to ``places[i]``.
    """

    query: str
    places: tuple[int, ...]
    hits: tuple[int, ...]  # the name (index hit number) that speaks for each place
    methods: tuple[str, ...]
    features: np.ndarray


class Recall:
    """Candidate generation for one gazetteer; its tables are built on first use."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        self.index = gazetteer.index

    @cached_property
    def _tables(self) -> _Tables:
        return _Tables(self.gazetteer)

    def candidates(self, query: str, *, in_text: bool = False) -> Candidates:
        """Every plausible place for ``query`` (``in_text``: lifted from running text), with its features."""
        import numpy as np

        tables = self._tables
        index = self.index
        form = normalize(query)
        key = spelling_key(query) if form else ""
        found: dict[int, list] = {}  # place -> [method rank, hit, key of the hit, flags]

        def collect(hits: tuple[int, ...] | list[int], method: int, hit_key: int, flag: int) -> None:
            for hit in hits:
                place = index.owners[hit]
                earlier = found.get(place)
                if earlier is None:
                    found[place] = [method, hit, hit_key, flag]
                else:
                    earlier[3] |= flag
                    if method < earlier[0]:
                        earlier[:3] = [method, hit, hit_key]

        if form:
            written = readings(query) if is_mixed(query) else [query]
            plain = index.by_form(form)
            form_hits = list(plain)
            for reading in written if len(written) > 1 or written[0] != query else ():
                form_hits.extend(index.by_form(normalize(reading)))
                if form_hits:
                    break  # the first reading that finds anything, as a query written in one script would
            # One hit a place at the form level, chosen whatever the case or script of the query:
            # the first that spells the query's key, else the first.
            form_hits.sort(key=lambda hit: (tables.key_of(hit) != key, hit))
            collect(form_hits, 1, -1, 1)
            exact = {index.owners[hit] for hit in plain if tables.texts[hit] == query}
            by_plain_form = {index.owners[hit] for hit in plain}
            for place, entry in found.items():  # the step's name, for Match.method: exact, normalized or script
                entry[0] = 0 if place in exact else 1 if place in by_plain_form else 2
            repaired = normalize(written[0])
            query, form = written[0], repaired  # what the features see: the query in one script
            collect(index.by_key(key), 3, -1, 2)
            for nominative in nominatives(repaired, words_of_names=index.words_of_names):
                collect(index.by_form(nominative), 4, -1, 4)
            if len(key) >= MIN_KEY:
                for candidate_key in tables.fuzzy_keys(key):
                    number = tables.key_number[candidate_key]
                    collect(index.by_key(candidate_key), 5, number, 8)
        return self._featurise(query, form, key, found, np)  # type: ignore[arg-type]

    def _featurise(self, query: str, form: str, key: str, found: dict[int, list], np: Any) -> Candidates:
        tables = self._tables
        places = sorted(found)
        n = len(places)
        matrix = np.full((n + 1, len(FEATURES)), MISSING)
        query_script = _script(query)
        surname = " " not in key and key.endswith(SURNAME_ENDINGS)
        matrix[:, COLUMN["query_script"] :] = [
            SCRIPTS[query_script], len(form), form.count(" ") + 1 if form else 0,
            form in words("ordinary_words"), form in words("common_words"), form in tables.given_names, surname,
            MISSING, MISSING,
        ]  # fmt: skip
        matrix[:, 0] = 0.0
        matrix[0, 0] = 1.0
        matrix[0, COLUMN["log_candidates"]] = math.log(n) if n else 0.0
        if not n:
            return Candidates(query, (), (), (), matrix)
        found_rows = [found[place] for place in places]
        hits = [row[1] for row in found_rows]
        name_keys = [tables.key_of(hit) if hit_key < 0 else tables.keys[hit_key] for _, hit, hit_key, _ in found_rows]
        name_forms = [tables.form_of(hit) for hit in hits]
        rows = matrix[1:]
        steps = [row[0] for row in found_rows]
        method = np.array([METHOD_LEVELS[step] for step in steps], dtype=np.float64)
        flags = np.array([row[3] for row in found_rows])
        rows[:, COLUMN["method"]] = method
        for bit, column in enumerate(("by_form", "by_key", "by_inflection", "by_fuzzy")):
            rows[:, COLUMN[column]] = (flags >> bit) & 1
        ratio = process.cdist([key], name_keys, scorer=fuzz.ratio, dtype=np.float64)[0] / 100
        rows[:, COLUMN["key_ratio"]] = ratio
        rows[:, COLUMN["key_jaro_winkler"]] = process.cdist([key], name_keys, scorer=JaroWinkler.normalized_similarity)[0]
        rows[:, COLUMN["key_distance"]] = process.cdist([key], name_keys, scorer=Levenshtein.distance)[0]
        rows[:, COLUMN["form_ratio"]] = process.cdist([form], name_forms, scorer=fuzz.ratio, dtype=np.float64)[0] / 100
        size = max(len(key), 1)
        rows[:, COLUMN["prefix"]] = [_common_prefix(key, other) / size for other in name_keys]
        rows[:, COLUMN["suffix"]] = [_common_prefix(key[::-1], other[::-1]) / size for other in name_keys]
        rows[:, COLUMN["same_first"]] = [bool(key) and other[:1] == key[:1] for other in name_keys]
        rows[:, COLUMN["length_difference"]] = [len(other) - len(key) for other in name_keys]
        rows[:, COLUMN["derived"]] = [derived(form, other) for other in name_forms]
        status = np.array([tables.status[hit] for hit in hits], dtype=np.float64)
        year = np.array([tables.year[hit] for hit in hits], dtype=np.float64)
        rows[:, COLUMN["status"]] = status
        former = status == STATUSES["former"]
        rows[:, COLUMN["former_age"]] = np.where(former, np.where(year > 0, REFERENCE_YEAR - year, 100.0), MISSING)
        rows[:, COLUMN["mainstream"]] = [tables.mainstream[hit] for hit in hits]
        rows[:, COLUMN["lang_known"]] = [tables.lang_known[hit] for hit in hits]
        rows[:, COLUMN["same_script"]] = [tables.script[hit] == SCRIPTS[query_script] for hit in hits]
        rows[:, COLUMN["name_namesakes"]] = np.log1p([tables.namesakes(other) for other in name_forms])
        population = np.array([tables.population[place] for place in places], dtype=np.float64)
        log_population = np.log10(population + 1)
        rows[:, COLUMN["log_population"]] = log_population
        rows[:, COLUMN["population_unknown"]] = population == 0
        rows[:, COLUMN["kind"]] = [tables.kind[place] for place in places]
        rows[:, COLUMN["approximate"]] = [tables.approximate[place] for place in places]
        # The candidate among the others: as good a match (same method, same similarity), bigger, better.
        _, group, counts = np.unique(method * 1000 + np.round(ratio * 999), return_inverse=True, return_counts=True)
        weight = np.sqrt(population + 1000)
        rows[:, COLUMN["log_candidates"]] = math.log(n)
        rows[:, COLUMN["rivals_as_good"]] = counts[group] - 1
        rows[:, COLUMN["population_rank"]] = n - np.searchsorted(np.sort(population), population, side="right")
        rows[:, COLUMN["log_population_gap"]] = log_population - log_population.max()
        rows[:, COLUMN["share"]] = weight / np.bincount(group, weights=weight)[group]
        rows[:, COLUMN["ratio_gap"]] = ratio - _best_of_others(ratio, np)
        rows[:, COLUMN["method_gap"]] = -_best_of_others(-method, np, missing=-len(METHOD_LEVELS)) - method
        matrix[:, COLUMN["best_method"]] = method.min()
        matrix[:, COLUMN["best_key_ratio"]] = ratio.max()
        return Candidates(query, tuple(places), tuple(hits), tuple(METHODS[step] for step in steps), matrix)


def _best_of_others(values: Any, np: Any, missing: float = 0.0) -> Any:
    """For each element, the largest of the others (``missing`` where there is none)."""
    if len(values) == 1:
        return np.array([missing])
    top = np.argmax(values)
    first = values[top]
    second = np.max(np.delete(values, top))
    best = np.full(len(values), first)
    best[top] = second
    return best


class _Tables:
    """What features need of each name and place, as flat lists, and the fuzzy retrieval structures."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        index = gazetteer.index
        names = [name for place in gazetteer.places for name in place.names]
        self.texts = [name.text for name in names]
        self.status = [STATUSES.get(name.status, 1) for name in names]
        self.year = [name.year or 0 for name in names]
        self.lang_known = [name.lang is not None for name in names]
        self.mainstream = index.mainstream
        self.script = [SCRIPTS[_script(name.text)] for name in names]
        self.population = list(gazetteer.column("population"))
        self.kind = [KIND_CODES.get(kind, 0) for kind in gazetteer.column("kind")]
        self.approximate = list(gazetteer.column("approximate"))
        self.keys = index.keyed.texts
        self.key_number = {key: number for number, key in enumerate(self.keys)}
        hit_key = array("i", [-1]) * len(names)
        for number, _ in enumerate(self.keys):
            for at in range(index.keyed.starts[number], index.keyed.starts[number + 1]):
                hit_key[index.keyed.hits[at]] = number
        self._hit_key = hit_key
        self._index = index
        self.given_names = frozenset(normalize(name) for name in table("text")["given_names"])
        initials: defaultdict[str, list[str]] = defaultdict(list)
        grams: defaultdict[str, list[int]] = defaultdict(list)
        for number, key in enumerate(self.keys):
            initials[key[0]].append(key)
            for gram in set(_trigrams(key)):
                grams[gram].append(number)
        # The keys of each first letter by length, and where each length starts: a length window is one slice.
        self.by_initial = {letter: sorted(keys, key=len) for letter, keys in initials.items()}
        self.length_starts = {
            letter: [bisect_left(keys, length, key=len) for length in range(len(keys[-1]) + 2)]
            for letter, keys in self.by_initial.items()
        }
        self.grams = {gram: array("i", numbers) for gram, numbers in grams.items()}

    def key_of(self, hit: int) -> str:
        number = self._hit_key[hit]
        return self.keys[number] if number >= 0 else ""

    def form_of(self, hit: int) -> str:
        return normalize(self.texts[hit])

    def namesakes(self, form: str) -> int:
        """How many places have a name of this normalised form, beside the one."""
        hits = self._index.by_form(form)
        return len({self._index.owners[hit] for hit in hits}) - 1 if hits else 0

    def fuzzy_keys(self, key: str) -> list[str]:
        """Keys like ``key``: by ratio and by Jaro-Winkler among those of its first letter, and by
        ratio among those that share its rarest trigrams whatever their first letter."""
        cutoff = KEY_CUTOFF / 100
        shortest = math.ceil(len(key) * cutoff / (2 - cutoff) - 1e-9)
        longest = math.floor(len(key) * (2 - cutoff) / cutoff + 1e-9)
        keys = self.by_initial.get(key[0], [])
        starts = self.length_starts.get(key[0], [0])
        choices = keys[starts[min(shortest, len(starts) - 1)] : starts[min(longest + 1, len(starts) - 1)]]
        found: dict[str, None] = {}
        for choice, _, _ in process.extract(key, choices, scorer=fuzz.ratio, limit=KEY_LIMIT, score_cutoff=KEY_CUTOFF):
            found[choice] = None
        written = process.extract(
            key, choices, scorer=JaroWinkler.normalized_similarity, limit=WRITTEN_LIMIT, score_cutoff=WRITTEN_CUTOFF
        )
        for choice, _, _ in written:
            found[choice] = None
        shortlist = self._shortlist(key)
        for choice, _, _ in process.extract(key, shortlist, scorer=fuzz.ratio, limit=ANY_LETTER_LIMIT, score_cutoff=KEY_CUTOFF):
            found[choice] = None
        found.pop(key, None)
        return list(found)

    def _shortlist(self, key: str) -> list[str]:
        import numpy as np

        postings = sorted((self.grams[g] for g in set(_trigrams(key)) if g in self.grams), key=len)[:RARE_GRAMS]
        if not postings:
            return []
        merged = np.concatenate([np.frombuffer(posting, dtype=np.int32) for posting in postings])
        counts = np.bincount(merged, minlength=len(self.keys))
        present = np.flatnonzero(counts >= 2) if len(postings) > 2 else np.flatnonzero(counts)
        if len(present) > SHORTLIST:
            present = present[np.argpartition(counts[present], -SHORTLIST)[-SHORTLIST:]]
        return [self.keys[k] for k in present.tolist()]


def _trigrams(key: str) -> list[str]:
    padded = f"^{key}$"
    return [padded[i : i + 3] for i in range(len(padded) - 2)]


def _script(text: str) -> str:
    scripts = {script_of(ch) for ch in text if ch.isalpha()}
    if scripts == {"latin"}:
        return "latin"
    if scripts == {"cyrillic"}:
        return "cyrillic"
    return "mixed" if scripts >= {"latin", "cyrillic"} else "other"


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n
