"""The renamings table (data/renamings.tsv) and the linking rules of scripts/link_renamings.py."""

from __future__ import annotations

import csv
import importlib.util
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("link_renamings", ROOT / "scripts" / "link_renamings.py")
lr = importlib.util.module_from_spec(spec)
sys.modules["link_renamings"] = lr  # the dataclass looks its module up there
spec.loader.exec_module(lr)


def read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f, delimiter="\t")
        return list(reader.fieldnames or []), list(reader)


def test_table_shape_and_order() -> None:
    header, rows = read(ROOT / "data" / "renamings.tsv")
    assert header == lr.OUT_COLUMNS
    assert rows
    for r in rows:
        assert re.fullmatch(r"UA\d{17}", r["katottg"]), r
        assert r["name"] and r["former"] and r["act"].startswith("ВРУ") and r["source"].startswith("http"), r
        assert r["name"] != r["former"], r
        assert 2015 <= int(r["year"]) <= 2024, r
    keys = [(r["katottg"], r["year"], r["name"], r["former"]) for r in rows]
    assert keys == sorted(keys)


def test_raw_list_has_the_columns_the_script_reads() -> None:
    header, rows = read(ROOT / "data" / "renamings_raw.tsv")
    assert header == lr.RAW_COLUMNS
    assert len(rows) >= len(read(ROOT / "data" / "renamings.tsv")[1])


def place(code: str, name: str, raion: str, hromada: str, category: str = "C") -> object:
    return lr.Place(code=code, category=category, name=name, oblast="Харківська", raion=raion,
                    hromada=hromada, raion_code="R" + raion)


def test_old_raion_narrows_namesakes() -> None:
    places = [
        place("UA1", "Мирне", "Лозівський р-н", "Близнюківська"),
        place("UA2", "Мирне", "Лозівський р-н", "Біляївська"),
        place("UA3", "Мирне", "Куп’янський р-н", "Куп’янська"),
        place("UA4", "Донець", "Ізюмський р-н", "Донецька"),
        place("UA5", "Балаклія", "Ізюмський р-н", "Балаклійська", "M"),
    ]
    raw = [
        {"oblast": "Харківська", "name": "Мирне", "former": "Петрівське", "former_ru": "", "year": "2016",
         "act": "ВРУ", "source": "http://x", "raion": "Близнюківський"},
        {"oblast": "Харківська", "name": "Донець", "former": "Червоний Донець", "former_ru": "", "year": "2016",
         "act": "ВРУ", "source": "http://x", "raion": "Балаклійський"},
        {"oblast": "Харківська", "name": "Мирне", "former": "Жовтневе", "former_ru": "", "year": "2016",
         "act": "ВРУ", "source": "http://x", "raion": ""},
    ]
    out, counts, _ = lr.link(raw, places)
    assert [r["katottg"] for r in out] == ["UA1", "UA4"]
    assert counts == {"linked": 2, "ambiguous": 1}


def test_late_renaming_found_by_its_former_name() -> None:
    places = [place("UA9", "Красноград", "Красноградський р-н", "Красноградська", "M")]
    raw = [{"oblast": "Харківська", "name": "Берестин", "former": "Красноград", "former_ru": "", "year": "2024",
            "act": "ВРУ", "source": "http://x", "raion": ""}]
    out, counts, _ = lr.link(raw, places)
    assert out[0]["katottg"] == "UA9" and out[0]["name"] == "Берестин"
    assert lr.norm("Кам'янське") == lr.norm("Кам’янське")


def test_weak_claim_on_a_directly_claimed_settlement_is_left_out() -> None:
    # Харківський р-н holds the only Слобожанське; Жовтневе's row names that raion, Комінтерн's row
    # names a raion whose centre's hromada (Нововодолазька) only lies in the same new raion.
    places = [
        place("UA1", "Слобожанське", "Харківський р-н", "Липецька"),
        place("UA2", "Слобожанське", "Лозівський р-н", "Близнюківська"),
        place("UA3", "Нова Водолага", "Харківський р-н", "Нововодолазька", "X"),
    ]
    row = {"oblast": "Харківська", "name": "Слобожанське", "former_ru": "", "year": "2016", "act": "ВРУ",
           "source": "http://x"}
    raw = [{**row, "former": "Жовтневе", "raion": "Харківський"},
           {**row, "former": "Комінтерн", "raion": "Нововодолазький"}]
    out, counts, notes = lr.link(raw, places)
    assert [(r["katottg"], r["former"]) for r in out] == [("UA1", "Жовтневе")]
    assert counts == {"linked": 1, "claimed twice": 1}
    assert notes == ["claimed twice: Харківська: Комінтерн -> Слобожанське (Нововодолазький)"]
    # two spellings of one former name, both found through the new raion only, are both kept
    raw = [{**row, "former": "Комінтерн", "raion": "Нововодолазький"},
           {**row, "former": "Комінтерне", "raion": "Нововодолазький"}]
    out, counts, _ = lr.link(raw, places)
    assert [r["former"] for r in out] == ["Комінтерн", "Комінтерне"] and counts == {"linked": 2}


def test_renamed_raion_centre_is_looked_up_by_its_hromada_of_today() -> None:
    places = [lr.Place(code="UA7", category="C", name="Слобідське", oblast="Харківська", raion="Лозівський р-н",
                       hromada="Златопільська", raion_code="RЛ"),
              lr.Place(code="UA8", category="C", name="Слобідське", oblast="Харківська", raion="Харківський р-н",
                       hromada="Липецька", raion_code="RХ")]
    raw = [{"oblast": "Харківська", "name": "Слобідське", "former": "Правда", "former_ru": "", "year": "2016",
            "act": "ВРУ", "source": "http://x", "raion": "Первомайський"}]
    out, counts, _ = lr.link(raw, places)
    assert [r["katottg"] for r in out] == ["UA7"] and counts == {"linked": 1}


def test_kind_of_settlement_breaks_a_tie_between_namesakes() -> None:
    places = [
        place("UA1", "Покровське", "Ізюмський р-н", "Донецька", "C"),
        place("UA2", "Покровське", "Ізюмський р-н", "Донецька", "X"),
    ]
    raw = [{"oblast": "Харківська", "name": "Покровське", "former": "Жовтневе", "former_ru": "", "year": "2016",
            "act": "ВРУ", "source": "http://x", "raion": "Ізюмський", "category": kind}
           for kind in ("X", "")]
    out, counts, _ = lr.link(raw, places)
    assert [r["katottg"] for r in out] == ["UA2"]
    assert counts == {"linked": 1, "ambiguous": 1}
