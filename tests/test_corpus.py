"""Batch cleaning through the Python API: formats, nothing lost, atomic writes, workers, the report."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT
from toponyms import Gazetteer, Resolver, corpus
from toponyms.clean import rewrite
from toponyms.atomic import AtomicFile
from toponyms.corpus import (
    Job, Report, aliases_to_gazetteer, clean_file, clean_jobs, iter_records, plan, read_csv,
)  # fmt: skip
from toponyms.extract import scan
from toponyms.yaml_reader import read_places

SEEDS = ROOT / "seeds"
NAMES = ["Artemovsk", "Krasnoarmeysk", "в Бахмуте", "Покровsk", "Dnipropetrovsk", "Kyiv", " ", ", ", "\n", "—"]


def cleaned(resolver: Resolver, text: str) -> str:
    return rewrite(text, scan(text, resolver=resolver).mentions)


# --- JSON Lines -------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
texts = st.lists(st.sampled_from(NAMES) | st.text(max_size=12), max_size=8).map("".join)


@st.composite
def json_records(draw: st.DrawFn) -> tuple[dict, str]:
    others = draw(st.dictionaries(st.text(max_size=6).filter(lambda key: key != "text"), json_values, max_size=4))
    items = list(others.items())
    items.insert(draw(st.integers(0, len(items))), ("text", draw(texts)))
    record = dict(items)
    line = json.dumps(
        record, ensure_ascii=draw(st.booleans()), separators=draw(st.sampled_from([(",", ":"), (", ", ": ")]))
    )
    return record, line


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(json_records(), max_size=6), st.sampled_from(["\n", "\r\n"]))
def test_jsonl_keeps_every_record_and_every_other_field(resolver: Resolver, records: list, newline: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        source, target = Path(folder) / "in.jsonl", Path(folder) / "out.jsonl"
        source.write_bytes("".join(line + newline for _, line in records).encode("utf-8"))
        report = clean_file(source, target, resolver)
        lines = target.read_bytes().split(newline.encode())[:-1]
    assert report.records == len(records) == len(lines) and report.unread == 0
    for (record, line), out in zip(records, lines):
        written = json.loads(out)
        assert list(written) == list(record)  # same keys, same order
        assert {k: v for k, v in written.items() if k != "text"} == {k: v for k, v in record.items() if k != "text"}
        assert written["text"] == cleaned(resolver, record["text"])
        if written["text"] == record["text"]:
            assert out == line.encode("utf-8")  # unchanged records are byte for byte the same


def test_jsonl_splices_only_the_field(resolver: Resolver, tmp_path: Path) -> None:
    line = '{"id": 1,  "text" :"Shelling in Artemovsk" , "n": 1.50, "e": "\\u00e9", "text2": "Artemovsk"}\n'
    source = tmp_path / "a.jsonl"
    source.write_text(line, "utf-8")
    clean_file(source, tmp_path / "b.jsonl", resolver)
    assert (tmp_path / "b.jsonl").read_text("utf-8") == line.replace('"Shelling in Artemovsk"', '"Shelling in Bakhmut"')


def test_jsonl_problems_are_written_through_and_reported(resolver: Resolver, tmp_path: Path) -> None:
    lines = [
        b'{"id": 1, "text": "in Artemovsk"}\n',
        b"{broken\n",
        b'{"id": 3, "text": "bad \xff byte"}\n',
        b'{"id": 4, "body": "no text field"}\n',
        b'{"id": 5, "text": null}\n',
        b'["an", "array"]\n',
        b"\n",
        b'\xef\xbb\xbf{"text": "BOM and Krasnoarmeysk"}',  # no final newline
    ]
    source = tmp_path / "in.jsonl"
    source.write_bytes(b"".join(lines))
    heard: list[tuple[str, str]] = []
    report = clean_file(
        source, tmp_path / "out.jsonl", resolver, warn=lambda where, problem: heard.append((where, problem))
    )
    out = (tmp_path / "out.jsonl").read_bytes().splitlines(keepends=True)
    assert len(out) == len(lines)
    assert out[0] == b'{"id": 1, "text": "in Bakhmut"}\n'
    assert out[1:7] == lines[1:7]
    assert out[7] == '\ufeff{"text": "BOM and Pokrovsk"}'.encode("utf-8")
    assert (report.records, report.unread) == (7, 5)  # the blank line is not a record
    assert [where for where, _ in heard] == [f"{source}:{n}" for n in (2, 3, 4, 5, 6)]
    assert "not valid UTF-8" in heard[1][1] and "no field 'text'" in heard[2][1] and "null" in heard[3][1]
    assert [p["where"] for p in report.as_dict()["problems"]] == [where for where, _ in heard]


# --- plain text -------------------------------------------------------------------------------


def test_text_files_keep_line_endings_and_bom(resolver: Resolver, tmp_path: Path) -> None:
    source = tmp_path / "a.txt"
    source.write_bytes("\ufeffFrom Artemovsk\r\nto Krasnoarmeysk\r\n".encode())
    clean_file(source, tmp_path / "b.txt", resolver)
    assert (tmp_path / "b.txt").read_bytes() == "\ufeffFrom Bakhmut\r\nto Pokrovsk\r\n".encode()


def test_unreadable_text_files_are_copied_unchanged(resolver: Resolver, tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    invalid, binary = b"line one\nArtemovsk \xc3\x28 here\n", b"\x89PNG\r\n\x1a\n\x00\x00Artemovsk"
    (tmp_path / "in" / "invalid.txt").write_bytes(invalid)
    (tmp_path / "in" / "binary.txt").write_bytes(binary)
    heard: list[str] = []
    report = clean_jobs(
        plan([str(tmp_path / "in")], str(tmp_path / "out")), resolver, warn=lambda w, p: heard.append(f"{w}: {p}")
    )
    assert (tmp_path / "out" / "invalid.txt").read_bytes() == invalid
    assert (tmp_path / "out" / "binary.txt").read_bytes() == binary
    assert (report.records, report.unread) == (2, 2)
    assert heard[0].startswith(f"{tmp_path / 'in' / 'binary.txt'}: binary file")
    assert heard[1].startswith(f"{tmp_path / 'in' / 'invalid.txt'}:2: not valid UTF-8")


# --- CSV --------------------------------------------------------------------------------------

cells = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=10)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(cells, texts, cells), max_size=5), st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_csv_round_trip(resolver: Resolver, rows: list, newline: str, final_newline: bool) -> None:
    lines = []
    for row in [("id", "text", "note"), *rows]:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerow(row)  # so that a lone "\r" in a cell is quoted
        lines.append(buffer.getvalue().removesuffix("\r\n") + newline)
    if not final_newline:
        lines[-1] = lines[-1].removesuffix(newline)
    with tempfile.TemporaryDirectory() as folder:
        source, target = Path(folder) / "in.csv", Path(folder) / "out.csv"
        source.write_bytes("".join(lines).encode("utf-8"))
        report = clean_file(source, target, resolver)
        with target.open(newline="", encoding="utf-8") as stream:
            header, *written = list(csv.reader(stream))
    assert header == ["id", "text", "note"]
    assert report.records == len(rows) == len(written) and report.unread == 0
    for (ident, text, note), out in zip(rows, written):
        assert out == [ident, cleaned(resolver, text), note]


def test_csv_problems(resolver: Resolver, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    data = b'text,id\r\n"in Artemovsk, again",1\r\nshort\xff,2\r\n\r\n"Kyiv",3\r\n'
    source.write_bytes(data)
    report = clean_file(source, tmp_path / "out.csv", resolver)
    assert (tmp_path / "out.csv").read_bytes() == data.replace(b"Artemovsk", b"Bakhmut")
    assert (report.records, report.unread) == (3, 1)
    assert report.problems[0]["where"] == f"{source}:3"
    missing = tmp_path / "other.csv"
    missing.write_bytes(b"body,id\nin Artemovsk,1\n")
    report = clean_file(missing, tmp_path / "other.out.csv", resolver, column="text")
    assert (tmp_path / "other.out.csv").read_bytes() == missing.read_bytes()
    assert report.unread == 1 and "no column 'text' in the header (body, id)" in report.problems[0]["problem"]


def test_csv_that_breaks_is_passed_through_a_line_at_a_time(
    resolver: Resolver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(corpus, "MAX_FIELD", 100)
    rest = b"".join(b"%d,in Artemovsk\n" % i for i in range(200))
    data = b'id,text\n1,in Artemovsk\n2,"a stray quote\n' + rest
    source = tmp_path / "in.csv"
    source.write_bytes(data)
    limit = csv.field_size_limit(100)  # process-wide: put back below
    try:
        records = list(read_csv(io.BytesIO(data), "in.csv"))
        report = clean_file(source, tmp_path / "out.csv", resolver)
    finally:
        csv.field_size_limit(limit)
    (problem,) = [r for r in records if r.problem]
    assert problem.problem.startswith("not readable as CSV (field larger than field limit (100)); the rest")
    assert problem.line == 3 and b"".join(r.raw for r in records) == data
    assert max(len(r.raw) for r in records) < 150  # the rest is not read at once
    assert (tmp_path / "out.csv").read_bytes() == data.replace(b"1,in Artemovsk", b"1,in Bakhmut", 1)
    assert (report.records, report.unread) == (2, 1)


# --- folders, plans, atomic writes --------------------------------------------------------------


def test_folders_are_mirrored(resolver: Resolver, tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    (root / "2024" / "05").mkdir(parents=True)
    (root / ".git").mkdir()
    (root / "a.txt").write_text("Artemovsk", "utf-8")
    (root / "2024" / "05" / "b.txt").write_text("Krasnoarmeysk", "utf-8")
    (root / "2024" / "c.jsonl").write_text('{"text": "Dnipropetrovsk"}\n', "utf-8")
    (root / "photo.jpg").write_bytes(b"\xff\xd8")
    (root / ".hidden.txt").write_text("Artemovsk", "utf-8")
    (root / ".git" / "x.txt").write_text("Artemovsk", "utf-8")
    out = root / "cleaned"  # an output folder inside the input is not read as input
    jobs = plan([str(root)], str(out))
    assert [job.target.relative_to(out).as_posix() for job in jobs] == ["a.txt", "2024/c.jsonl", "2024/05/b.txt"]
    clean_jobs(jobs, resolver)
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == [
        "2024",
        "2024/05",
        "2024/05/b.txt",
        "2024/c.jsonl",
        "a.txt",
    ]
    assert (out / "2024" / "05" / "b.txt").read_text("utf-8") == "Pokrovsk"
    assert json.loads((out / "2024" / "c.jsonl").read_text("utf-8")) == {"text": "Dnipro"}
    again = plan([str(root)], str(out))
    assert len(again) == 3  # a second run does not pick up its own output


def test_plans_and_usage_errors(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x", "utf-8")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.txt").write_text("x", "utf-8")
    assert plan([str(tmp_path / "a.txt")], None) == [Job(str(tmp_path / "a.txt"), None, "txt")]
    assert plan(["-"], None, "jsonl") == [Job("-", None, "jsonl")]
    assert plan([str(tmp_path / "a.txt")], str(tmp_path / "d"))[0].target == tmp_path / "d" / "a.txt"
    both = plan([str(tmp_path / "a.txt"), str(tmp_path / "d")], str(tmp_path / "o"))
    assert [job.target for job in both] == [tmp_path / "o" / "a.txt", tmp_path / "o" / "d" / "a.txt"]
    for inputs, out in [([str(tmp_path / "d")], None), ([str(tmp_path / "a.txt")] * 2, str(tmp_path / "o")),
                        ([str(tmp_path / "nope.txt")], None), (["-", str(tmp_path / "a.txt")], str(tmp_path / "o")),
                        ([str(tmp_path / "d")], str(tmp_path / "a.txt"))]:  # fmt: skip
        with pytest.raises(corpus.UsageError):
            plan(inputs, out)


def test_a_failed_write_leaves_no_file_and_the_old_file_intact(
    resolver: Resolver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps({"text": f"Artemovsk {i}"}) + "\n" for i in range(200)), "utf-8")
    writes = 0
    write = AtomicFile.write

    def failing(self: AtomicFile, data: bytes) -> None:
        nonlocal writes
        writes += 1
        if writes == 100:
            raise KeyboardInterrupt  # as if interrupted half way
        write(self, data)

    monkeypatch.setattr(AtomicFile, "write", failing)
    with pytest.raises(KeyboardInterrupt):
        clean_file(source, tmp_path / "new.jsonl", resolver)
    assert not (tmp_path / "new.jsonl").exists()
    (tmp_path / "old.jsonl").write_text("old\n", "utf-8")
    writes = 0
    with pytest.raises(KeyboardInterrupt):
        clean_file(source, tmp_path / "old.jsonl", resolver)
    assert (tmp_path / "old.jsonl").read_text("utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "old.jsonl"]  # no temporary files left


def test_clean_in_place(resolver: Resolver, tmp_path: Path) -> None:
    source = tmp_path / "a.txt"
    source.write_text("Artemovsk", "utf-8")
    source.chmod(0o640)
    clean_file(source, source, resolver)
    assert source.read_text("utf-8") == "Bakhmut" and source.stat().st_mode & 0o777 == 0o640


def test_workers_give_the_same_output(resolver: Resolver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(corpus, "CHUNK_RECORDS", 3)  # many small chunks, to exercise ordering
    root = tmp_path / "in"
    root.mkdir()
    for seed in SEEDS.glob("*.txt"):
        (root / seed.name).write_bytes(seed.read_bytes())
    (root / "bad.txt").write_bytes(b"\xff")
    seeds = [seed.read_text("utf-8") for seed in sorted(SEEDS.glob("*.txt"))]
    lines = [json.dumps({"n": i, "text": seeds[i % 2][: 150 + 40 * i]}, ensure_ascii=False) for i in range(30)]
    (root / "many.jsonl").write_text("\n".join(lines[:15] + ["{bad"] + lines[15:]) + "\n", "utf-8")
    reports = []
    for workers in (1, 2):
        jobs = plan([str(root)], str(tmp_path / f"out{workers}"))
        reports.append(clean_jobs(jobs, resolver, workers=workers).to_json())
    assert reports[0] == reports[1]
    first = sorted((tmp_path / "out1").rglob("*"))
    assert [p.name for p in first] == ["000_047189a6487e69ae.txt", "001_71da09f5de14f462.txt", "bad.txt", "many.jsonl"]
    for path in first:
        assert path.read_bytes() == (tmp_path / "out2" / path.name).read_bytes()


# --- the report ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_report(resolver: Resolver) -> Report:
    return clean_jobs(plan([str(SEEDS)], tempfile.mkdtemp()), resolver)


def test_report_lists_places_and_surface_forms(seed_report: Report) -> None:
    data = seed_report.as_dict()
    pokrovsk = next(place for place in data["places"] if place["id"] == "gn:704422")
    assert (pokrovsk["name"], pokrovsk["country"], pokrovsk["region"]) == ("Pokrovsk", "UA", "Donetsk Oblast")
    assert {"Krasnoarmiysk", "Pokrovsk", "Krasnorozhsk", "Покровsk"} <= set(pokrovsk["forms"])
    assert pokrovsk["mentions"] == sum(pokrovsk["forms"].values()) >= 11
    assert data["places"][0]["id"] == "gn:704422"  # most mentioned first
    assert data["records"] == 2 and data["passed_through_unread"] == 0


def test_report_lists_unresolved_names_with_context(seed_report: Report) -> None:
    unresolved = {entry["text"]: entry for entry in seed_report.as_dict()["unresolved"]}
    assert "Krasnohryshkov" in unresolved  # seeds/001 uses it without pinning it to a place
    entry = unresolved["Krasnohryshkov"]
    assert entry["count"] == 3 and len(entry["contexts"]) == 3
    first = entry["contexts"][0]
    assert first["where"] == f"{SEEDS / '001_71da09f5de14f462.txt'}:6"
    assert "Krasnohryshkov" in first["snippet"] and len(first["snippet"]) <= len("Krasnohryshkov") + 2 * 60 + 2
    assert entry["best"] is None or 0 <= entry["best"]["score"] < 0.5


def test_report_as_json_and_csv(seed_report: Report, tmp_path: Path) -> None:
    seed_report.write(tmp_path / "r.json")
    assert json.loads((tmp_path / "r.json").read_text("utf-8")) == json.loads(seed_report.to_json())
    assert (tmp_path / "r.json").read_bytes() == seed_report.to_json().encode("utf-8")  # written a piece at a time
    seed_report.write(tmp_path / "r.csv")
    assert (tmp_path / "r.csv").read_bytes() == seed_report.to_csv().encode("utf-8")
    rows = list(csv.DictReader((tmp_path / "r.csv").open(encoding="utf-8", newline="")))
    forms = {row["text"]: int(row["count"]) for row in rows if row["section"] == "place" and row["id"] == "gn:704422"}
    assert forms == seed_report.as_dict()["places"][0]["forms"]
    assert any(row["section"] == "unresolved" and row["text"] == "Krasnohryshkov" and row["where"] for row in rows)


def test_mined_aliases_become_a_gazetteer_file(resolver: Resolver, gazetteer: Gazetteer, tmp_path: Path) -> None:
    text = "Ukrainian forces in Krasnopupsk—known in Ukrainian as Pokrovsk—have begun surrendering."
    found = scan(text, resolver=resolver)
    assert [(a.text, a.place.id) for a in found.aliases] == [("Krasnopupsk", "gn:704422")]
    report = Report()
    report.add(found, text, "news/a.txt")
    report.add(found, text, "news/b.jsonl", 7)
    assert [(a["text"], a["id"], a["known"], a["where"]) for a in report.aliases] == [
        ("Krasnopupsk", "gn:704422", "Pokrovsk", "news/a.txt:1"),
        ("Krasnopupsk", "gn:704422", "Pokrovsk", "news/b.jsonl:7"),
    ]
    assert "Krasnopupsk—known in Ukrainian as Pokrovsk" in report.aliases[0]["snippet"]
    extension = tmp_path / "aliases.yaml"
    extension.write_text(aliases_to_gazetteer(report, gazetteer), "utf-8")
    places = read_places(extension, {place.id: place for place in gazetteer})
    learnt = [name for name in places["gn:704422"].names if name.text == "Krasnopupsk"]
    assert [(name.status, name.source) for name in learnt] == [("garbled", "news/a.txt:1")]
    known = Report()
    known.aliases.append({**report.aliases[0], "text": "Krasnorozhsk"})  # already a name of Pokrovsk
    assert "Krasnorozhsk" not in aliases_to_gazetteer(known, gazetteer)


def test_report_merge_equals_adding_in_order(resolver: Resolver) -> None:
    texts = [seed.read_text("utf-8") for seed in sorted(SEEDS.glob("*.txt"))] * 2
    whole, parts = Report(), Report()
    for number, text in enumerate(texts):
        whole.add(scan(text, resolver=resolver), text, f"t{number}")
        part = Report()
        part.add(scan(text, resolver=resolver), text, f"t{number}")
        parts.merge(part)
    assert whole.to_json() == parts.to_json()


def test_a_report_stays_bounded(resolver: Resolver, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(corpus, "MAX_UNRESOLVED", 2)
    monkeypatch.setattr(corpus, "MAX_ALIASES", 1)
    texts = [f"Shelling in Krasnohryshkov, Novobaruzivka and Zolotyshivka ({i})." for i in range(2)]
    texts += ["Fighting in Krasnopupsk—known in Ukrainian as Pokrovsk—and in Krasnoshmupsk (Pokrovsk)."] * 5
    whole, parts = Report(), Report()
    for number, text in enumerate(texts):
        found = scan(text, resolver=resolver)
        whole.add(found, text, f"t{number}")
        part = Report()
        part.add(found, text, f"t{number}")
        parts.merge(part)
    assert whole.to_json() == parts.to_json()
    data = whole.as_dict()
    assert [entry["text"] for entry in data["unresolved"]] == ["Krasnohryshkov", "Novobaruzivka"]
    assert data["unresolved_omitted"] == 2  # Zolotyshivka, twice
    assert [alias["where"] for alias in data["aliases"]] == ["t2:1", "t3:1", "t4:1"]  # the first sightings of one alias
    assert data["aliases_omitted"] == 2 + 5  # two more of it, five of the other


def test_an_input_that_cannot_be_read_is_reported_and_not_written(resolver: Resolver, tmp_path: Path) -> None:
    (record,) = iter_records(tmp_path / "gone.txt")
    assert record.fatal and record.problem.startswith("cannot read")
    (tmp_path / "a.txt").write_text("Artemovsk", "utf-8")
    jobs = [
        Job(str(tmp_path / "gone.txt"), tmp_path / "out" / "gone.txt", "txt"),
        Job(str(tmp_path / "a.txt"), tmp_path / "out" / "a.txt", "txt"),
    ]
    report = clean_jobs(jobs, resolver)
    assert (report.records, report.unread) == (2, 1)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.txt"]


# --- bad input: every record that cannot be read is reported and passed through -----------------


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from([0, 1, 50, 900, 1_000, 5_000, 100_000]), min_size=1, max_size=6), st.booleans())
def test_jsonl_nested_too_deeply_is_reported_and_passed_through(
    resolver: Resolver, depths: list[int], whole: bool
) -> None:
    lines = []
    for number, depth in enumerate(depths):
        if whole:  # the line is an array, or an object with a deep member beside its text
            lines.append(_nested(depth) if depth else json.dumps({"text": f"{number} in Artemovsk"}))
        else:
            lines.append('{"text": "%d in Artemovsk", "deep": %s}' % (number, _nested(depth) or "0"))
    data = ("\n".join(lines) + "\n").encode("utf-8")
    with tempfile.TemporaryDirectory() as folder:
        source, target = Path(folder) / "in.jsonl", Path(folder) / "out.jsonl"
        source.write_bytes(data)
        heard: list[tuple[str, str]] = []
        report = clean_file(source, target, resolver, warn=lambda where, problem: heard.append((where, problem)))
        out = target.read_bytes().decode("utf-8").splitlines()
    assert len(out) == len(lines) and report.records == len(lines)
    for number, (depth, line, written) in enumerate(zip(depths, lines, out), 1):
        problems = [problem for where, problem in heard if where == f"{source}:{number}"]
        if written == line:  # passed through, and reported: too deep, or an array
            assert len(problems) == 1
            assert "nested too deeply" in problems[0] or (whole and "not a JSON object (an array)" in problems[0])
        else:
            assert written == line.replace("Artemovsk", "Bakhmut") and not problems
        if depth >= 5_000:
            assert problems == ["JSON nested too deeply to read; line passed through unchanged"]
    assert report.unread == len(heard)


def test_a_deep_line_is_named_as_such(resolver: Resolver) -> None:
    (record,) = corpus.read_jsonl([b'{"text": "x", "a": ' + _nested(100_000).encode() + b"}\n"], "in.jsonl")
    assert record.problem == "JSON nested too deeply to read; line passed through unchanged"


class Hung(Exception):
    """Not an OSError, which reading an input would take for a file that cannot be read."""


def test_special_files_in_a_folder_are_skipped_unopened(resolver: Resolver, tmp_path: Path) -> None:
    import os
    import signal
    import socket

    root = tmp_path / "in"
    root.mkdir()
    (root / "a.txt").write_text("Shelling in Artemovsk.", "utf-8")
    os.mkfifo(root / "fifo.txt")  # opened for reading, it would wait for a writer for ever
    (root / "null.txt").symlink_to("/dev/null")  # a device (/dev/zero, read whole, would fill the memory)
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(root / "socket.jsonl"))
    previous = signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(Hung("opened the FIFO")))
    signal.alarm(60)
    try:
        heard: list[str] = []
        jobs = plan([str(root)], str(tmp_path / "out"))
        report = clean_jobs(jobs, resolver, warn=lambda where, problem: heard.append(f"{where}: {problem}"))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        listener.close()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.txt"]
    assert (tmp_path / "out" / "a.txt").read_text("utf-8") == "Shelling in Bakhmut."
    assert sorted(heard) == [
        f"{root / 'fifo.txt'}: a named pipe (FIFO), not a regular file; skipped",
        f"{root / 'null.txt'}: a character device, not a regular file; skipped",
        f"{root / 'socket.jsonl'}: a socket, not a regular file; skipped",
    ]
    assert (report.records, report.unread) == (4, 3)


def test_a_named_pipe_named_by_the_user_is_read(tmp_path: Path) -> None:
    import os
    import threading

    fifo = tmp_path / "news.jsonl"
    os.mkfifo(fifo)

    def feed() -> None:
        with open(fifo, "wb") as stream:
            stream.write(b'{"text": "in Artemovsk"}\n')

    writer = threading.Thread(target=feed)
    writer.start()
    (record,) = iter_records(fifo)
    writer.join()
    assert record.text == "in Artemovsk"
    (device,) = iter_records("/dev/null")
    assert device.fatal and device.problem == "a character device, not a regular file; skipped"


def test_a_text_file_past_the_limit_is_passed_through_in_pieces(
    resolver: Resolver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(corpus, "MAX_RECORD", 1000)
    monkeypatch.setattr(corpus, "CHUNK_BYTES", 300)
    big = ("Shelling in Artemovsk.\n" * 200).encode("utf-8")  # 4,600 bytes
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "big.txt").write_bytes(big)
    (tmp_path / "in" / "small.txt").write_bytes(big[:920])
    records = list(iter_records(tmp_path / "in" / "big.txt"))
    assert max(len(record.raw) for record in records) <= 300  # never loaded whole
    assert b"".join(record.raw for record in records) == big
    assert [record.problem for record in records if record.problem] == [
        "larger than 1000 bytes, the limit for a text file; passed through unchanged"
    ]
    streamed = list(corpus._read_text(io.BytesIO(big), "<stdin>"))  # a stream of unknown size: read to the limit
    assert b"".join(record.raw for record in streamed) == big and streamed[0].problem == records[0].problem
    report = clean_jobs(plan([str(tmp_path / "in")], str(tmp_path / "out")), resolver)
    assert (tmp_path / "out" / "big.txt").read_bytes() == big
    assert (tmp_path / "out" / "small.txt").read_bytes() == big[:920].replace(b"Artemovsk", b"Bakhmut")
    assert (report.records, report.unread) == (2, 1)


def test_a_json_line_past_the_limit_is_passed_through_in_pieces(
    resolver: Resolver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(corpus, "MAX_RECORD", 1000)
    monkeypatch.setattr(corpus, "CHUNK_BYTES", 300)
    long = json.dumps({"text": "Artemovsk " * 300}).encode() + b"\n"
    for ending in (b"\n", b""):
        data = b'{"text": "in Artemovsk"}\n' + long + b'{"text": "Artemovsk"}\n' + long.rstrip(b"\n") + ending
        source = tmp_path / "in.jsonl"
        source.write_bytes(data)
        records = list(iter_records(source))
        assert max(len(record.raw) for record in records) <= 1001
        assert b"".join(record.raw for record in records) == data
        assert [(r.line, r.problem) for r in records if r.problem] == [
            (n, "a line longer than 1000 bytes; passed through unchanged") for n in (2, 4)
        ]
        report = clean_file(source, tmp_path / "out.jsonl", resolver)
        assert (tmp_path / "out.jsonl").read_bytes() == data.replace(b"Artemovsk", b"Bakhmut", 1).replace(
            b'{"text": "Artemovsk"}', b'{"text": "Bakhmut"}'
        )
        assert (report.records, report.unread) == (4, 2)


def test_a_csv_row_past_the_limit_passes_the_rest_through(
    resolver: Resolver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(corpus, "MAX_RECORD", 1000)
    data = b"id,text\n1,in Artemovsk\n2," + b"Artemovsk " * 300 + b"\n3,in Artemovsk\n"
    records = list(read_csv(io.BytesIO(data), "in.csv"))
    assert b"".join(record.raw for record in records) == data
    (problem,) = [record for record in records if record.problem]
    assert (problem.line, problem.problem) == (
        3, "not readable as CSV (a row longer than 1000 bytes); the rest of the file is passed through",
    )  # fmt: skip
    assert [record.text for record in records if record.text] == ["in Artemovsk"]


# --- CSV: a stray quote must not swallow the rows below it ------------------------------------

plain_cells = st.text(alphabet=st.sampled_from("ab ,.Kyiv\"'"), max_size=6)
csv_rows = st.lists(st.tuples(st.integers(0, 99).map(str), texts, plain_cells), min_size=2, max_size=8)


def _csv_line(row: tuple[str, ...] | list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(row)
    return buffer.getvalue().removesuffix("\r\n") + "\n"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(csv_rows, st.data())
def test_csv_with_a_stray_quote_swallows_no_row(resolver: Resolver, rows: list, data: st.DataObject) -> None:
    rows = [row for row in rows if "\n" not in row[1] and "\r" not in row[1]] or [("1", "Artemovsk", "x")] * 2
    lines = [_csv_line(("id", "text", "note")), *(_csv_line(row) for row in rows)]
    stray = data.draw(st.integers(1, len(rows)), label="row")
    cell = data.draw(st.integers(0, 2), label="cell")
    cells = lines[stray].removesuffix("\n").split(",")  # where the cells start, near enough: a quote there
    at = sum(len(part) + 1 for part in cells[: min(cell, len(cells) - 1)])
    lines[stray] = lines[stray][:at] + '"' + lines[stray][at:]
    with tempfile.TemporaryDirectory() as folder:
        source, target = Path(folder) / "in.csv", Path(folder) / "out.csv"
        source.write_bytes("".join(lines).encode("utf-8"))
        report = clean_file(source, target, resolver)
        out = [line + "\n" for line in target.read_bytes().decode("utf-8").split("\n")[:-1]]
    wheres = {problem["where"] for problem in report.problems}
    lenient = csv.reader(io.StringIO("".join(lines[stray:]), newline=""))
    next(lenient)
    if lenient.line_num > 1:  # read as CSV allows, the quote would swallow what follows: it is reported
        assert f"{source}:{stray + 1}" in wheres
    if f"{source}:{stray + 1}" in wheres:
        assert out[stray] == lines[stray]  # and passed through
    assert len(out) == len(lines)  # each row kept to its own line; those below cleaned as they would be alone
    for number, (row, line, written) in enumerate(zip(rows, lines[1:], out[1:]), 1):
        if number == stray:
            continue
        if f"{source}:{number + 1}" in wheres:
            assert written == line
        else:
            text = cleaned(resolver, row[1])
            assert written == (line if text == row[1] else _csv_line((row[0], text, row[2])))


def test_csv_stray_quotes_are_reported_and_reading_goes_on(resolver: Resolver, tmp_path: Path) -> None:
    data = (
        b"id,text,n\n"
        b'1,"in Artemovsk,5\n'  # runs on to the quote two lines below, which a comma does not follow
        b"2,in Krasnoarmeysk,6\n"
        b'3,"Artemovsk, again",7\n'
        b'4,"from Artemovsk,8\n'  # likewise, one line below
        b'5,"Kyiv" said,9\n'  # not CSV on its own either
        b'6,"to Artemovsk,10\n'  # closed at the end of the line below, into a row of two cells
        b'7,Artemovsk,11"\n'  # alone, a row of three (the quote a character of its last cell)
        b'8,"a quoted\nline break, Artemovsk",12\n'  # a cell over two lines, as CSV allows
        b'9,"last Artemovsk,13\n'  # never closed
        b"10,Artemovsk,14\n"
    )
    source = tmp_path / "in.csv"
    source.write_bytes(data)
    report = clean_file(source, tmp_path / "out.csv", resolver)
    problems = [(p["where"].rsplit(":", 1)[1], p["problem"].removesuffix("; line passed through unchanged"))
                for p in report.problems]  # fmt: skip
    assert problems == [
        ("2", "a stray quote? (a quoted cell runs over 3 lines and then breaks (',' expected after '\"'))"),
        ("5", "a stray quote? (a quoted cell runs over 2 lines and then breaks (',' expected after '\"'))"),
        ("6", "not readable as CSV (',' expected after '\"')"),
        ("7", "a stray quote? (a quoted cell runs over 2 lines into a row of 2 cells, the header has 3)"),
        ("11", "a stray quote? (a quote that is never closed)"),
    ]
    assert (tmp_path / "out.csv").read_bytes().splitlines(keepends=True) == [
        b"id,text,n\n", b'1,"in Artemovsk,5\n', b"2,in Pokrovsk,6\n", b'3,"Bakhmut, again",7\n',
        b'4,"from Artemovsk,8\n', b'5,"Kyiv" said,9\n', b'6,"to Artemovsk,10\n', b'7,Bakhmut,"11"""\n',
        b'8,"a quoted\n', b'line break, Bakhmut",12\n', b'9,"last Artemovsk,13\n', b"10,Bakhmut,14\n",
    ]  # fmt: skip
    assert (report.records, report.unread) == (10, 5)


