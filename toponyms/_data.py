"""Package data tables, read on first use, checked against their schema and cached.

Each table of ``toponyms/data/*.json`` has a schema here (a ``TypedDict``); a table that does
not fit it is a ``TableError`` naming the file and the key. The tables keep examples of their
rules beside them (``samples``, and the known failures as ``misses``, each with why), which
``tests/test_tables.py`` runs.
"""

import json
from functools import cache
from importlib.resources import files
from typing import Annotated, Any, Literal, NamedTuple, NotRequired, Required, TypedDict, overload

from toponyms._schema import LETTER, NON_BLANK, PATTERN, Check, TableError, conform
from toponyms.model import Kind

__all__ = ["SCHEMAS", "TableError", "checked", "table", "words"]

Why = Annotated[str, NON_BLANK]  # why a rule is as it is, or why a sample fails


# -- geonames.json ----------------------------------------------------------------------------


class GeoNamesTable(TypedDict):
    """How ``toponyms.geonames`` reads GeoNames."""

    not_names: dict[str, Why]  # isolanguage values whose "names" are codes or links: what they are
    historic_languages: dict[str, str]  # isolanguage of a past era: the language
    no_language: list[str]
    kinds: dict[str, Kind]  # feature code of class A: the kind of place


# -- homoglyphs.json --------------------------------------------------------------------------


class Repair(NamedTuple):
    """A word of mixed scripts and the word ``script.repair_word`` makes of it."""

    mixed: str
    repaired: str


class RepairMiss(NamedTuple):
    mixed: str
    repaired: str  # the right repair, which is not made
    why: Why


class HomoglyphTable(TypedDict):
    """Latin and Cyrillic letters that look alike."""

    lowercase: dict[Annotated[str, LETTER], Annotated[str, LETTER]]
    uppercase: dict[Annotated[str, LETTER], Annotated[str, LETTER]]
    samples: list[Repair]
    misses: NotRequired[list[RepairMiss]]


# -- inflection.json --------------------------------------------------------------------------


class Ending(NamedTuple):
    """An oblique case ending and the nominative endings it may stand for."""

    ending: Annotated[str, NON_BLANK]
    nominatives: list[str]


class Alternation(NamedTuple):
    """A vowel of the stem and the one it becomes in the closed last syllable."""

    old: Annotated[str, LETTER]
    new: Annotated[str, LETTER]


class Inflected(NamedTuple):
    """An inflected word and a nominative ``inflect.word_nominatives`` proposes for it."""

    inflected: str
    nominative: str


class InflectedMiss(NamedTuple):
    inflected: str
    nominative: str  # the right nominative, which is not proposed
    why: Why


class NoCaseAfter(NamedTuple):
    """An oblique ending that is none after a stem that ends in one of ``stems`` (then the word is a
    nominative of its own), and why."""

    ending: Annotated[str, NON_BLANK]
    stems: list[Annotated[str, NON_BLANK]]
    why: Why


class InflectionTable(TypedDict):
    """Russian and Ukrainian case endings of place names."""

    rules: list[Ending]
    no_case_after: NotRequired[list[NoCaseAfter]]
    alternations: list[Alternation]
    samples: list[Inflected]
    misses: NotRequired[list[InflectedMiss]]


# -- russian_forms.json -----------------------------------------------------------------------


class Rule(NamedTuple):
    """A rewrite of a word: a regular expression, its replacement, and why (checked in ``russian``)."""

    pattern: str
    replacement: str
    why: Why


class RussianForm(NamedTuple):
    """A Ukrainian name and its Russian form."""

    ukrainian: str
    russian: str


class RussianMiss(NamedTuple):
    ukrainian: str
    russian: str  # the right Russian form, which the rules do not make
    why: Why


class WordForm(NamedTuple):
    """A whole word and its Russian form, and why it is an exception (checked in ``russian``)."""

    word: str
    russian: str
    why: Why


class Exceptions(TypedDict):
    words: list[WordForm]
    stems: list[Rule]


class RussianFormsTable(TypedDict):
    """The rules that make the Russian form of a Ukrainian place name."""

    apostrophes: Annotated[str, Check("text that includes '", lambda value: None if "'" in value else "no '")]
    exceptions: Exceptions
    adjective_rules: list[Rule]
    endings: list[Rule]
    letters: list[Rule]
    samples: list[RussianForm]
    misses: NotRequired[list[RussianMiss]]


# -- spelling.json ----------------------------------------------------------------------------


class Rewrite(NamedTuple):
    old: Annotated[str, NON_BLANK]
    new: str


Spellings = Annotated[list[str], Check("two spellings or more", lambda value: None if len(value) > 1 else "fewer")]


class SpellingMiss(NamedTuple):
    spellings: Spellings  # spellings of one name that should share a key, and do not
    why: Why


class SpellingTable(TypedDict):
    """The rules of the spelling key; each sample is spellings of one name that share a key."""

    letters: dict[Annotated[str, LETTER], str]
    rewrites: list[Rewrite]
    samples: list[Spellings]
    misses: NotRequired[list[SpellingMiss]]


# -- text.json --------------------------------------------------------------------------------


