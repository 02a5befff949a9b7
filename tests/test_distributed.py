"""Cleaning on engines: a real Dask LocalCluster gives what one process gives; resolvers travel by reference."""

from __future__ import annotations

import json
import os
import pickle
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import cloudpickle
import dask.bag as db
import dask.dataframe as dd
import pandas as pd
import pytest
from dask.distributed import Client, LocalCluster

from conftest import ROOT
from toponyms import Gazetteer, Name, Place, Resolver, clean, find
from toponyms.corpus import mention_fields
from toponyms.distributed import clean_frames, clean_partition, clean_records, clean_texts, find_records
from toponyms.extract import extractor_for
from toponyms.resolve import default_resolver, shared_resolver
from toponyms.yaml_reader import GazetteerError

SMALL = """places:
  - {id: x:1, name: Pokrovsk, kind: populated place, country: UA, lat: 48.28, lon: 37.18, names: [%s]}
"""
NAMES = [
    "Artemovsk",
    "Krasnoarmeysk",
    "в Бахмуте",
    "Покровsk",
    "Dnipropetrovsk",
    "під Покровськом",
    "Kyiv",
    "Mirnograd",
]


def texts() -> list[str]:
    """The seed articles' lines and a few made-up ones."""
    lines = [line for path in sorted((ROOT / "seeds").glob("*.txt")) for line in path.read_text("utf-8").splitlines()]
    made = [f"Day {i}: shelling near {NAMES[i % 8]} and {NAMES[(3 * i + 1) % 8]}, {i} km away." for i in range(40)]
    return [line for line in lines if line.strip()] + made


def records() -> list[dict]:
    """The texts as records, and two with no text to clean."""
    found: list[dict] = [{"id": i, "text": text} for i, text in enumerate(texts())]
    return [*found[:10], {"id": -1, "text": None}, *found[10:], {"id": -2, "body": "Artemovsk"}]


def expected_mentions() -> list[dict]:
    """What ``find_records`` gives for ``records()``, made with ``find`` in this process."""
    return [
        {"record": r["id"], **mention_fields(m)}
        for r in records()
        if isinstance(r.get("text"), str)
        for m in find(r["text"])
    ]


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # workers cannot import this test module
    with (
        LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) as cluster,
        Client(cluster) as connected,
    ):
        yield connected
    cloudpickle.unregister_pickle_by_value(sys.modules[__name__])


# --- on a cluster -------------------------------------------------------------------------------


def test_a_bag_gives_what_one_process_gives(client: Client) -> None:
    bag = db.from_sequence(records(), npartitions=5)
    cleaned = bag.map_partitions(clean_records, field="text").compute()
    assert cleaned == [{**r, "text": clean(r["text"])} if isinstance(r.get("text"), str) else r for r in records()]
    assert bag.map_partitions(find_records, field="text", key="id").compute() == expected_mentions()
    lines = db.from_sequence(texts(), npartitions=4)
    assert lines.map_partitions(clean_texts, style="annotate").compute() == [
        clean(text, style="annotate") for text in texts()
    ]


def test_a_dataframe_gives_what_one_process_gives(client: Client) -> None:
    frame = pd.DataFrame.from_records(records())
    frames = dd.from_pandas(frame, npartitions=4)  # dask stores the strings its own way
    meta = clean_partition(frames._meta, into="cleaned")
    result = frames.map_partitions(clean_partition, column="text", into="cleaned", meta=meta).compute()
    pd.testing.assert_frame_equal(result.drop(columns="cleaned"), frames.compute())
    assert result["cleaned"].dtype == result["text"].dtype
    plain = [value if isinstance(value, str) else None for value in result["cleaned"]]
    assert plain == [clean(text) if isinstance(text, str) else None for text in frame["text"]]
    spark_like = clean_frames(iter([frame[:2], frame[2:]]), column="text", into="cleaned")  # as mapInPandas calls it
    pd.testing.assert_frame_equal(pd.concat(spark_like), clean_partition(frame, into="cleaned"))


def test_a_resolver_sent_to_workers_is_loaded_once_per_process(client: Client, tmp_path: Path) -> None:
    small = tmp_path / "small.yaml"
    small.write_text(SMALL % "Krasnopupsk", "utf-8")
    resolver = Resolver(Gazetteer.load(small), threshold=0.6)

    def where(part: list[int], resolver: Resolver) -> list[tuple[int, int, int, float, str]]:
        answer = resolver.resolve("Krasnopupsk")
        return [(os.getpid(), id(resolver.gazetteer), id(extractor_for(resolver)), resolver.threshold, answer.place.name)]

    seen = db.from_sequence(range(12), npartitions=12).map_partitions(where, resolver=resolver).compute()
    loaded = {pid: {row[1:3] for row in seen if row[0] == pid} for pid, *_ in seen}
    assert len(seen) == 12 and os.getpid() not in loaded
    assert all(len(gazetteers) == 1 for gazetteers in loaded.values()), loaded
    assert {row[3:] for row in seen} == {(0.6, "Pokrovsk")}
    expected = [{**r, "text": clean(r["text"], resolver=resolver)} if isinstance(r.get("text"), str) else r for r in records()]
    bag = db.from_sequence(records(), npartitions=3)
    assert bag.map_partitions(clean_records, resolver=resolver).compute() == expected


