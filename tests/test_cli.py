import json
import subprocess
import sys
from pathlib import Path


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "toponyms", *args], input=stdin, capture_output=True, text=True, timeout=120
    )


def test_lookup_prints_a_table_of_candidates() -> None:
    done = run("lookup", "Krasnoarmeysk")
    assert done.returncode == 0, done.stderr
    header, first, *_ = done.stdout.splitlines()
    assert header.split()[:4] == ["name", "kind", "region", "country"]
    assert first.startswith("Pokrovsk") and "Donetsk Oblast" in first and "exact" in first


def test_lookup_json_for_scripts() -> None:
    done = run("lookup", "Покровsk", "--json", "--limit", "2")
    assert done.returncode == 0, done.stderr
    records = json.loads(done.stdout)
    assert 1 <= len(records) <= 2
    assert records[0]["geonameid"] == 704422
    assert set(records[0]) >= {"id", "name", "kind", "region", "country", "score", "method", "matched"}


def test_lookup_scores_by_the_model_when_asked() -> None:
    from toponyms import Resolver

    resolver = Resolver()
    resolver.scoring = "model"
    expected = [(m.place.id, m.score) for m in resolver.candidates("Pokrovsk", limit=3)]
    done = run("lookup", "Pokrovsk", "--scoring", "model", "--json", "--limit", "3")
    assert done.returncode == 0, done.stderr
    assert [(record["id"], record["score"]) for record in json.loads(done.stdout)] == expected
    why = run("lookup", "Pokrovsk", "--scoring", "model", "--explain")
    assert "scored by the model" in why.stdout, why.stdout
    assert run("lookup", "Pokrovsk", "--scoring", "guess").returncode == 2


def test_lookup_into_a_closed_pipe_says_nothing() -> None:
    command = f"{sys.executable} -m toponyms lookup Bakhmut --json --limit 5 | head -c 1"
    done = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=120)
    assert done.stdout == "["
    assert done.stderr == "", done.stderr


def test_lookup_country_hint() -> None:
    done = run("lookup", "Pokrovsk", "--country", "RU", "--json", "--limit", "1")
    assert json.loads(done.stdout)[0]["country"] == "RU"


def test_lookup_region_hint() -> None:
    done = run("lookup", "Pokrovske", "--region", "Luhansk Oblast", "--json", "--limit", "1")
    assert json.loads(done.stdout)[0]["region"] == "Luhansk Oblast"
    alone = run("lookup", "Pokrovske", "--json", "--limit", "1")
    assert json.loads(alone.stdout)[0]["region"] != "Luhansk Oblast"
    unknown = run("lookup", "Pokrovske", "--region", "Luhansk")
    assert unknown.returncode == 2
    assert "'Luhansk'" in unknown.stderr and "Traceback" not in unknown.stderr


def test_lookup_exit_1_when_not_found() -> None:
    done = run("lookup", "Pushilin")
    assert done.returncode == 1
    assert "no place found" in done.stderr or done.stdout


def test_usage_errors_exit_2() -> None:
    assert run("lookup").returncode == 2
    assert run("lookup", "Kyiv", "--limit", "zero").returncode == 2
    assert run("frobnicate").returncode == 2


def test_malformed_gazetteer_is_reported_with_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("places:\n  - id: x\n    name: X\n", "utf-8")
    done = run("--gazetteer", str(bad), "lookup", "X")
    assert done.returncode == 2
    assert f"{bad}:2: entry 1 (id 'x'): missing field(s)" in done.stderr


def test_gazetteer_files_add_names_to_the_bundled_gazetteer(tmp_path: Path) -> None:
    extra = tmp_path / "extra.yaml"
    extra.write_text("places:\n  - id: gn:704422\n    names:\n      - {name: Zhovtopupsk, status: garbled}\n", "utf-8")
    assert run("lookup", "Zhovtopupsk").returncode == 1
    done = run("--gazetteer", str(extra), "lookup", "Zhovtopupsk", "--json", "--limit", "1")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)[0]["geonameid"] == 704422
    # Alone, an extension file has no places of its own to extend.
    alone = run("--no-bundled", "--gazetteer", str(extra), "lookup", "Zhovtopupsk")
    assert alone.returncode == 2 and "missing field(s)" in alone.stderr


def test_an_unknown_country_is_a_usage_error_before_any_input_is_read(tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text("Shelling in Krasnoarmeysk.", "utf-8")
    for command in (["lookup", "Pokrovsk"], ["find", str(article)], ["clean", str(article), "--out", str(tmp_path / "out")]):
        done = run(*command, "--country", "zz")
        assert done.returncode == 2, done.stderr
        assert "'zz'" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()
