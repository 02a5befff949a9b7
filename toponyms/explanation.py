"""Step 7c: why a name resolved as it did — the candidates considered and the evidence that moved each.

``explain`` asks the resolver for its answer and all its candidates (so the answer is ``resolve``'s,
by construction), then takes each shown candidate's score apart. Every piece of evidence is a
counterfactual: its ``effect`` is the candidate's score minus the score it would have with that
evidence made neutral, everything else as it is. Effects do not add up to the score; each says
how much one thing moved it.

- Under the formula (``toponyms.resolve``): the method's confidence (neutral: an exact hit), the
  status of the name hit (neutral: official), the population (neutral: a place of unknown
  population), each hint that weighs the place down, the namesakes that split its floor
  (neutral: the whole floor) and its share of the weight (neutral: all of it). The places that
  ``toponyms.recall`` generates but the formula never scored are listed with the filter that
  dropped them.
- Under the model (``toponyms.decide``): the features whose ``REFERENCE`` value (what a sure answer
  has: an exact hit of the official name of a town of 10,000, the biggest of its candidates) would
  change the probability most, and each hint; and P(no place), with the features of the query
  that moved it.

Nothing here runs when a name is resolved or found: it is for people asking why.
"""

from __future__ import annotations

import sys
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rapidfuzz import fuzz

from toponyms._data import words
from toponyms.inflect import derived
from toponyms.keys import spelling_key
from toponyms.model import Match, Name, Place
from toponyms.normalize import normalize
from toponyms.resolve import (
    COMPARABLE, FUZZY_CUTOFF, KIND_FLOOR, NEAR_KM, OBSCURE_WEIGHT,
    POPULATION_EXPONENT, POPULATION_PSEUDO, SHARE_FLOOR, SHARPNESS, Hints, Resolver, _haversine_km,
    _namesake_floors, _status_weight, _strength, _weight, default_resolver,
)  # fmt: skip

if TYPE_CHECKING:
    import numpy as np

    from toponyms.resolve import _Found

__all__ = ["Considered", "Evidence", "Explanation", "Filtered", "REFERENCE", "explain", "render"]

# What a sure answer looks like to the model: an exact hit of the official name (no language given,
# as GeoNames gives none) of a town of 10,000 people in Ukraine, its name's only candidate (a name found
# as written has no fuzzy ones: Kramatorsk's row, Bakhmut's); for a query that is no everyday word or
# person's name. A feature's effect is the change in probability had it taken this value. The
# query's script, length and word count have none: a query is what it is.
REFERENCE = {
    "method": 0.0, "by_form": 1.0, "by_key": 1.0, "by_inflection": 0.0, "by_fuzzy": 0.0,
    "key_ratio": 1.0, "key_jaro_winkler": 1.0, "key_distance": 0.0, "form_ratio": 1.0,
    "prefix": 1.0, "suffix": 1.0, "same_first": 1.0, "length_difference": 0.0, "derived": 0.0,
    "status": 0.0, "former_age": -1.0, "mainstream": 1.0, "lang_known": 0.0, "same_script": 1.0, "name_namesakes": 0.0,
    "log_population": 4.0, "population_unknown": 0.0, "kind": 0.0, "approximate": 0.0,
    "log_candidates": 0.0, "rivals_as_good": 0.0, "population_rank": 0.0, "log_population_gap": 0.0, "share": 1.0,
    "ratio_gap": 1.0, "method_gap": 6.0,
    "ordinary_word": 0.0, "common_word": 0.0, "given_name": 0.0, "surname_shape": 0.0,
    "best_method": 0.0, "best_key_ratio": 1.0,
    "in_ukraine": 1.0, "name_surname_shape": 0.0,
}  # fmt: skip
FEATURE_EVIDENCE = 6  # the model's features shown per candidate, those that moved it most
NOTICEABLE = 0.0005  # a smaller effect is no evidence
STEPS = {"exact": 1, "normalized": 1, "script": 1, "transliteration": 2, "inflection": 2, "fuzzy": 3}
STEP_NAMES = {1: "the name's form", 2: "its spelling key or a case ending", 3: "fuzzy matching"}