def readme_recipe(language: str) -> str:
    """The ``language`` code block of the README's section "Beyond one machine"."""
    section = (ROOT / "README.md").read_text("utf-8").split("## Beyond one machine", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(rf"```python\n(# {language}.*?)```", section, re.DOTALL)
    return block


def test_the_readme_dask_recipe(client: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "corpus").mkdir()
    corpus = [record for record in records() if "text" in record]  # a dataframe's files share their fields
    for part in range(3):
        lines = [json.dumps(record, ensure_ascii=False) + "\n" for record in corpus[part::3]]
        (tmp_path / "corpus" / f"{part}.jsonl").write_text("".join(lines), "utf-8")
    in_order = [record for part in range(3) for record in corpus[part::3]]
    monkeypatch.chdir(tmp_path)
    names: dict = {}
    exec(readme_recipe("Dask"), names)  # noqa: S102 - the README's recipe, run as written
    written = [json.loads(line) for path in sorted((tmp_path / "cleaned").glob("*.jsonl")) for line in path.open()]
    assert written == clean_records(in_order)
    assert names["mentions"].compute() == find_records(in_order)
    counts = Counter(m["name"] for m in find_records(in_order))
    assert [count for _, count in names["top"]] == sorted(counts.values(), reverse=True)[:10]
    assert all(counts[name] == count for name, count in names["top"])
    table = pd.read_parquet(tmp_path / "cleaned.parquet").sort_values("id", ignore_index=True)
    expected = pd.DataFrame.from_records(corpus).sort_values("id", ignore_index=True)
    texts_written = [text if isinstance(text, str) else None for text in table["text"]]
    assert texts_written == [clean(text) if isinstance(text, str) else None for text in expected["text"]]


# --- pickling -----------------------------------------------------------------------------------


def test_a_resolver_pickles_as_a_reference(resolver: Resolver) -> None:
    for threshold in (0.5, 0.65):
        original = Resolver(resolver.gazetteer, threshold=threshold)
        data = pickle.dumps(original)
        assert len(data) < 200, len(data)
        assert b"Pokrovsk" not in data and b"Bakhmut" not in data
        copy = pickle.loads(data)
        assert copy.threshold == threshold and pickle.loads(data) is copy  # one per process
        for name in ("Krasnoarmeysk", "Artemovsk", "Mirnograd", "Покровську", "Pushilin", "Krasnorozhsk"):
            assert copy.candidates(name) == original.candidates(name)
            assert copy.resolve(name) == original.resolve(name)
        text = " ".join(texts())
        assert find(text, resolver=copy) == find(text, resolver=original)
    assert pickle.loads(pickle.dumps(resolver)) is default_resolver()


def test_a_gazetteer_made_in_memory_travels_by_value() -> None:
    place = Place("x:1", "Atlantis", "populated place", "XX", 1.0, 2.0, names=(Name("Atlantis", "en", "official"),))
    resolver = Resolver(Gazetteer([place]), threshold=0.7)
    data = pickle.dumps(resolver)
    assert b"Atlantis" in data
    copy = pickle.loads(data)
    assert copy.threshold == 0.7 and copy.resolve("Atlantis").place == place
    assert Gazetteer([place]).digest is None and pickle.loads(pickle.dumps(Gazetteer([place]))).places == (place,)


def test_a_changed_gazetteer_file_is_not_taken_for_the_pickled_one(tmp_path: Path) -> None:
    small = tmp_path / "small.yaml"
    small.write_text(SMALL % "Krasnopupsk", "utf-8")
    data = pickle.dumps(Resolver(Gazetteer.load(small)))
    assert str(small).encode() in data
    small.write_text(SMALL % "Krasnoshmupsk", "utf-8")
    with pytest.raises(GazetteerError, match="small.yaml: not the gazetteer the resolver was pickled with"):
        pickle.loads(data)
    with pytest.raises(GazetteerError, match="not the gazetteer"):
        shared_resolver((None,), "0" * 32, 0.5)


def test_importing_toponyms_needs_no_engine() -> None:
    code = "import sys, toponyms, toponyms.distributed; print(sorted({'dask', 'pandas', 'pyspark'} & set(sys.modules)))"
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert found.stdout.strip() == "[]"


# --- Spark, when installed ----------------------------------------------------------------------


def test_the_readme_spark_recipe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("pyspark")
    (tmp_path / "corpus").mkdir()
    lines = [json.dumps(record, ensure_ascii=False) + "\n" for record in records()]
    (tmp_path / "corpus" / "0.jsonl").write_text("".join(lines), "utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYSPARK_PYTHON", sys.executable)
    names: dict = {}
    exec(readme_recipe("Spark"), names)  # noqa: S102 - likewise
    try:
        rows = sorted((row.asDict() for row in names["cleaned"].collect()), key=lambda row: row["id"])
    finally:
        names["spark"].stop()
    expected = sorted(clean_records(records()), key=lambda row: row["id"])
    assert [row["text"] for row in rows] == [row.get("text") for row in expected]
