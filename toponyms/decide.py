"""Step 7b: one trained model turns the candidates of a name into probabilities.

The model (``toponyms/data/decision.json``, written by ``scripts/train_model.py``) is a
few shallow regression trees per prior — ``lookup`` for a name asked for alone, ``text``
for a name met in running text — whose summed leaves give each candidate row of
``toponyms.recall.Candidates`` a score; a softmax over a query's rows, the "no place"
row among them, makes the scores probabilities that add up to one. The trees are
stored complete (every path as deep as the deepest), so that all of them walk all
rows at once in a handful of numpy operations.

Nothing in the file runs: it is numbers and feature names, checked when first read.
"""

from __future__ import annotations

import weakref
from array import array
from dataclasses import dataclass
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any

from toponyms._data import table
from toponyms.keys import spelling_key
from toponyms.model import Match
from toponyms.normalize import normalize
from toponyms.recall import FEATURES, METHODS, SCRIPTS, Candidates, Found, _script
from toponyms.script import is_mixed

if TYPE_CHECKING:
    from toponyms.gazetteer import Gazetteer
    from toponyms.recall import Recall
    from toponyms.resolve import Hints, Resolver

PRIORS = ("lookup", "text")
FUZZY = METHODS.index("fuzzy")
# How strongly the hints weigh a place, as a power of ``Hints.factor``: its factors were set against
# the formula's weights, which grow with the square root of a place's population; the text prior's
# probabilities grow about as the population itself (its training places are drawn so), so there the
# factor counts squared, for a hint to pull as hard against a bigger namesake as it does in the formula.
HINT_POWER = {"lookup": 1, "text": 2}
SCORED_CACHE = 100_000  # queries not answered beforehand whose probabilities a resolver keeps
TABLE_DEPTH = 3  # trees at most this deep are scored from a table of every outcome of their tests (2**7 a tree)
BATCH = 2048  # names whose candidates are featurised and scored at once when the answers are made


class ModelError(ValueError):
    """A decision model file that cannot be used; the message says what is wrong."""


@dataclass(frozen=True)
class Trees:
    """Complete binary trees of one depth: node ``k`` has children ``2k + 1`` (<=) and ``2k + 2`` (>)."""

    depth: int
    features: Any  # (trees, 2**depth - 1) feature columns of the inner nodes
    thresholds: Any  # (trees, 2**depth - 1)
    leaves: Any  # (trees, 2**depth) values
    temperature: float  # scores are divided by it before the softmax (fitted on the validation split)

    def scores(self, matrix: Any) -> Any:
        """The summed leaf values of every row of ``matrix`` (rows, FEATURES).

        Each distinct test of the inner nodes is made on every row at once; where the trees are
        shallow (``TABLE_DEPTH``), the outcomes of a tree's tests, as the bits of a number, then pick
        its leaf's value from a table (``_table``), else the walk down picks tests by their numbers.
        """
        import numpy as np

        if self._table is None:
            return self._walked(matrix)
        columns, thresholds, tests, values, offsets = self._table
        outcomes = (matrix.take(columns, axis=1) > thresholds).take(tests, axis=1)  # (rows, trees * 8)
        codes = np.packbits(outcomes, bitorder="little").reshape(len(matrix), -1)  # a byte a tree: bit k, node k's test
        # Added up a row at a time, tree by tree, as numpy sums a row of a (rows, trees) array.
        return values.take(codes + offsets).sum(axis=1) / self.temperature

    @cached_property
    def _table(self) -> tuple[Any, Any, Any, Any, Any] | None:
        """(the distinct tests' feature columns and thresholds; for each tree and inner node, its test's
        number; each tree's leaf value for every outcome of its tests, a row a tree; where each row
        starts), or None for trees deeper than ``TABLE_DEPTH``."""
        import numpy as np

        if self.depth > TABLE_DEPTH or not self.features.size:
            return None
        trees, inner = self.features.shape
        pairs = np.stack([self.features.ravel(), self.thresholds.ravel()])
        distinct, tests = np.unique(pairs, axis=1, return_inverse=True)
        # Each tree's tests, then tests that no row passes (x > inf), to make eight: a byte a tree.
        columns, thresholds = np.append(distinct[0], 0).astype(np.intp), np.append(distinct[1], np.inf)
        padded = np.full((trees, 8), len(distinct[0]), dtype=np.intp)
        padded[:, :inner] = tests.reshape(trees, inner)
        leaf_of = []  # the leaf each outcome of the tests reaches
        for code in range(2**inner):
            node = 0
            for _ in range(self.depth):
                node = 2 * node + 1 + (code >> node & 1)
            leaf_of.append(node - inner)
        values = np.ascontiguousarray(self.leaves[:, leaf_of]).ravel()
        return columns, thresholds, padded.ravel(), values, np.arange(trees, dtype=np.intp) * 2**inner

    def _walked(self, matrix: Any) -> Any:
        """``scores``, by walking every tree down: every inner node's test is made on every row at once,
        in one comparison of a (nodes, rows) block; the walk then only picks tests by their numbers."""
        import numpy as np

        rows = matrix.shape[0]
        trees, inner = self.features.shape
        greater = (matrix.T.take(self.features.ravel(), axis=0) > self.thresholds.ravel()[:, None]).ravel()
        root = np.arange(0, trees * inner * rows, inner * rows)[:, None] + np.arange(rows)  # (trees, rows)
        node = np.zeros((trees, rows), dtype=np.intp)
        for _ in range(self.depth):
            node = 2 * node + 1 + greater.take(root + node * rows)
        leaf = np.arange(0, trees * (inner + 1), inner + 1)[:, None] + node - inner
        # Added up a row at a time, tree by tree, as numpy sums a row of a (rows, trees) array.
        return np.ascontiguousarray(self.leaves.take(leaf).T).sum(axis=1) / self.temperature