# --- writing: a full disk, a folder that cannot be written ---------------------------------------


def test_a_full_disk_leaves_no_temporary_file(
    resolver: Resolver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import os

    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps({"text": f"Artemovsk {i}"}) + "\n" for i in range(2000)), "utf-8")
    (tmp_path / "old.jsonl").write_text("old\n", "utf-8")
    written: list[int] = []  # bytes the disk took, then -1 for each write refused

    class Full(io.FileIO):  # a disk that fills after 20 KB
        def write(self, data: Any) -> int:
            if sum(n for n in written if n > 0) + len(data) > 20_000:
                written.append(-1)
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            written.append(len(data))
            return super().write(data)

    fdopen = os.fdopen
    monkeypatch.setattr(os, "fdopen", lambda fd, mode="r", *a, **k: (
        io.BufferedWriter(Full(fd, "wb")) if mode == "wb" else fdopen(fd, mode, *a, **k)
    ))  # fmt: skip
    for target in ("new.jsonl", "old.jsonl"):
        written.clear()
        with pytest.raises(corpus.WriteError, match=f"cannot write .*{target}: No space left on device"):
            clean_file(source, tmp_path / target, resolver)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "old.jsonl"]  # no temporary file
        assert (tmp_path / "old.jsonl").read_text("utf-8") == "old\n"
        assert written.count(-1) == 1 and written[-1] == -1  # the buffer was not flushed again on the way out