@dataclass(frozen=True, slots=True)
class Evidence:
    """One thing that moved a candidate's score: ``effect`` is the score minus the score without it."""

    name: str
    value: str
    effect: float


@dataclass(frozen=True, slots=True)
class Considered:
    """A candidate that was scored: the ``Match`` that ``candidates`` gives for it, and why it scored so."""

    match: Match
    evidence: tuple[Evidence, ...]

    @property
    def place(self) -> Place:
        return self.match.place

    @property
    def score(self) -> float:
        """The score (under the model, the probability that the name means this place)."""
        return self.match.score

    @property
    def method(self) -> str:
        return self.match.method

    @property
    def matched(self) -> Name:
        return self.match.matched


@dataclass(frozen=True, slots=True)
class Filtered:
    """A plausible place (``toponyms.recall`` finds it) that the formula never scored, and the rule that dropped it."""

    place: Place
    method: str
    matched: Name
    reason: str


@dataclass(frozen=True)
class Explanation:
    """Why ``query`` resolved to ``answer`` (what ``resolve`` returns, None when unsure).

    ``candidates`` are the best ``limit`` of the ``considered`` candidates, best first; ``no_place``
    is the model's probability that the name is no place at all (None under the formula), and
    ``no_place_evidence`` the features of the query that moved it.
    """

    query: str
    normalized: str
    scoring: str
    threshold: float
    answer: Match | None
    candidates: tuple[Considered, ...]
    considered: int
    filtered: tuple[Filtered, ...] = ()
    no_place: float | None = None
    no_place_evidence: tuple[Evidence, ...] = ()

    def __str__(self) -> str:
        return render(self)


def explain(
    name: str,
    *,
    country: str | None = None,
    region: str | Iterable[str] | None = None,
    near: tuple[float, float] | None = None,
    within: str | Iterable[str] | None = None,
    limit: int = 10,
    resolver: Resolver | None = None,
) -> Explanation:
    """Why ``name`` resolves as it does: ``resolve``'s answer, and its best ``limit`` candidates with
    the evidence for and against each. The hints are ``resolve``'s, and so are the errors.

    >>> from toponyms import resolve
    >>> why = explain("Krasnoarmeysk")
    >>> why.answer == resolve("Krasnoarmeysk"), why.candidates[0].place.name
    (True, 'Pokrovsk')
    >>> [item.name for item in why.candidates[0].evidence]
    ['method', 'name status', 'population', 'share']
    """
    resolver = default_resolver() if resolver is None else resolver
    answer = resolver.resolve(name, country=country, near=near, region=region, within=within)  # checks the input
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValueError(f"limit= takes a whole number of candidates to show, at least 1; got {limit!r}")
    query = name.strip()
    matches = resolver.candidates(name, limit=sys.maxsize, country=country, near=near, region=region, within=within)
    common = {
        "query": name, "normalized": normalize(query), "scoring": resolver.scoring, "threshold": resolver.threshold,
        "answer": answer, "considered": len(matches),
    }  # fmt: skip
    hints = resolver._hints(name, country, near, NEAR_KM, region, within, in_text=False)  # as the resolver weighs them
    if hints is None:  # no name of the gazetteer can be meant
        return Explanation(**common, candidates=())  # type: ignore[arg-type]
    if resolver.scoring == "model":
        shown, none, none_evidence = _model(resolver, query, matches[:limit], hints)
        return Explanation(**common, candidates=shown, no_place=none, no_place_evidence=none_evidence)  # type: ignore[arg-type]
    found = resolver._find(query)
    shown = _formula(resolver, found, matches[:limit], hints)
    return Explanation(**common, candidates=shown, filtered=_filtered(resolver, query, found)[:limit])  # type: ignore[arg-type]


# The formula


