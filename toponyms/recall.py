"""Step 7a: every plausible place for a name, each with the evidence for and against it.

Where the resolver's ranking stops at the first step that finds anything and drops
what its filters reject, this step runs them all — exact, normalised and
script-repaired forms, the spelling key, case endings, and fuzzy retrieval of the
keys most like the query's by ratio among those within an edit or two, of the same
first and last or first two letters, of the same beginning, or of the same rare
trigrams, with loose cutoffs — and hands each candidate place on with
a row of ``FEATURES``: what the old filters decided becomes evidence for a model
(``toponyms.decide``) to weigh, not a gate. Recall first: the model sorts it out.
"""

from __future__ import annotations

import math
import weakref
from array import array
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import chain
from operator import itemgetter
from typing import TYPE_CHECKING, Any, NamedTuple

from rapidfuzz import fuzz, process
from rapidfuzz.distance import JaroWinkler, Levenshtein, Postfix, Prefix

from toponyms._data import table, words
from toponyms.index import Postings
from toponyms.inflect import derived, nominatives
from toponyms.keys import spelling_key
from toponyms.neighbours import Deletions, deletion_table
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
# The country the news is about: it names that country's settlements far more often than their share
# of the population says (scripts/make_training_data.py, news_rates: Ukraine about 3.3, Russia 0.13),
# and the model is told whether a candidate is there ("in_ukraine").
NEWS_COUNTRY = "UA"
REFERENCE_YEAR = 2026  # the age of a former name is counted to this year, so that features do not drift
KEY_CUTOFF = 60.0  # rapidfuzz ratio, 0-100
MIN_KEY = 3  # a shorter key is matched exactly only
# The fuzzy retrievals, each with the number of keys it hands on at most, the best by ratio
# (benchmarks/recall.py --ablate times and scores each left out): keys within an edit or two
# (symmetric deletion, toponyms.neighbours), keys of the same first and last letters and about the
# same length ("ends"), of the same first two letters and about the same length ("heads"), keys
# that begin with the query's first half, and keys that share its rarest trigrams, whatever their
# first letter.
FUZZY_LIMITS = {"deletions": 16, "ends": 16, "heads": 12, "prefix": 8, "trigrams": 12}
FUZZY_STEPS = frozenset(FUZZY_LIMITS)
TWICE_UP_TO = 10  # "deletions": the longest key whose two-letter deletions are looked up too
LENGTH_SPREAD = 3  # "ends" and "heads": at most this many letters longer or shorter than the query
PREFIX_KEYS = 200  # "prefix": the keys that begin with the query's first half (or more), when at most this many do
SHORTLIST = 128  # "trigrams": keys handed on from the trigram filter ...
RARE_GRAMS = 4  # ... which counts the keys that share the query's rarest trigrams
# The buckets of keys of "ends" and "heads": what of a key names its bucket.
BUCKETS: dict[str, Callable[[str], str]] = {"ends": lambda key: key[0] + key[-1], "heads": lambda key: key[:2]}
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
    # the place, again: added last, so that the columns before it keep their numbers
    "in_ukraine",  # 1 where the place is in NEWS_COUNTRY
    # the name that was hit, again: a query of a surname's shape that is a typo of a name of that shape
    "name_surname_shape",  # the key of the name hit ends like a surname (SURNAME_ENDINGS), as the query's may
)  # fmt: skip
COLUMN = {name: number for number, name in enumerate(FEATURES)}
QUERY_FEATURES = FEATURES[COLUMN["query_script"] : COLUMN["best_key_ratio"] + 1]  # the same on every row of one query
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
    """Candidate generation for one gazetteer; its tables (``_Tables``) are made on first use, once per gazetteer."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        self.index = gazetteer.index

    @cached_property
    def _tables(self) -> _Tables:
        tables = _TABLES.get(self.gazetteer)
        if tables is None:
            tables = _TABLES[self.gazetteer] = _Tables(self.gazetteer)
        return tables

    def candidates(self, query: str, *, in_text: bool = False) -> Candidates:
        """Every plausible place for ``query`` (``in_text``: lifted from running text), with its features."""
        return self._featurise([self.found(query)])[1][0]

    def found(self, query: str) -> Found:
        """What each step finds for ``query``: the query and its form and key as the features see
        them, and for each place [method rank, hit, key number of the hit (-1: its own), flags]."""
        tables = self._tables
        index = self.index
        owners = index.owners
        form = normalize(query)
        written = readings(query) if form and is_mixed(query) else [query]
        key = spelling_key(written[0]) if form else ""  # the key of the query in one script
        found: dict[int, list] = {}

        texts_of_forms, hit_form = tables.forms, tables.hit_form
        likeness: dict[int, float] = {}  # form number -> its ratio to the query's form

        def nearest_first(hits: Sequence[int]) -> Sequence[int]:
            """The hits of one key, those whose written form is most like the query's first (stable):
            a place's name in the query's script speaks for it, not one in another script that has
            the same key (Солочин, not Solochyn, for Солчин)."""
            if len(hits) < 2:
                return hits
            ratios = []
            for hit in hits:
                number = hit_form[hit]
                ratio = likeness.get(number)
                if ratio is None:
                    ratio = likeness[number] = fuzz.ratio(form, texts_of_forms[number])
                ratios.append(-ratio)
            return [hits[at] for at in sorted(range(len(hits)), key=ratios.__getitem__)]

        def collect(hits: Sequence[int], method: int, hit_key: int, flag: int) -> None:
            for hit in hits:
                place = owners[hit]
                earlier = found.get(place)
                if earlier is None:
                    found[place] = [method, hit, hit_key, flag]
                else:
                    earlier[3] |= flag
                    if method < earlier[0]:
                        earlier[:3] = [method, hit, hit_key]

        if form:
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
            exact = {owners[hit] for hit in plain if tables.texts[hit] == query}
            by_plain_form = {owners[hit] for hit in plain}
            for place, entry in found.items():  # the step's name, for Match.method: exact, normalized or script
                entry[0] = 0 if place in exact else 1 if place in by_plain_form else 2
            repaired = normalize(written[0]) if written[0] != query else form
            query, form = written[0], repaired  # what the features see: the query in one script
            collect(nearest_first(index.by_key(key)), 3, -1, 2)
            for nominative in nominatives(repaired, words_of_names=index.words_of_names):
                collect(index.by_form(nominative), 4, -1, 4)
            numbers = tables.fuzzy_keys(key) if len(key) >= MIN_KEY and not form_hits else []  # (found as written:
            for place, hit, number in zip(*tables.nearest_hits(form, numbers)):  # a name needs no resemblance)
                earlier = found.get(place)
                if earlier is None:
                    found[place] = [5, hit, number, 8]
                else:
                    earlier[3] |= 8  # (found by a surer step)
        return Found(query, form, key, found)

    def _featurise(self, batch: Sequence[Found]) -> tuple[np.ndarray, list[Candidates]]:
        """The features of the candidates of many queries: one matrix of all their rows, and each
        query's ``Candidates``, whose features are its slice of the matrix ("no place" row first).

        One query alone and the same query among others get the same features, bit for bit: every
        value of a row is worked out from that row alone or from its own query's rows (groups never
        mix queries; what is summed is summed in the order of one query's candidates).
        """
        import numpy as np

        tables = self._tables
        sizes = [len(item.found) for item in batch]
        repeats = np.array(sizes) + 1  # each query's rows
        starts = np.zeros(len(batch) + 1, dtype=np.intp)
        np.cumsum(repeats, out=starts[1:])
        matrix = np.empty((int(starts[-1]), len(FEATURES)))
        first, last = COLUMN["query_script"], COLUMN["best_key_ratio"]
        scripts = [SCRIPTS[_script(item.query, _KNOWN_SCRIPTS)] for item in batch]
        given, ordinary, common = tables.given_names, words("ordinary_words"), words("common_words")
        of_query = [
            (
                script, len(item.form), item.form.count(" ") + 1 if item.form else 0,
                item.form in ordinary, item.form in common, item.form in given,
                " " not in item.key and item.key.endswith(SURNAME_ENDINGS), MISSING, MISSING,
            )
            for script, item in zip(scripts, batch)
        ]  # fmt: skip
        matrix[:, first : last + 1] = of_query[0] if len(batch) == 1 else np.repeat(of_query, repeats, axis=0)
        none = starts[:-1]
        matrix[none, :first] = MISSING
        matrix[none, COLUMN["in_ukraine"] :] = MISSING
        matrix[none, 0] = 1.0
        matrix[none, COLUMN["log_candidates"]] = [math.log(size) if size else 0.0 for size in sizes]
        keys, forms = tables.keys, tables.forms
        places, entries, query_of = [], [], []
        for number, item in enumerate(batch):
            ordered = sorted(item.found)
            places += ordered
            entries += map(item.found.__getitem__, ordered)
            query_of += [number] * len(ordered)
        # [method rank, hit, key number of the hit (-1: its own), flags] of each candidate, as columns.
        columns = np.fromiter(chain.from_iterable(entries), np.intp, 4 * len(entries)).reshape(-1, 4).T
        step_array, hit_array, key_numbers, flags = columns
        key_numbers = np.where(key_numbers < 0, tables.hit_keys[hit_array], key_numbers)  # (-1 left: a name without a key)
        hits, steps = hit_array.tolist(), step_array.tolist()
        name_keys = [keys[number] if number >= 0 else "" for number in key_numbers.tolist()]
        name_forms = [forms[number] for number in tables.hit_forms[hit_array].tolist()]
        candidates = []
        at = 0
        for item, size, start in zip(batch, sizes, starts.tolist()):
            candidates.append(
                Candidates(
                    item.query, tuple(places[at : at + size]), tuple(hits[at : at + size]),
                    tuple([METHODS[step] for step in steps[at : at + size]]), matrix[start : start + size + 1],
                )
            )  # fmt: skip
            at += size
        if not places:
            return matrix, candidates
        # The rows of the places: computed as one block, then put below each query's "no place" row.
        if len(batch) > 1:
            below = np.ones(len(matrix), dtype=bool)
            below[none] = False
        rows = matrix[1:] if len(batch) == 1 else matrix[below]  # (of many queries, a copy)
        owner = np.array(query_of)
        query_keys = [batch[number].key for number in query_of] if len(batch) > 1 else [batch[0].key] * len(places)
        query_forms = [batch[number].form for number in query_of] if len(batch) > 1 else [batch[0].form] * len(places)
        rows[:, 0] = 0.0
        rows[:, COLUMN["method"]] = tables.levels[step_array]
        rows[:, COLUMN["by_form"] : COLUMN["by_fuzzy"] + 1] = flags[:, None] >> tables.flag_bits & 1  # a column for each flag
        method = rows[:, COLUMN["method"]]
        ratio = _pairs(query_keys, name_keys, fuzz.ratio, np.float64) / 100
        rows[:, COLUMN["key_ratio"]] = ratio
        rows[:, COLUMN["key_jaro_winkler"]] = _pairs(query_keys, name_keys, JaroWinkler.normalized_similarity)
        rows[:, COLUMN["key_distance"]] = _pairs(query_keys, name_keys, Levenshtein.distance)
        rows[:, COLUMN["form_ratio"]] = _pairs(query_forms, name_forms, fuzz.ratio, np.float64) / 100
        query_lengths = np.array([len(item.key) for item in batch])[owner]
        lengths = np.maximum(query_lengths, 1)
        prefix = _pairs(query_keys, name_keys, Prefix.similarity)
        rows[:, COLUMN["prefix"]] = prefix / lengths
        rows[:, COLUMN["suffix"]] = _pairs(query_keys, name_keys, Postfix.similarity) / lengths
        rows[:, COLUMN["same_first"]] = prefix > 0
        rows[:, COLUMN["length_difference"]] = tables.key_lengths[key_numbers] - query_lengths
        # One form derived from the other begins with all of it: ``derived`` only where one does.
        word_formed = rows[:, COLUMN["derived"]]
        word_formed[:] = 0.0
        for row, (form, other) in enumerate(zip(query_forms, name_forms)):
            if other.startswith(form) or form.startswith(other):
                word_formed[row] = derived(form, other)
        # What is known of each name and each place beforehand: two blocks of adjacent columns.
        rows[:, COLUMN["status"] : COLUMN["name_namesakes"] + 1] = tables.name_rows[hit_array]
        same_script = rows[:, COLUMN["same_script"]]
        same_script[:] = same_script == np.array(scripts)[owner]
        numbers = np.array(places)
        place_rows = tables.place_rows[numbers]
        rows[:, COLUMN["log_population"] : COLUMN["approximate"] + 1] = place_rows[:, :-1]
        rows[:, COLUMN["in_ukraine"]] = place_rows[:, -1]
        rows[:, COLUMN["name_surname_shape"]] = tables.surname_keys[key_numbers]
        population = tables.population[numbers]
        log_population = rows[:, COLUMN["log_population"]]
        # The candidate among the others of its query: as good a match (same method, same similarity), bigger, better.
        groups = _Groups(np.array([size for size in sizes if size]), np)
        weight = np.sqrt(population + 1000)
        as_good = method * 1000 + np.rint(ratio * 999)  # np.rint: np.round to whole numbers, without its dispatch
        rivals, shares = _as_good(owner * 4096 + as_good if len(batch) > 1 else as_good, weight)  # (one query: owner 0)
        rows[:, COLUMN["log_candidates"]] = groups.spread([math.log(size) for size in sizes if size])
        rows[:, COLUMN["rivals_as_good"]] = rivals
        rows[:, COLUMN["population_rank"]] = groups.greater(population.astype(np.int64))
        rows[:, COLUMN["log_population_gap"]] = log_population - groups.spread(groups.largest(log_population))
        rows[:, COLUMN["share"]] = weight / shares
        rows[:, COLUMN["ratio_gap"]] = ratio - groups.best_of_others(ratio)
        rows[:, COLUMN["method_gap"]] = -groups.best_of_others(-method, missing=-len(METHOD_LEVELS)) - method
        if len(batch) > 1:
            matrix[below] = rows
        asked = repeats > 1  # on every row of each query that has candidates, its "no place" row too
        best = np.full((len(batch), 2), MISSING)
        best[asked, 0] = -groups.largest(-method)
        best[asked, 1] = groups.largest(ratio)
        matrix[:, COLUMN["best_method"] : COLUMN["best_key_ratio"] + 1] = np.repeat(best, repeats, axis=0)
        return matrix, candidates


class Found(NamedTuple):
    """What the steps find for one query (``Recall.found``), before any feature is made of it."""

    query: str  # in one script
    form: str
    key: str
    found: dict[int, list]  # place -> [method rank, hit, key number of the hit (-1: its own), flags]


def _pairs(queries: list[str], choices: list[str], scorer: Any, dtype: Any = None) -> Any:
    """``scorer(queries[i], choices[i])`` for each i, as an array (``cdist`` where one query is compared
    with all: the same scores, quicker)."""
    if queries[0] == queries[-1] and queries.count(queries[0]) == len(queries):
        return process.cdist(queries[:1], choices, scorer=scorer, dtype=dtype)[0]
    return process.cpdist(queries, choices, scorer=scorer, dtype=dtype)


def _as_good(groups: Any, weights: Any) -> tuple[list[int], list[float]]:
    """For each candidate, how many others are in its group, and the summed weight of its group
    (added up in candidate order)."""
    counts: dict[float, int] = {}
    sums: dict[float, float] = {}
    groups = groups.tolist()
    for group, weight in zip(groups, weights.tolist()):
        counts[group] = counts.get(group, 0) + 1
        sums[group] = sums.get(group, 0.0) + weight
    return [counts[group] - 1 for group in groups], [sums[group] for group in groups]


class _Groups:
    """Consecutive runs of rows (one run a query, none empty), and what is worked out over each run."""

    def __init__(self, sizes: Any, np: Any) -> None:
        self.np = np
        self.sizes = sizes
        self.starts = np.zeros(len(sizes), dtype=np.intp)
        if len(sizes) > 1:
            np.cumsum(sizes[:-1], out=self.starts[1:])

    def spread(self, values: Any) -> Any:
        """A value of each run on each of its rows (of one run, the value itself)."""
        return values[0] if len(self.sizes) == 1 else self.np.repeat(values, self.sizes)

    def largest(self, values: Any) -> Any:
        """The largest value of each run."""
        return self.np.maximum.reduceat(values, self.starts)

    def greater(self, values: Any) -> Any:
        """For each row, how many rows of its run have a greater value (integers from 0 to 2**40)."""
        np = self.np
        if len(self.sizes) == 1:  # the same, quicker
            ordered = values.copy()
            ordered.sort()
            return len(values) - ordered.searchsorted(values, side="right")
        run = np.repeat(np.arange(len(self.sizes), dtype=np.int64), self.sizes)
        ordered = np.sort(run << 40 | values)
        return self.spread(self.starts + self.sizes) - ordered.searchsorted(run << 40 | values, side="right")

    def best_of_others(self, values: Any, missing: float = 0.0) -> Any:
        """For each row, the largest value of the other rows of its run (``missing`` where there is none)."""
        np = self.np
        if len(self.sizes) == 1:  # the same, quicker
            if len(values) == 1:
                return np.array([missing])
            top = values.argmax()
            best = np.full(len(values), values[top])
            ordered = values.copy()
            ordered.sort()
            best[top] = ordered[-2]  # the largest once the top one is left out
            return best
        top = self.spread(self.largest(values))
        at_top = values == top
        # The largest once one top value is left out: the second largest where the top is unique.
        second = self.spread(self.largest(np.where(at_top, -np.inf, values)))
        alone = self.spread(self.np.add.reduceat(at_top, self.starts)) == 1
        best = np.where(at_top & alone, second, top)
        best[self.spread(self.sizes) == 1] = missing
        return best


_KNOWN_SCRIPTS: dict[str, str | None] = {}  # the script of each character of a query met so far

_TABLES: weakref.WeakKeyDictionary[Gazetteer, _Tables] = weakref.WeakKeyDictionary()  # one per gazetteer


class _Tables:
    """What features need of each name and place, and the fuzzy retrieval structures.

    The plain data (``_plain``) is worked out once per gazetteer and cached beside its compiled
    copy (``Gazetteer.derived``); numpy blocks of per-name and per-place feature columns are
    made from it when it is loaded.
    """

    def __init__(self, gazetteer: Gazetteer) -> None:
        import numpy as np

        index = gazetteer.index
        names = len(index.owners)
        data = gazetteer.derived(
            "recall-tables", lambda: _plain(gazetteer), kind=dict, check=lambda data: len(data["texts"]) == names
        )
        self.texts: list[str] = data["texts"]
        self.forms: list[str] = data["forms"]
        self.hit_form: array = data["hit_form"]
        self.hit_key: array = data["hit_key"]
        self.keys: list[str] = index.keyed.texts
        self.owners = np.frombuffer(index.owners, dtype=np.int32)
        self.key_hits = np.frombuffer(index.keyed.hits, dtype=np.int32)
        self.key_starts = np.frombuffer(index.keyed.starts, dtype=np.int32)
        self.hit_forms = np.frombuffer(self.hit_form, dtype=np.int32)
        self.hit_keys = np.frombuffer(self.hit_key, dtype=np.int32)
        # Of each key, and last of "no key" (a key number of -1 reads it): its length, and whether it
        # has a surname's shape.
        self.key_lengths = np.append(np.frombuffer(data["key_lengths"], dtype=np.int32), 0)
        self.surname_keys = np.append(np.frombuffer(data["surname_keys"], dtype=np.uint8), 0).astype(np.float64)
        self.levels = np.array(METHOD_LEVELS, dtype=np.float64)  # of each method rank
        self.flag_bits = np.arange(4)  # the flags of the steps that found a candidate: form, key, inflection, fuzzy
        self.deletions = Deletions(*data["deletions"], twice_up_to=TWICE_UP_TO)
        # The keys of each bucket by length: a bucket is one span of ``buckets[step][1]`` (its key
        # numbers in ``[0]``, its spans by name in ``[2]``), a length window one slice of it.
        self.buckets: dict[str, tuple[array, list[str], dict[str, tuple[int, int]]]] = {
            step: (numbers, [self.keys[number] for number in numbers], spans) for step, (numbers, spans) in data["buckets"].items()
        }
        self.grams: Postings = data["grams"]  # trigram -> numbers of the keys that have it
        self._gram_keys = np.frombuffer(self.grams.hits, dtype=np.int32)
        self.given_names = frozenset(normalize(name) for name in table("text")["given_names"])
        status = np.frombuffer(data["status"], dtype=np.uint8).astype(np.float64)
        year = np.frombuffer(data["year"], dtype=np.int32).astype(np.float64)
        former = status == STATUSES["former"]
        namesakes = np.frombuffer(data["namesakes"], dtype=np.int32)[np.frombuffer(self.hit_form, dtype=np.int32)]
        self.name_rows = np.column_stack([
            status,
            np.where(former, np.where(year > 0, REFERENCE_YEAR - year, 100.0), MISSING),
            np.frombuffer(index.mainstream, dtype=np.uint8),
            np.frombuffer(data["lang_known"], dtype=np.uint8),
            np.frombuffer(data["script"], dtype=np.uint8),
            np.log1p(namesakes.astype(np.float64)),
        ]).astype(np.float64)  # fmt: skip
        self.population = np.asarray(data["population"], dtype=np.float64)
        self.place_rows = np.column_stack([
            np.log10(self.population + 1),
            self.population == 0,
            np.frombuffer(data["kind"], dtype=np.uint8),
            np.frombuffer(data["approximate"], dtype=np.uint8),
            np.frombuffer(data["in_ukraine"], dtype=np.uint8),
        ]).astype(np.float64)  # fmt: skip

    def key_of(self, hit: int) -> str:
        number = self.hit_key[hit]
        return self.keys[number] if number >= 0 else ""

    def fuzzy_keys(self, key: str) -> list[int]:
        """The numbers of the keys like ``key``: the best by ratio (``KEY_CUTOFF`` at least) of those each
        step of ``FUZZY_STEPS`` looks at, ``FUZZY_LIMITS`` of each; best first, the earlier step's and
        then the earlier key of equals first. Not ``key``'s own, which the spelling key finds."""
        keys = self.keys
        pools: list[tuple[str, Sequence[str], Sequence[int]]] = []
        if "deletions" in FUZZY_STEPS:
            near = self.deletions.near(key).tolist()
            pools.append(("deletions", [keys[number] for number in near], near))
        for step, (bucket_numbers, bucket_keys, spans) in self.buckets.items():
            span = spans.get(BUCKETS[step](key)) if step in FUZZY_STEPS else None
            if span is not None:
                low = bisect_left(bucket_keys, len(key) - LENGTH_SPREAD, *span, key=len)
                high = bisect_right(bucket_keys, len(key) + LENGTH_SPREAD, *span, key=len)
                pools.append((step, bucket_keys[low:high], bucket_numbers[low:high]))
        if "prefix" in FUZZY_STEPS:
            low, high = self._prefixed(key)
            pools.append(("prefix", keys[low:high], range(low, high)))
        if "trigrams" in FUZZY_STEPS:
            shortlist = self._shortlist(key)
            pools.append(("trigrams", [keys[number] for number in shortlist], shortlist))
        at = bisect_left(keys, key)
        own = at if at < len(keys) and keys[at] == key else -1  # found by the spelling key, not fuzzily
        scored: list[tuple[float, int]] = []
        for step, choices, numbers in pools:
            limit = FUZZY_LIMITS[step]
            best = process.extract(key, choices, scorer=fuzz.ratio, limit=limit + 1, score_cutoff=KEY_CUTOFF)
            scored += [(score, numbers[place]) for _, score, place in best if numbers[place] != own][:limit]
        scored.sort(key=itemgetter(0), reverse=True)  # stable: equals stay in the order found
        return list(dict.fromkeys([number for _, number in scored]))

    def nearest_hits(self, form: str, numbers: list[int]) -> tuple[list[int], list[int], list[int]]:
        """One name for each place that has a name filed under any of the keys ``numbers``: under the
        first of them that has one, the one whose form is most like ``form`` (of equals, the first
        filed); as (places, names, key numbers), in the order of the keys and then of likeness."""
        import numpy as np

        if not numbers:
            return [], [], []
        keys = np.array(numbers, dtype=np.intp)
        low, high = self.key_starts[keys], self.key_starts[keys + 1]
        sizes = high - low
        ends = np.cumsum(sizes)
        hits = self.key_hits[np.arange(ends[-1]) + np.repeat(low - ends + sizes, sizes)]  # every key's names in turn
        forms = [self.forms[number] for number in self.hit_forms[hits].tolist()]
        likeness = process.cdist([form], forms, scorer=fuzz.ratio, dtype=np.float64)[0]
        which = np.repeat(np.arange(len(keys)), sizes)
        ranked = np.lexsort((np.arange(len(hits)), -likeness, which))
        owners = self.owners[hits[ranked]]
        _, first = np.unique(owners, return_index=True)  # each place's first name in that order
        first.sort()
        chosen = ranked[first]
        return owners[first].tolist(), hits[chosen].tolist(), keys[which[chosen]].tolist()

    def _prefixed(self, key: str) -> tuple[int, int]:
        """Where the keys that begin with the first half of ``key`` (at least ``MIN_KEY`` letters; more,
        until at most ``PREFIX_KEYS`` keys begin so) start and end among the sorted keys; empty where
        even those that begin with all of ``key`` but its last letter are too many."""
        keys = self.keys
        low, high = 0, len(keys)
        for size in range(max(MIN_KEY, (len(key) + 1) // 2), len(key)):
            prefix = key[:size]
            low = bisect_left(keys, prefix, low, high)
            high = bisect_left(keys, prefix[:-1] + chr(ord(prefix[-1]) + 1), low, high)
            if high - low <= PREFIX_KEYS:
                return low, high
        return 0, 0

    def _shortlist(self, key: str) -> list[int]:
        """The numbers of the keys that share the most of the query's ``RARE_GRAMS`` rarest trigrams
        (two of them at least, where more than two are looked up), ``SHORTLIST`` at most."""
        import numpy as np

        grams, starts, spans = self.grams.texts, self.grams.starts, []
        for gram in set(_trigrams(key)):
            at = bisect_left(grams, gram)
            if at < len(grams) and grams[at] == gram:
                spans.append((starts[at], starts[at + 1]))
        postings = sorted(spans, key=lambda span: (span[1] - span[0], span))[:RARE_GRAMS]  # the rarest
        if not postings:
            return []
        merged = np.concatenate([self._gram_keys[start:end] for start, end in postings])
        merged.sort()
        firsts = np.concatenate(([0], (merged[1:] != merged[:-1]).nonzero()[0] + 1))  # where each key's run starts
        counts = np.concatenate((firsts[1:], [len(merged)])) - firsts
        present = merged[firsts]
        if len(postings) > 2:
            present, counts = present[counts >= 2], counts[counts >= 2]
        if len(present) > SHORTLIST:
            present = np.sort(present[counts.argsort(kind="stable")[-SHORTLIST:]])
        return present.tolist()


def _plain(gazetteer: Gazetteer) -> dict[str, Any]:
    """What ``_Tables`` is made of, as lists, arrays and bytes (what the cache may hold)."""
    import numpy as np

    index = gazetteer.index
    names = [name for place in gazetteer.places for name in place.names]
    texts = [name.text for name in names]
    known: dict[str, str | None] = {}
    scripts = [_script(text, known) for text in texts]
    # The normalised form of each name: the index's, which is that of its repaired text (the same
    # unless a word of it mixes scripts), else worked out here.
    normal, keyed = index.normal, index.keyed
    indexed_form = _numbers_of_hits(normal, len(names), np).tolist()
    forms: dict[str, int] = {}
    hit_form = array("i", [
        forms.setdefault(
            normalize(text) if script != "cyrillic" and not text.isascii() and is_mixed(text)
            else normal.texts[number] if number >= 0 else "",
            len(forms),
        )
        for text, script, number in zip(texts, scripts, indexed_form)
    ])  # fmt: skip
    # How many places have a name of each indexed form: distinct (form, place) pairs counted by form.
    sizes = np.diff(np.frombuffer(normal.starts, dtype=np.int32))
    pairs = np.repeat(np.arange(len(normal.texts), dtype=np.int64), sizes) * len(gazetteer.places)
    pairs += np.frombuffer(index.owners, dtype=np.int32)[np.frombuffer(normal.hits, dtype=np.int32)]
    places_of = np.bincount(np.unique(pairs) // len(gazetteer.places), minlength=len(normal.texts)).tolist()
    indexed = dict(zip(normal.texts, places_of))
    namesakes = array("i", [indexed.get(form, 1) - 1 for form in forms])  # beside the one
    keys = keyed.texts
    hit_key = array("i", _numbers_of_hits(keyed, len(names), np).astype(np.int32).tobytes())
    grams: defaultdict[str, list[int]] = defaultdict(list)
    for number, key in enumerate(keys):
        for gram in set(_trigrams(key)):
            grams[gram].append(number)
    # The keys of each bucket by length, and where each bucket starts and ends.
    buckets = {}
    for step, bucket_of in BUCKETS.items():
        named = [bucket_of(key) for key in keys]
        order = sorted(range(len(keys)), key=lambda number: (named[number], len(keys[number]), number))
        spans: dict[str, tuple[int, int]] = {}
        for at, number in enumerate(order):
            spans[named[number]] = (spans.get(named[number], (at, at))[0], at + 1)
        buckets[step] = (array("i", order), spans)
    return {
        "texts": texts,
        "forms": list(forms),
        "hit_form": hit_form,
        "namesakes": namesakes.tobytes(),
        "hit_key": hit_key,
        "key_lengths": array("i", map(len, keys)).tobytes(),
        "surname_keys": bytes(" " not in key and key.endswith(SURNAME_ENDINGS) for key in keys),
        "status": bytes(STATUSES.get(name.status, 1) for name in names),
        "year": array("i", [name.year or 0 for name in names]).tobytes(),
        "lang_known": bytes(name.lang is not None for name in names),
        "script": bytes(SCRIPTS[script] for script in scripts),
        "population": array("q", gazetteer.column("population")),
        "kind": bytes(KIND_CODES.get(kind, 0) for kind in gazetteer.column("kind")),
        "approximate": bytes(bool(value) for value in gazetteer.column("approximate")),
        "in_ukraine": bytes(country == NEWS_COUNTRY for country in gazetteer.column("country")),
        "deletions": deletion_table(keys),
        "buckets": buckets,
        "grams": Postings(grams),
    }


def _numbers_of_hits(postings: Postings, names: int, np: Any) -> Any:
    """For each name, the number of the text it is filed under in ``postings`` (-1: none)."""
    numbers = np.full(names, -1, dtype=np.intp)
    sizes = np.diff(np.frombuffer(postings.starts, dtype=np.int32))
    numbers[np.frombuffer(postings.hits, dtype=np.int32)] = np.repeat(np.arange(len(postings.texts)), sizes)
    return numbers


def _trigrams(key: str) -> list[str]:
    padded = f"^{key}$"
    return [padded[i : i + 3] for i in range(len(padded) - 2)]


def _script(text: str, known: dict[str, str | None] | None = None) -> str:
    """The script of a text's letters; ``known`` keeps each character's script between calls."""
    if text.isascii():
        return "latin" if any(ch.isalpha() for ch in text) else "other"
    if known is None:
        scripts = {script_of(ch) for ch in text if ch.isalpha()}
    else:
        scripts = {known[ch] if ch in known else known.setdefault(ch, script_of(ch)) for ch in set(text) if ch.isalpha()}
    if scripts == {"latin"}:
        return "latin"
    if scripts == {"cyrillic"}:
        return "cyrillic"
    return "mixed" if scripts >= {"latin", "cyrillic"} else "other"
