"""scripts/make_training_data.py: reproducible, and no place in two splits."""

from __future__ import annotations

import csv
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from conftest import ROOT
from toponyms import Gazetteer
from toponyms.recall import NEWS_COUNTRY

pytest.importorskip("wordfreq")


def _make(out: Path) -> bytes:
    command = [sys.executable, str(ROOT / "scripts" / "make_training_data.py"), "--per-kind", "20", "--out", str(out)]
    subprocess.run(command, check=True, capture_output=True)
    return out.read_bytes()


def test_training_data_is_byte_reproducible_and_splits_whole_places(tmp_path: Path) -> None:
    first, second = _make(tmp_path / "a.tsv"), _make(tmp_path / "b.tsv")
    assert first == second
    with (tmp_path / "a.tsv").open(encoding="utf-8", newline="") as rows_file:
        rows = list(csv.DictReader(rows_file, delimiter="\t", quoting=csv.QUOTE_NONE))
    splits: dict[str, set[str]] = {}
    for row in rows:
        splits.setdefault(row["truth"] or f"word:{row['query']}", set()).add(row["split"])
    assert all(len(found) == 1 for found in splits.values())
    counts = Counter((row["prior"], row["kind"]) for row in rows)
    assert all(count <= 20 for count in counts.values())
    assert [count for (_, kind), count in sorted(counts.items()) if kind == "exact"] == [20, 20]  # every place has a name
    assert {row["split"] for row in rows} == {"train", "validation", "test"}
    assert all(row["truth"] == "" and row["rival"] == "" for row in rows if row["kind"] in ("negative", "surname"))
    assert all(float(row["rival"]) >= 0 for row in rows if row["truth"])
    assert {row["detail"] for row in rows if row["kind"] == "surname"} >= {"listed"}


def test_surnames_are_no_name_of_the_gazetteer_and_the_news_prior_favours_ukraine(gazetteer: Gazetteer) -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from make_training_data import Maker, news_rates, priors
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    maker = Maker(gazetteer)
    rng = random.Random(0)
    made = [maker.surname(place, rng) for place in gazetteer.places[:400]]
    words = [draft[0] for draft in made if draft is not None]
    assert len(words) > 100 and not any(maker.is_form(word) for word in words)
    assert "Pushilin" in maker.listed_surnames() and "Kharkov" not in maker.listed_surnames()
    assert maker.is_form("Києві") and maker.is_form("Харкова") and not maker.is_form("Pushilin")
    rates = news_rates(gazetteer)
    assert rates["UA"] > 10 * rates["RU"]  # the news names Ukraine's places far more often than their share
    assert max(rates, key=rates.__getitem__) == NEWS_COUNTRY  # the country the model's "in_ukraine" stands for
    with_news, without = priors(gazetteer, 0.5)["lookup"], priors(gazetteer, 0.0)["lookup"]
    pokrovsk = gazetteer.get("gn:704422")
    village = next(p for p in gazetteer.places if p.kind == "populated place" and p.population < 300)
    assert pokrovsk is not None and with_news.chance(pokrovsk) > 2 * without.chance(pokrovsk)
    assert without.chance(village) > with_news.chance(village) > without.chance(village) / 2


def test_a_place_keeps_its_split() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from make_training_data import split_of
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    # A stable hash (sha256), not Python's salted hash(): these must never move between runs or machines.
    assert [split_of(ident) for ident in ("gn:704422", "gn:703448", "word:summit")] == ["test", "train", "train"]
    assert {split_of(f"gn:{n}") for n in range(200)} == {"train", "validation", "test"}