def test_a_failure_at_the_last_flush_or_the_rename_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import os

    steps: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda handle: (steps.append("fsync"), real_fsync(handle))[1])
    monkeypatch.setattr(os, "replace", lambda *paths: (steps.append("replace"), real_replace(*paths))[1])
    with AtomicFile(tmp_path / "a.txt") as sink:
        sink.write(b"x" * 100)
    assert steps == ["fsync", "replace"] and (tmp_path / "a.txt").read_bytes() == b"x" * 100

    def no_room(*_: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    for step in ("fsync", "replace"):
        with monkeypatch.context() as patch:
            patch.setattr(os, step, no_room)
            with pytest.raises(corpus.WriteError, match="cannot write .*b.txt: No space left on device"):
                with AtomicFile(tmp_path / "b.txt") as sink:
                    sink.write(b"y" * 100)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]
    with pytest.raises(corpus.WriteError, match="cannot write .*a.txt/c.txt: File exists"):
        AtomicFile(tmp_path / "a.txt" / "c.txt")  # a folder that cannot be made


def test_a_folder_whose_outputs_cannot_all_be_put_in_place(
    resolver: Resolver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import os

    (tmp_path / "in").mkdir()
    for number in range(40):
        (tmp_path / "in" / f"{number:02}.txt").write_text(f"Artemovsk {number}", "utf-8")
    real_fsync = os.fsync

    def fsync(handle: int) -> None:  # one file meets a full disk as it is synced, in the background
        if os.readlink(f"/proc/self/fd/{handle}").rsplit("/", 1)[1].startswith(".17.txt."):
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(handle)

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(corpus.WriteError, match="cannot write .*17.txt: No space left on device"):
        clean_jobs(plan([str(tmp_path / "in")], str(tmp_path / "out")), resolver)
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert "17.txt" not in written and not [name for name in written if name.startswith(".")]  # no temporary file
    assert all((tmp_path / "out" / name).read_text("utf-8").startswith("Bakhmut") for name in written)


def test_a_report_with_names_that_are_not_utf8(resolver: Resolver, tmp_path: Path) -> None:
    import os

    root = tmp_path / "in"
    root.mkdir()
    name = os.fsdecode(b"caf\xe9 \xff.txt")  # as Python reads such a name from the folder
    (root / name).write_bytes("Fighting in Krasnopupsk—known in Ukrainian as Pokrovsk—and Krasnohryshkov.".encode())
    (root / os.fsdecode(b"bad\xe9.jsonl")).write_bytes(b'{"text": "\xff"}\n{"text": "a \\udc80 Artemovsk"}\n')
    report = clean_jobs(plan([str(root)], str(tmp_path / "out")), resolver)
    assert (tmp_path / "out" / name).exists()
    for kind in ("json", "csv"):
        report.write(tmp_path / f"r.{kind}")
        text = (tmp_path / f"r.{kind}").read_bytes().decode("utf-8")  # valid UTF-8
        assert "caf\\xe9 \\xff.txt" in text.replace("\\\\", "\\")
    data = json.loads((tmp_path / "r.json").read_text("utf-8"))
    assert data["problems"][0]["where"] == f"{root}/bad\\xe9.jsonl:1"
    assert data["aliases"][0]["where"] == f"{root}/caf\\xe9 \\xff.txt:1"
    assert "caf\\xe9 \\xff.txt:1" in aliases_to_gazetteer(report, resolver.gazetteer).replace("\\\\", "\\")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.binary(min_size=1, max_size=20).filter(lambda name: b"/" not in name and b"\0" not in name
                                                          and not name.startswith(b".")),
                min_size=1, max_size=4, unique=True))  # fmt: skip