def probabilities(candidates: Candidates, prior: str = "lookup") -> tuple[float, Any]:
    """(P(no place), P(each candidate place)) for ``candidates`` under ``prior``; they add up to one."""
    scores = _softmax(model(prior).scores(candidates.features))
    return float(scores[0]), scores[1:]


def _softmax(scores: Any) -> Any:
    """The scores of one query's rows made probabilities (in place)."""
    import numpy as np

    scores = np.exp(scores - scores.max())
    scores /= scores.sum()
    return scores


def rank(
    resolver: Resolver, query: str, *, limit: int, hints: Hints, fuzzy: bool = True, prior: str = "lookup"
) -> list[Match]:
    """Up to ``limit`` candidate places for ``query``, best first, scored by probability under
    ``prior``: ``lookup`` for a name asked for alone, ``text`` for one met in running text.
    ``ranked`` gives P(no place) beside them."""
    return ranked(resolver, query, limit=limit, hints=hints, fuzzy=fuzzy, prior=prior)[1]


def ranked(
    resolver: Resolver, query: str, *, limit: int, hints: Hints, fuzzy: bool = True, prior: str = "lookup"
) -> tuple[float, list[Match]]:
    """(P(no place), up to ``limit`` candidate places for ``query``, best first) under ``prior``.

    The hints say which place, not whether the name is one: each candidate is weighed by
    ``Hints.factor`` and the places share again what the model gave them all (P(no place) stays);
    ``fuzzy=False`` leaves out the places found only by resemblance. A name of the gazetteer
    (whatever its case or marks) is answered from ``Answers``, the same probabilities worked out
    beforehand.
    """
    gazetteer = resolver.gazetteer
    stored = answers(resolver.recall)
    entry = stored.entry(query)
    if entry < 0:  # worked out once per resolver and prior, as the formula keeps its candidates
        kept = resolver._scored.get((query, prior))
        if kept is None:
            found = resolver.recall.candidates(query)
            kept = (found.places, found.hits, found.methods, *probabilities(found, prior)) if found.places else ()
            if len(resolver._scored) >= SCORED_CACHE:
                resolver._scored.clear()
            resolver._scored[(query, prior)] = kept
        if not kept:
            return 1.0, []
        places, hits, methods, none, chances = kept
    elif not hints:  # the first places in the order worked out beforehand
        return stored.none[prior][entry], stored.first(entry, query, limit, prior)
    else:
        import numpy as np

        places, hits, methods, none, chances = stored.read(entry, query, prior)
        chances = np.array(chances)
    if hints:
        power = HINT_POWER[prior]
        weighed = chances * [hints.factor(gazetteer.places[number]) ** power for number in places]
        if weighed.sum() > 0:
            chances = weighed * ((1 - none) / weighed.sum())
    chances = chances.tolist()
    kept = [at for at, method in enumerate(methods) if fuzzy or method != "fuzzy"]
    if len(kept) > limit > 0:  # only those that can be among the first: as likely as the limit-th at least,
        least = sorted((chances[at] for at in kept), reverse=True)[limit - 1]  # once rounded (a monotone map)
        kept = [at for at in kept if chances[at] >= least - 2e-6 and round(chances[at], 6) >= round(least, 6)]
    ids = gazetteer.column("id")
    order = sorted((-round(chances[at], 6), ids[places[at]], places[at], at) for at in kept)
    return none, [_match(gazetteer, query, places[at], hits[at], methods[at], chances[at]) for *_, at in order[:limit]]