def _formula(resolver: Resolver, found: list[_Found], matches: list[Match], hints: Hints) -> tuple[Considered, ...]:
    """The shown candidates of the formula, each with the counterfactual effect of each part of its score."""
    places = resolver.gazetteer.places
    strengths = [_strength(f.method, f.similarity) for f in found]
    bases = [_weight(places[f.place], places[f.place].names[f.name], f.mainstream, hints or None) for f in found]
    weights = [base * strength**SHARPNESS for base, strength in zip(bases, strengths)]
    row_of = {places[f.place].id: row for row, f in enumerate(found)}

    def score(row: int, strengths: list[float], weights: list[float], floor: float | None = None) -> float:
        total = sum(weights) or 1.0
        if floor is None:
            floor = _namesake_floors(found, places, weights, strengths)[row]
        return strengths[row] * (floor + (1 - SHARE_FLOOR) * weights[row] / total)

    def reweighed(row: int, factor: float) -> float:
        changed = list(weights)
        changed[row] *= factor
        return score(row, strengths, changed)

    shown = []
    for match in matches:
        row = row_of[match.place.id]
        f, place, strength, weight = found[row], match.place, strengths[row], weights[row]
        actual = score(row, strengths, weights)
        name = place.names[f.name]
        evidence = []
        as_sure = list(strengths)
        as_sure[row] = 1.0
        as_sure_weights = list(weights)
        as_sure_weights[row] = bases[row]
        similarity = f" (similarity {f.similarity:.2f})" if f.similarity != 1.0 else ""
        evidence.append(Evidence("method", f"{f.method}{similarity}: confidence {strength:.2f}",
                                 actual - score(row, as_sure, as_sure_weights)))  # fmt: skip
        status = _status_weight(name) if f.mainstream or name.status != "variant" else OBSCURE_WEIGHT
        year = f" ({name.year})" if name.status == "former" and name.year else ""
        obscure = ", a variant in no local language" if status == OBSCURE_WEIGHT else ""
        evidence.append(Evidence("name status", f"{name.status}{year}{obscure}: weight {status:.2f}",
                                 actual - reweighed(row, 1 / status)))  # fmt: skip
        population = max(place.population, KIND_FLOOR.get(place.kind, 0))
        size = (population + POPULATION_PSEUDO) ** POPULATION_EXPONENT
        stand_in = f" (stand-in for a {place.kind})" if population != place.population else ""
        unknown = POPULATION_PSEUDO**POPULATION_EXPONENT
        told = f"{population:,}{stand_in}" if population else "unknown"
        evidence.append(Evidence("population", told, actual - reweighed(row, unknown / size)))
        for hint, value, factor in _hint_factors(hints, place):
            evidence.append(Evidence(hint, f"{value}: weight ×{factor:.2g}", actual - reweighed(row, 1 / factor)))
        floor = _namesake_floors(found, places, weights, strengths)[row]
        if floor < SHARE_FLOOR:
            current = name.status != "former"
            namesakes = sorted(
                (-weights[other], places[g.place].id, places[g.place])
                for other, g in enumerate(found)
                if other != row and strengths[other] == strength and (places[g.place].names[g.name].status != "former") == current
                and weights[other] >= weight / COMPARABLE
            )  # fmt: skip
            listed = ", ".join(str(other) for *_, other in namesakes[:3])
            more = f" and {len(namesakes) - 3} more" if len(namesakes) > 3 else ""
            value = f"floor {floor:.2f} of {SHARE_FLOOR} shared with {listed}{more}"
            evidence.append(Evidence("namesakes", value, actual - score(row, strengths, weights, floor=SHARE_FLOOR)))
        share = weight / (sum(weights) or 1.0)
        evidence.append(Evidence("share", f"{share:.2f} of the weight of {_count(len(found), 'candidate')}",
                                 actual - strength * (floor + 1 - SHARE_FLOOR)))  # fmt: skip
        shown.append(_considered(match, evidence))
    return tuple(shown)


def _filtered(resolver: Resolver, query: str, found: list[_Found]) -> list[Filtered]:
    """The places ``toponyms.recall`` finds for ``query`` that the formula did not score, closest first, and why."""
    if not query or len(query) > resolver._reach:
        return []
    recall = resolver.recall
    generated = recall.candidates(query)
    places = resolver.gazetteer.places
    scored = {f.place for f in found}
    step = min((STEPS[f.method] for f in found), default=None)
    form, key = normalize(query), spelling_key(query)
    rows = [
        (STEPS[method], -fuzz.ratio(key, recall._tables.key_of(hit)), places[number].id, number, hit, method)
        for number, hit, method in zip(generated.places, generated.hits, generated.methods)
        if number not in scored
    ]
    dropped = []
    for this_step, _, _, number, hit, method in sorted(rows):
        name = places[number].names[resolver.gazetteer.index.owner(hit)[1]]
        if step is not None and step < this_step:
            reason = f"resolving stops at the first step that finds anything: {STEP_NAMES[step]} found {len(found)}"
        else:
            reason = _why_not_fuzzy(resolver, form, key, recall._tables.key_of(hit), name, method)
        dropped.append(Filtered(places[number], method, name, reason))
    return dropped


