"""Step 3: transliteration of Cyrillic under the systems seen in real text.

Ukrainian systems come from translitua, Russian ones from iuliia; both are
well-kept tables of the official standards, so none is written again here.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from functools import cache

from unidecode import unidecode

from toponyms.chars import has_cyrillic


@cache
def systems() -> dict[str, Callable[[str], str]]:
    """Every transliteration system by name: ``uk_national_2010``, ``ru_bgn_pcgn``, …"""
    import iuliia  # imported on first use: most lookups never transliterate
    import translitua

    def _ukrainian(table: type) -> Callable[[str], str]:
        return lambda text: translitua.translit(text, table)

    def _russian(schema: iuliia.Schema) -> Callable[[str], str]:
        return schema.translate

    return {
        "uk_national_2010": _ukrainian(translitua.UkrainianKMU),
        "uk_bgn_pcgn_1965": _ukrainian(translitua.UkrainianBGN),
        "uk_iso9": _ukrainian(translitua.UkrainianISO9),
        "uk_scholarly": _ukrainian(translitua.UkrainianWWS),
        "uk_british": _ukrainian(translitua.UkrainianBritish),
        "uk_gost_1971": _ukrainian(translitua.UkrainianGOST1971),
        "uk_gost_1986": _ukrainian(translitua.UkrainianGOST1986),
        "uk_passport_2007": _ukrainian(translitua.UkrainianPassport2007),
        "uk_german": _ukrainian(translitua.UkrainianGerman),
        "uk_french": _ukrainian(translitua.UkrainianFrench),
        "ru_bgn_pcgn": _russian(iuliia.BGN_PCGN),
        "ru_iso9_1968": _russian(iuliia.ISO_9_1968),
        "ru_gost_7034": _russian(iuliia.GOST_7034),
        "ru_gost_779": _russian(iuliia.GOST_779),
        "ru_scientific": _russian(iuliia.SCIENTIFIC),
        "ru_ala_lc": _russian(iuliia.ALA_LC),
        "ru_icao": _russian(iuliia.ICAO_DOC_9303),
        "ru_wikipedia": _russian(iuliia.WIKIPEDIA),
        "ru_mvd_310_fr": _russian(iuliia.MVD_310_FR),
    }


def romanize(text: str, system: str = "uk_national_2010") -> str:
    """Transliterate the Cyrillic in ``text`` under the named system.

    >>> romanize("Згорани")
    'Zghorany'
    >>> romanize("Мирноград", "ru_bgn_pcgn")
    'Mirnograd'
    """
    try:
        convert = systems()[system]
    except KeyError:
        known = ", ".join(sorted(systems()))
        raise ValueError(f"unknown transliteration system {system!r}; known: {known}") from None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return convert(text)


def to_latin(text: str) -> str:
    """Romanise any Cyrillic in ``text``: national 2010 for Ukrainian letters, then unidecode for the rest."""
    return unidecode(romanize(text, "uk_national_2010")) if has_cyrillic(text) else text
