"""`toponyms clean` and `toponyms find` through a real subprocess: files, stdin/stdout, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

SEEDS = ROOT / "seeds"


def run(*args: str, stdin: bytes | str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
    return subprocess.run(
        [sys.executable, "-m", "toponyms", *args], input=data, capture_output=True, timeout=120, cwd=cwd
    )


def test_clean_stdin_to_stdout() -> None:
    done = run("clean", "-", stdin="Shelling in Artemovsk and Krasnoarmeysk.\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout == b"Shelling in Bakhmut and Pokrovsk.\n"
    assert done.stderr.decode().strip().endswith("1 records, 0 passed through unread")


def test_clean_annotate_style_and_a_single_file_to_stdout(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Shelling in Artemovsk.", "utf-8")
    done = run("clean", str(tmp_path / "a.txt"), "--style", "annotate")
    assert (done.returncode, done.stdout) == (0, "Shelling in Artemovsk [Bakhmut].".encode())


def test_clean_jsonl_stdin_with_a_broken_line_exits_1() -> None:
    lines = ['{"id": 1, "text": "in Artemovsk"}', "{not json", '{"id": 3, "text": "Kyiv"}']
    done = run("clean", "-", "--format", "jsonl", stdin="\n".join(lines) + "\n")
    assert done.returncode == 1
    assert done.stdout.decode().splitlines() == [
        '{"id": 1, "text": "in Bakhmut"}',
        "{not json",
        '{"id": 3, "text": "Kyiv"}',
    ]
    err = done.stderr.decode()
    assert "<stdin>:2: not a JSON object" in err
    assert err.strip().splitlines()[-1] == "toponyms: 3 records, 1 passed through unread"


def test_clean_a_folder_with_report_and_aliases(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for seed in SEEDS.glob("*.txt"):
        (corpus / seed.name).write_bytes(seed.read_bytes())
    (corpus / "feed.jsonl").write_text(
        json.dumps({"url": "u", "text": "Fighting in Krasnopupsk—known in Ukrainian as Pokrovsk—went on."}) + "\n",
        "utf-8",
    )
    (corpus / "broken.txt").write_bytes(b"Artemovsk \xff")
    out, report, aliases = tmp_path / "out", tmp_path / "report.json", tmp_path / "aliases.yaml"
    done = run(
        "clean",
        str(corpus),
        "--out",
        str(out),
        "--report",
        str(report),
        "--aliases-out",
        str(aliases),
        "--workers",
        "2",
    )
    assert done.returncode == 1, done.stderr  # broken.txt was passed through
    assert "broken.txt:1: not valid UTF-8" in done.stderr.decode()
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in corpus.iterdir())
    assert (out / "broken.txt").read_bytes() == b"Artemovsk \xff"
    assert "Krasnorozhsk" not in (out / "001_71da09f5de14f462.txt").read_text("utf-8")
    data = json.loads(report.read_text("utf-8"))
    assert (data["records"], data["passed_through_unread"]) == (4, 1)
    pokrovsk = next(place for place in data["places"] if place["name"] == "Pokrovsk" and place["country"] == "UA")
    assert {"Krasnoarmiysk", "Pokrovsk", "Krasnorozhsk", "Покровsk"} <= set(pokrovsk["forms"])
    assert any(entry["text"] == "Krasnohryshkov" for entry in data["unresolved"])
    assert [(a["text"], a["name"], a["where"]) for a in data["aliases"]] == [
        ("Krasnopupsk", "Pokrovsk", f"{corpus / 'feed.jsonl'}:1")
    ]
    assert "{name: Krasnopupsk, status: garbled, source:" in aliases.read_text("utf-8")


def test_clean_csv_with_report_as_csv(tmp_path: Path) -> None:
    (tmp_path / "in.csv").write_text('id,body\n1,"From Artemovsk, north"\n', "utf-8")
    done = run("clean", str(tmp_path / "in.csv"), "--column", "body", "--out", str(tmp_path / "out.csv"),
               "--report", str(tmp_path / "r.csv"))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out.csv").read_text("utf-8") == 'id,body\n1,"From Bakhmut, north"\n'
    assert "place,gn:713174,Bakhmut" in (tmp_path / "r.csv").read_text("utf-8")


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Kyiv", "utf-8")
    a = str(tmp_path / "a.txt")
    for args in [
        ("clean", str(tmp_path)),  # a folder needs --out
        ("clean", a, a),  # several inputs need --out
        ("clean", str(tmp_path / "missing.txt")),
        ("clean", a, "--report", str(tmp_path / "r.txt")),
        ("clean", a, "--workers", "-1"),
        ("clean", "-", "--format", "xml"),
        ("find", str(tmp_path / "missing.txt")),
    ]:
        done = run(*args)
        assert done.returncode == 2, (args, done.stderr)
        assert done.stderr.startswith(b"usage:") or done.stderr.startswith(b"toponyms: "), done.stderr
    assert not (tmp_path / "r.txt").exists()


def test_find_prints_a_table_and_json_lines(tmp_path: Path) -> None:
    seed = SEEDS / "001_71da09f5de14f462.txt"
    done = run("find", str(seed))
    assert done.returncode == 0, done.stderr
    header, *rows = done.stdout.decode().splitlines()
    assert header.split() == ["where", "start", "end", "text", "name", "kind", "country", "score", "method"]
    # the first mention: Donetsk in "the Donetsk People’s Republic" (line 1) is no place
    assert rows[0].split()[:5] == [f"{seed}:1", "158", "170", "Krasnorozhsk", "Pokrovsk"]
    (tmp_path / "a.jsonl").write_text('{"text": "x"}\n{"text": "to Artemovsk"}\n', "utf-8")
    done = run("find", str(tmp_path / "a.jsonl"), "--json")
    (found,) = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert found["where"] == f"{tmp_path / 'a.jsonl'}:2" and (found["start"], found["end"]) == (3, 12)
    assert (found["text"], found["name"], found["kind"], found["country"], found["method"]) == (
        "Artemovsk", "Bakhmut", "populated place", "UA", "exact",
    )  # fmt: skip
    assert 0.5 <= found["score"] <= 1