def _why_not_fuzzy(resolver: Resolver, form: str, key: str, hit_key: str, name: Name, method: str) -> str:
    """Which of the fuzzy step's rules keeps a name of this key from ``key``."""
    if method != "fuzzy":
        return "another reading of the name found it: resolving reads a mixed-script name one way"
    if form in words("ordinary_words"):
        return "an everyday word is never matched fuzzily"
    if hit_key[:1] != key[:1]:
        return f"a fuzzy match keeps the first letter of the key ({key[:1]!r} here, {hit_key[:1]!r} there)"
    keys = resolver.gazetteer.index.keys
    at = bisect_left(keys, hit_key)
    if at == len(keys) or keys[at] != hit_key:
        return "a variant in no local language is never matched fuzzily"
    if derived(form, normalize(name.text)):
        return "the name with a word-forming suffix is no misspelling of it"
    ratio = fuzz.ratio(key, hit_key) / 100
    if ratio < FUZZY_CUTOFF:
        return f"key similarity {ratio:.2f} is below the cutoff {FUZZY_CUTOFF}"
    return "the fuzzy step keeps the ten closest keys, and closer ones were found"


def _hint_factors(hints: Hints, place: Place) -> list[tuple[str, str, float]]:
    """The hints that weigh ``place`` down: (which, how, factor), as ``Hints.factor`` applies them."""
    factors = []
    if hints.country and place.country != hints.country:
        factors.append(("hint country", f"outside {hints.country}", hints.outside))
    if hints.regions and place.region is not None and place.region not in hints.regions:
        factors.append(("hint region", f"not in {', '.join(sorted(hints.regions))}", hints.outside))
    if Hints(areas=hints.areas).factor(place) != 1.0:
        factors.append(("hint within", "outside the raions and hromadas asked for", hints.outside))
    if hints.near is not None:
        distance = _haversine_km(hints.near, (place.lat, place.lon))
        factors.append(("hint near", f"{distance:,.0f} km away", 1 / (1 + (distance / hints.near_km) ** 2)))
    return factors


# The model


def _model(
    resolver: Resolver, query: str, matches: list[Match], hints: Hints
) -> tuple[tuple[Considered, ...], float, tuple[Evidence, ...]]:
    """The shown candidates of the model, each with the features and hints that moved its probability most;
    P(no place) and the features of the query that moved it."""
    import numpy as np

    from toponyms.decide import model
    from toponyms.recall import COLUMN, FEATURES, QUERY_FEATURES

    found = resolver.recall.candidates(query)
    places = resolver.gazetteer.places
    trees = model("lookup")
    matrix = found.features
    scores = trees.scores(matrix)
    factors = np.array([hints.factor(places[number]) for number in found.places]) if hints else None
    none, chances = _chances(scores, factors, np)
    row_of = {places[number].id: row for row, number in enumerate(found.places, start=1)}
    own = [COLUMN[f] for f in FEATURES if f in REFERENCE and f not in QUERY_FEATURES]
    shared = [COLUMN[f] for f in QUERY_FEATURES if f in REFERENCE]
    # A feature of the query is the same on every row: it is changed on all of them at once.
    by_query = []
    for column in shared:
        changed = matrix.copy()
        changed[:, column] = REFERENCE[FEATURES[column]]
        by_query.append((column, _chances(trees.scores(changed), factors, np)))
    shown = []
    for match in matches:
        row = row_of[match.place.id]
        chance = float(chances[row - 1])
        effects = []
        batch = np.repeat(matrix[row : row + 1], len(own), axis=0)
        batch[np.arange(len(own)), own] = [REFERENCE[FEATURES[column]] for column in own]
        for column, changed_score in zip(own, trees.scores(batch)):
            changed = scores.copy()
            changed[row] = changed_score
            effects.append((column, chance - float(_chances(changed, factors, np)[1][row - 1])))
        effects += [(column, chance - float(changed[1][row - 1])) for column, changed in by_query]
        evidence = [
            Evidence(FEATURES[column], f"{matrix[row, column]:.3g} (reference {REFERENCE[FEATURES[column]]:g})", effect)
            for column, effect in sorted(effects, key=lambda item: -abs(item[1]))[:FEATURE_EVIDENCE]
            if abs(effect) >= NOTICEABLE
        ]
        if factors is not None:
            for hint, value, factor in _hint_factors(hints, match.place):
                unhinted = factors.copy()
                unhinted[row - 1] /= factor
                evidence.append(Evidence(hint, f"{value}: weight ×{factor:.2g}",
                                         chance - float(_chances(scores, unhinted, np)[1][row - 1])))  # fmt: skip
        shown.append(_considered(match, evidence))
    moved = sorted(((column, none - changed[0]) for column, changed in by_query), key=lambda item: -abs(item[1]))
    none_evidence = tuple(
        Evidence(FEATURES[column], f"{matrix[0, column]:.3g} (reference {REFERENCE[FEATURES[column]]:g})", round(effect, 4))
        for column, effect in moved
        if abs(effect) >= NOTICEABLE
    )
    return tuple(shown), round(none, 4), none_evidence


