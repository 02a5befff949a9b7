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

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from toponyms._data import table
from toponyms.model import Match
from toponyms.recall import FEATURES, Candidates

if TYPE_CHECKING:
    from toponyms.resolve import Hints, Resolver

PRIORS = ("lookup", "text")


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

        Every inner node's test is made on every row at once, in one comparison of a
        (nodes, rows) block; the walk down then only picks tests by their numbers.
        """
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
    import numpy as np

    scores = model(prior).scores(candidates.features)
    scores = np.exp(scores - scores.max())
    scores /= scores.sum()
    return float(scores[0]), scores[1:]


def rank(resolver: Resolver, query: str, *, limit: int, hints: Hints, fuzzy: bool = True) -> list[Match]:
    """Up to ``limit`` candidate places for ``query`` asked for alone, best first, scored by probability.

    The hints say which place, not whether the name is one: each candidate is weighed by
    ``Hints.factor`` and the places share again what the model gave them all (P(no place) stays);
    ``fuzzy=False`` leaves out the places found only by resemblance.
    """
    found = resolver.recall.candidates(query)
    if not found.places:
        return []
    none, chances = probabilities(found, "lookup")
    gazetteer = resolver.gazetteer
    if hints:
        weighed = chances * [hints.factor(gazetteer.places[number]) for number in found.places]
        if weighed.sum() > 0:
            chances = weighed * ((1 - none) / weighed.sum())
    chances = chances.tolist()
    kept = [at for at, method in enumerate(found.methods) if fuzzy or method != "fuzzy"]
    if len(kept) > limit > 0:  # only those that can be among the first: as likely as the limit-th at least,
        least = sorted((chances[at] for at in kept), reverse=True)[limit - 1]  # once rounded (a monotone map)
        kept = [at for at in kept if chances[at] >= least - 2e-6 and round(chances[at], 6) >= round(least, 6)]
    ids = gazetteer.column("id")
    ranked = sorted(
        (-round(chances[at], 6), ids[found.places[at]], found.places[at], found.hits[at], found.methods[at]) for at in kept
    )
    slot_of, places = gazetteer.index.owner, gazetteer.places
    return [
        Match(place=places[number], score=round(-negative, 4), method=method, matched=places[number].names[slot_of(hit)[1]], query=query)
        for negative, _, number, hit, method in ranked[:limit]
    ]


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
