import pytest

from conftest import cases
from toponyms import romanize
from toponyms.transliterate import systems, to_latin


@pytest.mark.parametrize(("cyrillic", "latin"), cases("uk_national_2010"))
def test_national_2010_official_examples(cyrillic: str, latin: str) -> None:
    assert romanize(cyrillic, "uk_national_2010") == latin


@pytest.mark.parametrize(
    ("system", "cyrillic", "latin"),
    [
        ("uk_german", "Покровськ", "Pokrowsk"),
        ("uk_french", "Щастя", "Chtchastia"),
        ("ru_bgn_pcgn", "Мирноград", "Mirnograd"),
        ("ru_wikipedia", "Красноармейск", "Krasnoarmeysk"),
    ],
)
def test_other_systems(system: str, cyrillic: str, latin: str) -> None:
    assert romanize(cyrillic, system) == latin


def test_unknown_system_is_named_in_the_error() -> None:
    with pytest.raises(ValueError, match="klingon.*known: "):
        romanize("Київ", "klingon")


def test_to_latin_romanises_half_transliterated_words() -> None:
    assert to_latin("Покровsk") == "Pokrovsk"
    assert to_latin("Kyiv") == "Kyiv"


def test_every_system_leaves_latin_alone() -> None:
    for name in systems():
        assert romanize("Pokrovsk", name) == "Pokrovsk", name