def _chances(scores: np.ndarray, factors: np.ndarray | None, np: Any) -> tuple[float, np.ndarray]:
    """(P(no place), P(each place)) from the model's scores, reweighed by the hints, as ``decide.rank`` does."""
    exp = np.exp(scores - scores.max())
    exp /= exp.sum()
    none, chances = float(exp[0]), exp[1:]
    if factors is not None:
        weighed = chances * factors
        if weighed.sum() > 0:
            chances = weighed * ((1 - none) / weighed.sum())
    return none, chances


def _considered(match: Match, evidence: list[Evidence]) -> Considered:
    rounded = tuple(Evidence(item.name, item.value, round(item.effect, 4) + 0.0) for item in evidence)
    return Considered(match, rounded)


# Rendering


def render(explanation: Explanation) -> str:
    """``explanation`` as text for people: the answer, then each candidate with its evidence, then what was dropped."""
    e = explanation
    answer = f"{e.answer.place}, score {e.answer.score:.2f}" if e.answer else "no answer"
    if e.answer is None and e.candidates:
        answer += f" (the best scores {e.candidates[0].score:.2f}, under the threshold {e.threshold})"
    lines = [
        f"{e.query!r} → {answer}",
        f"normalised {e.normalized!r}; scored by the {e.scoring}, threshold {e.threshold}; "
        f"{_count(e.considered, 'candidate')}, {len(e.candidates)} shown",
    ]
    if e.no_place is not None:
        lines.append(f"P(no place) {e.no_place:.2f}")
        lines += _evidence_lines(e.no_place_evidence, "    ")
    for number, candidate in enumerate(e.candidates, start=1):
        matched = candidate.matched
        about = ", ".join(str(part) for part in (matched.status, matched.lang, matched.year) if part)
        lines.append(f"{number:>2}. {candidate.score:.2f}  {candidate.place}  [{candidate.place.id}]")
        lines.append(f"    {candidate.method}: {matched.text} ({about})")
        lines += _evidence_lines(candidate.evidence, "      ")
    if e.filtered:
        lines.append("not scored (found by toponyms.recall, dropped by the formula's rules):")
        for dropped in e.filtered:
            lines.append(f"  {dropped.place}  [{dropped.place.id}]  {dropped.method}: {dropped.matched.text}")
            lines.append(f"      {dropped.reason}")
    return "\n".join(lines)


def _evidence_lines(evidence: tuple[Evidence, ...], indent: str) -> list[str]:
    width = max((len(item.name) for item in evidence), default=0)
    return [f"{indent}{item.effect:+.2f}  {item.name.ljust(width)}  {item.value}" for item in evidence]


def _count(number: int, thing: str) -> str:
    return f"{number} {thing}{'s' * (number != 1)}"