def _gloss_problem(pattern: str) -> str | None:
    """What is wrong with a gloss pattern: it must hold {a} and {b}, and compile with names in their stead."""
    missing = [side for side in ("{a}", "{b}") if side not in pattern]
    if missing:
        return f"no {' and no '.join(missing)}"
    return PATTERN.problem(pattern.replace("{a}", "(a)").replace("{b}", "(b)"))


class Found(NamedTuple):
    """A mention as the text has it, and the name of its place."""

    surface: str
    place: str


class Learnt(NamedTuple):
    """An alias a gloss teaches, and the GeoNames id of its place."""

    alias: str
    geonameid: int


class TextSample(TypedDict, total=False):
    """A text and what ``find`` makes of it: exactly ``mentions`` (in order), none of ``not_places``,
    exactly the ``aliases`` of glosses. ``xfail``: why it fails today (a known miss)."""

    text: Required[str]
    mentions: list[Found]
    not_places: list[str]
    aliases: list[Learnt]
    xfail: Why


class Gloss(TypedDict):
    """How an article ties one name to another ({a}, {b}); tried only near a match of its ``cue``.
    A ``weak`` gloss ("X (Y)") teaches only a name that looks like a garble."""

    pattern: Annotated[str, Check("a regular expression with {a} and {b}", _gloss_problem)]
    cue: Annotated[str, PATTERN]
    weak: NotRequired[bool]
    samples: list[TextSample]


class Water(TypedDict):
    after: list[str]
    before: list[str]


class RegionLists(TypedDict):
    conjunctions: list[str]
    plurals: dict[str, str]
    adjectives: dict[str, str]


TextSection = Literal[
    "endings", "suffixes", "prepositions", "articles", "adjective_endings", "conjunctions", "phrase_endings", "water",
    "region_words", "region_lists", "organisations", "given_names",
]  # fmt: skip


class TextTable(TypedDict):
    """Tables for finding place names in running text (see the comment in the file)."""

    endings: list[str]
    suffixes: list[str]
    glosses: list[Gloss]
    prepositions: list[str]
    articles: list[str]
    adjective_endings: list[str]
    conjunctions: list[str]
    phrase_endings: list[str]
    water: Water
    region_words: list[str]
    region_lists: RegionLists
    organisations: list[str]
    given_names: list[str]
    samples: dict[TextSection, list[TextSample]]  # of each part of the table, what it does to a text


# -- decision.json ----------------------------------------------------------------------------


class DecisionTrees(TypedDict):
    """One prior's trees, as ``scripts/train_model.py`` writes them; ``toponyms.decide`` checks their shapes."""

    depth: int
    features: list[list[int]]  # per tree, the feature each inner node splits on (breadth first)
    thresholds: list[list[float]]
    leaves: list[list[float]]
    temperature: float
    validation_log_loss: float
    learning_rate: float


class DecisionTable(TypedDict):
    """The trained decision model (``toponyms.decide``): the features it reads and its trees per prior."""

    features: list[str]
    priors: dict[str, DecisionTrees]


# ---------------------------------------------------------------------------------------------

SCHEMAS: dict[str, Any] = {
    "decision": DecisionTable,
    "geonames": GeoNamesTable,
    "homoglyphs": HomoglyphTable,
    "inflection": InflectionTable,
    "russian_forms": RussianFormsTable,
    "spelling": SpellingTable,
    "text": TextTable,
}


@overload
def table(name: Literal["decision"]) -> DecisionTable: ...
@overload
def table(name: Literal["geonames"]) -> GeoNamesTable: ...
@overload
def table(name: Literal["homoglyphs"]) -> HomoglyphTable: ...
@overload
def table(name: Literal["inflection"]) -> InflectionTable: ...
@overload
def table(name: Literal["russian_forms"]) -> RussianFormsTable: ...
@overload
def table(name: Literal["spelling"]) -> SpellingTable: ...
@overload
def table(name: Literal["text"]) -> TextTable: ...
@overload
def table(name: str) -> Any: ...
def table(name: str) -> Any:
    """The JSON table ``toponyms/data/<name>.json``, checked against its schema (``SCHEMAS``)."""
    return _table(name)


@cache
def _table(name: str) -> Any:
    file = f"toponyms/data/{name}.json"
    try:
        data = json.loads((files("toponyms") / "data" / f"{name}.json").read_text("utf-8"))
    except json.JSONDecodeError as error:
        raise TableError(f"{file}:{error.lineno}: not JSON: {error.msg}") from None
    return checked(name, data)


def checked(name: str, data: Any) -> Any:
    """``data`` checked as the table ``name``, its arrays read as the schema's types."""
    schema = SCHEMAS.get(name)
    if schema is None:
        raise TableError(f"toponyms/data/{name}.json: no schema; known: {', '.join(SCHEMAS)}")
    return conform(data, schema, f"toponyms/data/{name}.json")


@cache
def words(name: str) -> frozenset[str]:
    """The words of ``toponyms/data/<name>.txt``, one a line; ``#`` starts a comment line."""
    text = (files("toponyms") / "data" / f"{name}.txt").read_text("utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))
