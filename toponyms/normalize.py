"""Step 1: Unicode normalisation — one spelling of a name for each way of typing it."""

from __future__ import annotations

import re
import unicodedata

from toponyms.chars import APOSTROPHES, DASHES

# Apostrophes go; the dotless ı (Turkic romanisations: Gornıy) is an i, as its capital I says.
_DROP = str.maketrans({"\u0131": "i", **{apostrophe: None for apostrophe in APOSTROPHES}})
_SPACE = str.maketrans({dash: " " for dash in DASHES})
_WHITESPACE = re.compile(r"\s+")
_EDGE_PUNCTUATION = re.compile(r"^[\W_]+|[\W_]+$")
_SETTLED = re.compile("[0-9a-z \u0430-\u044f\u0454\u0456\u0491]*")
_PLAIN = re.compile("[a-z\u0430-\u0438\u043a-\u044f\u0454\u0456\u0491]+")  # Latin, Cyrillic without й, ё, ї


def strip_marks(text: str) -> str:
    """Remove combining marks (diacritics) after canonical decomposition."""
    decomposed = unicodedata.normalize("NFD", text)
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", kept)


def normalize(text: str) -> str:
    """Fold a name to its lookup form: NFKC, casefolded, no diacritics or apostrophes.

    Dashes become spaces, runs of whitespace one space, and punctuation at the
    edges goes. Idempotent: ``normalize(normalize(s)) == normalize(s)``.

    >>> normalize("  Pokrovs’k ")
    'pokrovsk'
    >>> normalize("Ivano–Frankivsk")
    'ivano frankivsk'
    """
    lowered = text.lower()
    if _PLAIN.fullmatch(lowered):
        return lowered  # letters that no folding changes: the common case, and quick
    if text.isascii():
        return _fold_once(text)
    folded = _fold_once(text)
    if _SETTLED.fullmatch(folded):
        return folded  # plain Latin and Cyrillic letters fold no further
    text = folded
    # Casefolding and stripping marks can expose new foldable characters
    # (NFKC of a folded ligature, say), so fold until nothing changes.
    for _ in range(4):
        folded = _fold_once(text)
        if folded == text:
            break
        text = folded
    return text


def _fold_once(text: str) -> str:
    text = strip_marks(unicodedata.normalize("NFKC", text).casefold())
    text = text.translate(_DROP).translate(_SPACE)
    return _EDGE_PUNCTUATION.sub("", _WHITESPACE.sub(" ", text))