def _match(gazetteer: Gazetteer, query: str, number: int, hit: int, method: str, chance: float) -> Match:
    place = gazetteer.places[number]
    return Match(place=place, score=round(round(chance, 6), 4), method=method, matched=place.names[gazetteer.index.slots[hit]], query=query)


class Answers:
    """The model's answers, under each prior, for every name of a gazetteer, worked out beforehand.

    A name found as written (exact, normalised) gets no fuzzy candidates (``Recall.found``), so
    its candidates and their features depend on its normalised form, its spelling key and its
    script alone: one entry for each of those of the gazetteer's names (a name that mixes scripts
    has none). An entry keeps its places and their names hit, and under each prior their
    probabilities and P(no place), as ``probabilities`` gives them, and the order ``rank`` puts
    them in without hints. They are made for all names at once (``Recall.found`` and
    ``Recall._featurise`` over many names, each prior's trees over all their rows: the features,
    most of the cost, are made once for both) and cached beside the compiled gazetteer
    (``Gazetteer.derived``).
    """

    def __init__(self, recall: Recall) -> None:
        gazetteer = recall.gazetteer
        index = gazetteer.index
        self.gazetteer = gazetteer
        self.texts: list[str] = recall._tables.texts
        self.by_form, self.owners = index.by_form, index.owners
        data = gazetteer.derived(
            "model-answers",
            lambda: _answers(recall),
            kind=dict,
            check=lambda data: len(data["entry_of_hit"]) == len(index.owners) and set(data["priors"]) == set(PRIORS),
        )
        self.forms: list[str] = data["forms"]
        self.keys: list[str] = data["keys"]
        self.scripts: bytes = data["scripts"]
        self.starts: array = data["starts"]
        self.places: array = data["places"]
        self.hits: array = data["hits"]
        self.steps: bytes = data["steps"]
        # By prior: P(each place) of the entries' rows, P(no place) of each entry, the order of its rows.
        self.chances: dict[str, array] = {prior: data["priors"][prior]["chances"] for prior in PRIORS}
        self.none: dict[str, array] = {prior: data["priors"][prior]["none"] for prior in PRIORS}
        self.order: dict[str, array] = {prior: data["priors"][prior]["order"] for prior in PRIORS}
        self.entry_of = {text: entry for text, entry in zip(self.texts, data["entry_of_hit"]) if entry >= 0}

    @cached_property
    def _by_spelling(self) -> dict[tuple[str, str, int], int]:
        return {spelling: entry for entry, spelling in enumerate(zip(self.forms, self.keys, self.scripts))}

    def entry(self, query: str) -> int:
        """The entry that answers ``query``, or -1."""
        entry = self.entry_of.get(query)
        if entry is not None:
            return entry
        form = normalize(query)
        if not form or is_mixed(query) or not self.by_form(form):
            return -1
        return self._by_spelling.get((form, spelling_key(query), SCRIPTS[_script(query)]), -1)

    def read(
        self, entry: int, query: str, prior: str = "lookup"
    ) -> tuple[list[int], list[int], list[str], float, list[float]]:
        """(places, hits, methods, P(no place), P(each place)) of ``entry``, asked for as ``query``, under ``prior``."""
        start, end = self.starts[entry], self.starts[entry + 1]
        places, hits = self.places[start:end].tolist(), self.hits[start:end].tolist()
        methods = [self._method(entry, query, at) for at in range(start, end)]
        return places, hits, methods, self.none[prior][entry], self.chances[prior][start:end].tolist()

    def first(self, entry: int, query: str, limit: int, prior: str = "lookup") -> list[Match]:
        """The first ``limit`` places of ``entry`` asked for as ``query`` under ``prior``, as ``rank``
        orders them without hints."""
        start = self.starts[entry]
        places, hits, chances, gazetteer = self.places, self.hits, self.chances[prior], self.gazetteer
        return [
            _match(gazetteer, query, places[at], hits[at], self._method(entry, query, at), chances[at])
            for at in [start + at for at in self.order[prior][start : self.starts[entry + 1]][:limit]]
        ]

    def _method(self, entry: int, query: str, at: int) -> str:
        """The step that found the ``at``-th place of ``entry``: "exact" where a name of it found as
        written is written as ``query``, else "normalized"; a later step by its name."""
        step = self.steps[at]
        if step > 2:
            return METHODS[step]
        place, hit, owners, texts = self.places[at], self.hits[at], self.owners, self.texts
        if texts[hit] == query or any(owners[other] == place and texts[other] == query for other in self.by_form(self.forms[entry])):
            return "exact"
        return "normalized"


_ANSWERS: weakref.WeakKeyDictionary[Gazetteer, Answers] = weakref.WeakKeyDictionary()  # one per gazetteer