def test_any_file_name_is_reported_as_valid_utf8(resolver: Resolver, names: list[bytes]) -> None:
    import os

    with tempfile.TemporaryDirectory() as folder:
        root = os.path.join(os.fsencode(folder), b"in")
        os.mkdir(root)
        for name in names:
            with open(os.path.join(root, name + b".jsonl"), "wb") as stream:
                stream.write(b'{"text": "Fighting in Krasnopupsk\\u2014known in Ukrainian as Pokrovsk."}\n')
                stream.write(b'{"text": 1}\n')
        report = clean_jobs(plan([os.fsdecode(root)], os.path.join(folder, "out")), resolver)
        for kind in ("json", "csv"):
            report.write(Path(folder) / f"r.{kind}")
            (Path(folder) / f"r.{kind}").read_bytes().decode("utf-8")  # valid UTF-8, whatever the names
        data = json.loads((Path(folder) / "r.json").read_text("utf-8"))
        aliases = aliases_to_gazetteer(report, resolver.gazetteer).encode("utf-8")  # encodes
    expected = sorted(corpus.shown(os.path.join(os.fsdecode(root), os.fsdecode(name + b".jsonl"))) for name in names)
    assert sorted(problem["where"].rsplit(":", 1)[0] for problem in data["problems"]) == expected
    sightings = [alias["where"].rsplit(":", 1)[0] for alias in data["aliases"]]
    assert set(sightings) <= set(expected) and len(sightings) == min(len(names), corpus.CONTEXTS)
    assert aliases.count(b"status: garbled") == 1
