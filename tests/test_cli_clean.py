"""`toponyms clean` and `toponyms find` through a real subprocess: files, stdin/stdout, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT

SEEDS = ROOT / "seeds"


def run(*args: str, stdin: bytes | str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
    # Run elsewhere, the command imports this source tree all the same, as it does run from here.
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    return subprocess.run(
        [sys.executable, "-m", "toponyms", *args], input=data, capture_output=True, timeout=120, cwd=cwd,
        env=environment if cwd is not None else None,
    )  # fmt: skip


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


# --- bad input, and outputs that cannot be written ------------------------------------------------


def _limit_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))  # reading /dev/zero whole ends here


def test_bad_input_in_a_folder_is_reported_and_the_run_completes(tmp_path: Path) -> None:
    import os

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.jsonl").write_text(
        '{"text": "in Artemovsk"}\n{"text": "x", "deep": ' + "[" * 5000 + "]" * 5000 + '}\n{"text": "Krasnoarmeysk"}\n',
        "utf-8",
    )
    (corpus / "b.csv").write_text('id,text\n1,"in Artemovsk\n2,in Krasnoarmeysk\n', "utf-8")
    os.mkfifo(corpus / "x.txt")
    (corpus / "zero.txt").symlink_to("/dev/zero")
    command = [sys.executable, "-m", "toponyms", "clean", str(corpus), "--out", str(tmp_path / "out")]
    done = subprocess.run(command, capture_output=True, timeout=120, preexec_fn=_limit_memory)  # no hang, no flood
    err = done.stderr.decode()
    assert done.returncode == 1, err
    assert f"{corpus / 'a.jsonl'}:2: JSON nested too deeply to read; line passed through unchanged" in err
    assert f"{corpus / 'b.csv'}:2: a stray quote? (a quote that is never closed); line passed through unchanged" in err
    assert f"{corpus / 'x.txt'}: a named pipe (FIFO), not a regular file; skipped" in err
    assert f"{corpus / 'zero.txt'}: a character device, not a regular file; skipped" in err
    assert err.strip().splitlines()[-1] == "toponyms: 7 records, 4 passed through unread"
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == ["a.jsonl", "b.csv"]
    assert (out / "a.jsonl").read_text("utf-8").splitlines()[::2] == ['{"text": "in Bakhmut"}', '{"text": "Pokrovsk"}']
    assert (out / "b.csv").read_text("utf-8") == 'id,text\n1,"in Artemovsk\n2,in Pokrovsk\n'
    found = run("find", str(corpus / "a.jsonl"), "--json")
    assert found.returncode == 1 and "nested too deeply" in found.stderr.decode()
    assert [json.loads(line)["name"] for line in found.stdout.decode().splitlines()] == ["Bakhmut", "Pokrovsk"]


def test_a_report_naming_an_input_or_an_output_is_refused_before_anything_is_read(tmp_path: Path) -> None:
    import os

    (tmp_path / "a.csv").write_text("id,text\n1,in Artemovsk\n", "utf-8")
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "b.csv").write_text("id,text\n1,in Artemovsk\n", "utf-8")
    (tmp_path / "cleaned").mkdir()
    (tmp_path / "link.csv").symlink_to(tmp_path / "a.csv")
    os.link(tmp_path / "a.csv", tmp_path / "hard.csv")
    (tmp_path / "sub").mkdir()
    before = {path: (path.read_bytes(), path.stat().st_mtime_ns) for path in tmp_path.rglob("*.csv")}
    to_o = ("a.csv", "--out", "o.csv")
    for args, message in [
        ((*to_o, "--report", "a.csv"), "--report a.csv is the input a.csv: it would be overwritten"),
        ((*to_o, "--report", "o.csv"), "--report o.csv is the output o.csv"),
        ((*to_o, "--aliases-out", "./sub/../a.csv"), "--aliases-out ./sub/../a.csv is the input a.csv: it would"),
        ((*to_o, "--aliases-out", "o.csv"), "--aliases-out o.csv is the output o.csv"),
        ((*to_o, "--report", "link.csv"), "--report link.csv is the input a.csv: it would be overwritten"),
        ((*to_o, "--report", "hard.csv"), "--report hard.csv is the input a.csv: it would be overwritten"),
        (("link.csv", "--out", "o.csv", "--report", f"{tmp_path}/a.csv"), f"--report {tmp_path}/a.csv is the input"),
        (("a.csv", "--report", "r.csv", "--aliases-out", "./r.csv"), "--report r.csv and --aliases-out ./r.csv are"),
        (("corpus", "--out", "cleaned", "--report", "corpus/b.csv"), "--report corpus/b.csv is the input corpus/b.csv"),
        (("corpus", "--out", "cleaned", "--report", "cleaned/b.csv"), "--report cleaned/b.csv is the output cleaned/"),
        (("corpus", "--out", "cleaned", "--report", "cleaned"), "--report cleaned: name a .json or .csv file"),
        (("corpus", "--out", "cleaned", "--aliases-out", "cleaned"), "--aliases-out cleaned is a folder; name a file"),
        (("a.csv", "--out", "a.csv", "--report", "hard.csv"), "--report hard.csv is the input a.csv"),  # in place
    ]:
        done = run("clean", *args, cwd=tmp_path)
        assert done.returncode == 2, (args, done.stderr)
        assert done.stderr.decode().startswith(f"toponyms: {message}"), (args, done.stderr)
    after = {path: (path.read_bytes(), path.stat().st_mtime_ns) for path in tmp_path.rglob("*.csv")}
    assert after == before  # nothing written, nothing new
    assert list((tmp_path / "cleaned").iterdir()) == []


def _mount_tmpfs(folder: Path, options: str) -> bool:
    """A small tmpfs at ``folder`` (root only); False where this machine does not allow it."""
    import shutil

    folder.mkdir()
    if shutil.which("mount") is None or sys.platform != "linux":
        return False
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True)
    return done.returncode == 0


def test_a_full_disk_exits_3_and_leaves_nothing_behind(tmp_path: Path) -> None:
    full = tmp_path / "full"
    if not _mount_tmpfs(full, "size=64k"):
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        lines = [json.dumps({"id": i, "text": f"Shelling in Artemovsk, day {i}."}) for i in range(3000)]
        (tmp_path / "big.jsonl").write_text("\n".join(lines) + "\n", "utf-8")  # about 150 KB
        (tmp_path / "small.jsonl").write_text("\n".join(lines[:5]) + "\n", "utf-8")
        for args in [
            ("clean", str(tmp_path / "big.jsonl"), "--out", str(full / "out.jsonl")),
            ("clean", str(tmp_path / "big.jsonl"), "--out", str(full / "out.jsonl"), "--workers", "2"),
        ]:
            done = run(*args)
            err = done.stderr.decode()
            assert done.returncode == 3, err
            assert f"cannot write {full / 'out.jsonl'}: No space left on device; output files not finished" in err
            assert list(full.iterdir()) == []  # no temporary file: the disk is free again
            assert os_statvfs_free(full) >= 60 * 1024
        with open(full / "filler", "wb", buffering=0) as filler:  # fill the disk: the report cannot be written
            with pytest.raises(OSError):
                while True:
                    filler.write(b"x" * 4096)
        done = run("clean", str(tmp_path / "big.jsonl"), "--out", str(tmp_path / "out.jsonl"),
                   "--report", str(full / "r.json"))  # fmt: skip
        assert done.returncode == 3 and "No space left on device" in done.stderr.decode()
        assert [p.name for p in full.iterdir()] == ["filler"] and (tmp_path / "out.jsonl").exists()
        (full / "filler").unlink()
        (full / "keep.jsonl").write_text("old\n", "utf-8")
        done = run("clean", str(tmp_path / "big.jsonl"), "--out", str(full / "keep.jsonl"))
        assert done.returncode == 3 and (full / "keep.jsonl").read_text("utf-8") == "old\n"
        assert [p.name for p in full.iterdir()] == ["keep.jsonl"]
        done = run("clean", str(tmp_path / "small.jsonl"), "--out", str(full / "small.jsonl"))  # room for that
        assert done.returncode == 0 and "Bakhmut" in (full / "small.jsonl").read_text("utf-8")
    finally:
        subprocess.run(["umount", str(full)], check=True)


def os_statvfs_free(folder: Path) -> int:
    import os

    stats = os.statvfs(folder)
    return stats.f_bavail * stats.f_frsize


def test_an_output_folder_that_cannot_be_written_exits_3(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("in Artemovsk", "utf-8")
    (tmp_path / "file").write_text("", "utf-8")
    done = run("clean", str(tmp_path / "a.txt"), "--out", str(tmp_path / "file" / "a.txt"))
    assert done.returncode == 3 and "cannot write" in done.stderr.decode() and "Traceback" not in done.stderr.decode()
    readonly = tmp_path / "ro"
    if not _mount_tmpfs(readonly, "size=64k,ro"):
        pytest.skip("cannot mount a read-only tmpfs here (needs root)")
    try:
        done = run("clean", str(tmp_path / "a.txt"), "--out", str(readonly / "a.txt"))
        err = done.stderr.decode()
        assert done.returncode == 3, err
        assert f"toponyms: cannot write {readonly / 'a.txt'}: Read-only file system" in err
    finally:
        subprocess.run(["umount", str(readonly)], check=True)


def test_names_that_are_not_utf8_are_shown_escaped(tmp_path: Path) -> None:
    import os

    corpus = os.path.join(os.fsencode(tmp_path), b"corpus")
    os.mkdir(corpus)
    with open(os.path.join(corpus, b"caf\xe9.jsonl"), "wb") as stream:
        stream.write(b'{"text": "in Artemovsk"}\n{"text": "\xff"}\n')
    with open(os.path.join(corpus, b"\xff.txt"), "wb") as stream:
        stream.write("Fighting in Krasnopupsk—known in Ukrainian as Pokrovsk—went on.".encode())
    shown = f"{tmp_path}/corpus/caf\\xe9.jsonl"
    done = run("clean", os.fsdecode(corpus), "--out", str(tmp_path / "out"), "--report", str(tmp_path / "r.json"),
               "--aliases-out", str(tmp_path / "a.yaml"))  # fmt: skip
    err = done.stderr.decode("utf-8")  # valid UTF-8
    assert done.returncode == 1, err
    assert f"toponyms: {shown}:2: not valid UTF-8" in err
    report = json.loads((tmp_path / "r.json").read_text("utf-8"))
    assert report["problems"][0]["where"] == f"{shown}:2"
    assert report["aliases"][0]["where"] == f"{tmp_path}/corpus/\\xff.txt:1"
    (place,) = yaml.safe_load((tmp_path / "a.yaml").read_text("utf-8"))["places"]
    assert place["names"][0]["source"] == f"{tmp_path}/corpus/\\xff.txt:1"
    assert os.path.exists(os.path.join(os.fsencode(tmp_path), b"out", b"caf\xe9.jsonl"))
    for environment in ({}, {"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0"}):  # C: stdout escapes surrogates
        found = subprocess.run(
            [sys.executable, "-m", "toponyms", "find", os.fsdecode(corpus), "--json"], capture_output=True,
            timeout=120, env={**os.environ, **environment},
        )  # fmt: skip
        assert found.returncode == 1
        lines = found.stdout.decode("utf-8").splitlines()  # valid UTF-8
        assert [json.loads(line)["where"] for line in lines][:2] == [f"{shown}:1", f"{tmp_path}/corpus/\\xff.txt:1"]
        table = subprocess.run(
            [sys.executable, "-m", "toponyms", "find", os.fsdecode(corpus)], capture_output=True, timeout=120,
            env={**os.environ, **environment},
        )  # fmt: skip
        assert f"{shown}:1" in table.stdout.decode("utf-8")