def answers(recall: Recall) -> Answers:
    """The ``Answers`` of ``recall``'s gazetteer, made (or read from the cache) on first use."""
    found = _ANSWERS.get(recall.gazetteer)
    if found is None:
        found = _ANSWERS[recall.gazetteer] = Answers(recall)
    return found


def _answers(recall: Recall) -> dict[str, Any]:
    """What ``Answers`` is made of, as lists, arrays and bytes (what the cache may hold)."""
    import numpy as np

    gazetteer = recall.gazetteer
    ids = gazetteer.column("id")
    trees = {prior: model(prior) for prior in PRIORS}
    known: dict[str, str | None] = {}
    entry_of: dict[tuple[str, str, int], int] = {}
    numbers: dict[str, int] = {}
    batch: list[Found] = []
    for text in recall._tables.texts:
        if text in numbers or is_mixed(text):
            continue
        found = recall.found(text)
        if not found.form or any(step == FUZZY for step, *_ in found.found.values()):
            numbers[text] = -1
            continue
        spelling = (found.form, found.key, SCRIPTS[_script(found.query, known)])
        numbers[text] = entry_of.setdefault(spelling, len(entry_of))
        if numbers[text] == len(batch):
            batch.append(found)
    starts, places, hits, steps = array("i", [0]), array("i"), array("i"), bytearray()
    by_prior = {prior: {"chances": array("d"), "none": array("d"), "order": array("i")} for prior in PRIORS}
    for first in range(0, len(batch), BATCH):
        matrix, candidates = recall._featurise(batch[first : first + BATCH])
        for prior, stored in by_prior.items():
            scores = trees[prior].scores(matrix)
            row = 0
            for found in candidates:
                shares = _softmax(np.array(scores[row : row + len(found.places) + 1]))  # as ``probabilities`` does
                row += len(found.places) + 1
                chance = shares[1:].tolist()
                stored["none"].append(float(shares[0]))
                stored["chances"].extend(chance)
                stored["order"].extend(
                    sorted(range(len(chance)), key=lambda at: (-round(chance[at], 6), ids[found.places[at]], found.places[at]))
                )
        for item, found in zip(batch[first : first + BATCH], candidates):
            places.extend(found.places)
            hits.extend(found.hits)
            steps.extend(item.found[place][0] for place in found.places)
            starts.append(len(places))
    return {
        "entry_of_hit": array("i", [numbers.get(text, -1) for text in recall._tables.texts]),
        "forms": [item.form for item in batch],
        "keys": [item.key for item in batch],
        "scripts": bytes(SCRIPTS[_script(item.query, known)] for item in batch),
        "starts": starts, "places": places, "hits": hits, "steps": bytes(steps), "priors": by_prior,
    }  # fmt: skip


@cache
def model(prior: str) -> Trees:
    """The trees of ``prior`` (``lookup`` or ``text``), read and checked on first use."""
    if prior not in PRIORS:
        raise ValueError(f"no decision model for prior {prior!r}; there are {', '.join(PRIORS)}")
    return _trees(table("decision"), prior)


def _trees(data: Any, prior: str) -> Trees:
    import numpy as np

    where = f"decision.json: {prior}"
    if not isinstance(data, dict) or data.get("features") != list(FEATURES):
        raise ModelError("decision.json: its features are not those toponyms.recall computes; retrain the model")
    entry = data.get("priors", {}).get(prior)
    if not isinstance(entry, dict):
        raise ModelError(f"{where}: missing")
    depth = entry.get("depth")
    if not isinstance(depth, int) or not 1 <= depth <= 12:
        raise ModelError(f"{where}: depth must be an integer from 1 to 12, got {depth!r}")
    try:
        features = np.asarray(entry["features"], dtype=np.intp)
        thresholds = np.asarray(entry["thresholds"], dtype=np.float64)
        leaves = np.asarray(entry["leaves"], dtype=np.float64)
        temperature = float(entry.get("temperature", 1.0))
    except (KeyError, TypeError, ValueError) as error:
        raise ModelError(f"{where}: {error}") from None
    inner, outer = 2**depth - 1, 2**depth
    if features.ndim != 2 or features.shape[1] != inner or thresholds.shape != features.shape:
        raise ModelError(f"{where}: features and thresholds must be (trees, {inner}) arrays")
    if leaves.shape != (features.shape[0], outer):
        raise ModelError(f"{where}: leaves must be a (trees, {outer}) array")
    if features.size and (features.min() < 0 or features.max() >= len(FEATURES)):
        raise ModelError(f"{where}: a feature number outside 0..{len(FEATURES) - 1}")
    if not (np.isfinite(thresholds).all() and np.isfinite(leaves).all() and temperature > 0):
        raise ModelError(f"{where}: thresholds and leaves must be finite and the temperature positive")
    return Trees(depth, features, thresholds, leaves, temperature)
