"""Corpora beyond one machine: the work of one Dask or Spark task, a partition at a time.

Each function takes one partition — a list of texts or of records (dicts, as read from
JSON Lines), a pandas DataFrame, or an iterator of DataFrames — and returns the cleaned
partition, or the mentions found as plain JSON-ready dicts. The engine does the rest:
``bag.map_partitions(clean_records)``, ``frame.map_partitions(clean_partition, meta=...)``,
Spark's ``frame.mapInPandas(clean_frames, schema=...)``. The result is the same as one
process's ``clean`` and ``find``.

``resolver=None`` is the bundled gazetteer, loaded once per worker process. A ``Resolver``
passed in is pickled as a reference to its gazetteer files (``Resolver.__reduce__``) and
loaded once per worker process too, so those files must be readable by every worker.
Dask, Spark and pandas are never imported here.

>>> clean_texts(["Shelling in Artemovsk.", "No place here."])
['Shelling in Bakhmut.', 'No place here.']
>>> [(m["record"], m["text"], m["name"]) for m in find_records([{"id": 7, "text": "бои в Бахмуте"}])]
[(7, 'Бахмуте', 'Bakhmut')]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from toponyms.clean import rewrite
from toponyms.extract import extractor_for
from toponyms.records import mention_record
from toponyms.resolve import Resolver

if TYPE_CHECKING:
    import pandas


def clean_texts(
    texts: Iterable[str], *, resolver: Resolver | None = None, country: str | None = None, style: str = "replace"
) -> list[str]:
    """Each text with its place mentions in canonical form: a partition of a ``dask.bag`` of texts."""
    clean_one = _cleaner(resolver, country, style)
    return [clean_one(text) for text in texts]


def clean_records(
    records: Iterable[dict[str, Any]],
    *,
    field: str = "text",
    resolver: Resolver | None = None,
    country: str | None = None,
    style: str = "replace",
) -> list[dict[str, Any]]:
    """Each record with the text in ``field`` cleaned (a new dict, same key order); a record
    without a string in ``field`` is passed through as it is, as ``toponyms clean`` does."""
    clean_one = _cleaner(resolver, country, style)
    return [
        {**record, field: clean_one(record[field])} if isinstance(record.get(field), str) else record
        for record in records
    ]


def find_records(
    records: Iterable[dict[str, Any]],
    *,
    field: str = "text",
    key: str = "id",
    resolver: Resolver | None = None,
    country: str | None = None,
) -> list[dict[str, Any]]:
    """The place mentions of the records' texts, in order, one dict per mention: ``record`` (the
    record's ``key`` field, None if absent), then the fields of ``toponyms find --json`` but ``where``."""
    extractor = extractor_for(resolver)
    found: list[dict[str, Any]] = []
    for record in records:
        text = record.get(field)
        if isinstance(text, str):
            ident = record.get(key)
            found.extend({"record": ident, **mention_record(m)} for m in extractor.find(text, country=country))
    return found


def clean_partition(
    frame: pandas.DataFrame,
    *,
    column: str = "text",
    into: str | None = None,
    resolver: Resolver | None = None,
    country: str | None = None,
    style: str = "replace",
) -> pandas.DataFrame:
    """``frame`` with the texts of ``column`` cleaned, into column ``into`` (default: ``column``
    itself), for ``dask.dataframe`` ``map_partitions``. Missing and non-string values pass
    through; the column keeps its dtype."""
    clean_one = _cleaner(resolver, country, style)
    values = frame[column]
    cleaned = values.map(lambda value: clean_one(value) if isinstance(value, str) else value)
    return frame.assign(**{into or column: cleaned.astype(values.dtype)})


def clean_frames(frames: Iterable[pandas.DataFrame], **options: Any) -> Iterator[pandas.DataFrame]:
    """``clean_partition(frame, **options)`` for each frame: the function for Spark's ``mapInPandas``."""
    for frame in frames:
        yield clean_partition(frame, **options)


def _cleaner(resolver: Resolver | None, country: str | None, style: str) -> Callable[[str], str]:
    extractor = extractor_for(resolver)
    return lambda text: rewrite(text, extractor.find(text, country=country), style=style)
