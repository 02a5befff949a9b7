"""Gazetteer files: read, validate and merge the YAML that people edit.

A file is a mapping with a ``places`` list; the schema is documented in the
README. Later files extend earlier ones: an entry whose ``id`` is already known
adds names to that place (and may override its fields), a new ``id`` is a new
place. YAML is only ever loaded safely, and without anchors and aliases: a few
hundred bytes of nested aliases expand to gigabytes (the "billion laughs").
Numbers are checked against the ranges they can have (``POPULATION``, ``YEARS``,
``GEONAMEID``), so that no later arithmetic on them overflows.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from toponyms.model import KINDS, STATUSES, Name, Place

_Loader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader where libyaml is there


class _GazetteerLoader(_Loader):  # type: ignore[misc, valid-type]
    """The safe loader, with a YAML error (and its line) for an integer too long to convert."""


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    try:
        return yaml.SafeLoader.construct_yaml_int(loader, node)
    except ValueError:
        raise yaml.constructor.ConstructorError(
            None, None, f"the integer {node.value[:20]}... has too many digits", node.start_mark
        ) from None


_GazetteerLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)

HIERARCHY_FIELDS = ("code", "raion", "raion_code", "hromada", "hromada_code")  # optional strings
PLACE_FIELDS = {
    "id", "geonameid", "name", "kind", "country", "region", "lat", "lon", "population", "names",
    *HIERARCHY_FIELDS, "approximate",
}  # fmt: skip
REQUIRED_FIELDS = ("name", "kind", "country", "lat", "lon")
NAME_FIELDS = {"name", "lang", "status", "year", "source"}
POPULATION = (0, 10**10)  # inclusive bounds of a place's population
YEARS = (1, 2100)  # inclusive bounds of the year a former name was replaced
GEONAMEID = (1, 2**63 - 1)  # inclusive bounds of a GeoNames id (a 64-bit integer wherever it goes)
# Where an anchor (&a) or an alias (*a) could begin; only a text that has one is parsed event by event.
_MAYBE_ALIAS = re.compile(r"[&*][^\s,\[\]{}]")


class GazetteerError(ValueError):
    """A gazetteer file that cannot be used; the message names file, line and entry."""


def read_places(path: Path, known: Mapping[str, Place] | None = None, data: bytes | None = None) -> dict[str, Place]:
    """Read one gazetteer file on top of the places already ``known``; return the merged places.

    ``data``, if given, is the file's content as already read (so that what is parsed is
    what was hashed); else the file is read.
    """
    places = dict(known or {})
    try:
        text = (path.read_bytes() if data is None else data).decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise GazetteerError(f"{path}: cannot read gazetteer file: {error}") from error
    try:
        _refuse_aliases(path, text)
        document = yaml.load(text, Loader=_GazetteerLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise GazetteerError(f"{where}: not valid YAML: {getattr(error, 'problem', error)}") from error
    except RecursionError:  # the pure-Python loader, where libyaml (which stops at 1,000 levels) is missing
        raise GazetteerError(f"{path}: not valid YAML: nested too deeply") from None
    if not isinstance(document, dict) or not isinstance(document.get("places"), list):
        raise GazetteerError(f"{path}:1: a gazetteer file is a mapping with a 'places' list")
    seen: set[str] = set()
    for number, entry in enumerate(document["places"]):
        try:
            place = _place(entry, places, seen)
        except _Invalid as problem:
            ident = entry.get("id") if isinstance(entry, dict) else None
            label = f"entry {number + 1}" + (f" (id {ident!r})" if ident is not None else "")
            raise GazetteerError(f"{path}:{_entry_line(text, number)}: {label}: {problem}") from None
        places[place.id] = place
        seen.add(place.id)
    return places


def read_files(paths: Iterable[Path], blobs: Iterable[bytes] | None = None) -> tuple[Place, ...]:
    """Read and merge gazetteer files in order; later files add places and names.

    ``blobs``, if given, are the files' contents as already read, one per path.
    """
    paths = [Path(path) for path in paths]
    contents: list[bytes | None] = list(blobs) if blobs is not None else [None] * len(paths)
    if len(contents) != len(paths):
        raise ValueError(f"{len(paths)} gazetteer files but {len(contents)} contents")
    places: dict[str, Place] = {}
    for path, data in zip(paths, contents):
        places = read_places(path, places, data)
    return tuple(places.values())


def _refuse_aliases(path: Path, text: str) -> None:
    """A GazetteerError at the first anchor or alias of ``text``: none is allowed.

    Most files have no ``&`` or ``*`` that could begin one, and are not parsed twice;
    the others are parsed as events (by libyaml, a tenth of the time of loading), which
    do not expand aliases.
    """
    if _MAYBE_ALIAS.search(text) is None:
        return
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent):
            what = f"alias *{event.anchor}"
        elif getattr(event, "anchor", None) is not None:
            what = f"anchor &{event.anchor}"
        else:
            continue
        raise GazetteerError(
            f"{path}:{event.start_mark.line + 1}: {what}: anchors and aliases are not allowed in a gazetteer file "
            "(write each entry out)"
        )


class _Invalid(Exception):
    pass


def _place(entry: Any, places: Mapping[str, Place], seen: set[str]) -> Place:
    if not isinstance(entry, dict):
        raise _Invalid(f"expected a mapping, got {type(entry).__name__}")
    unknown = set(entry) - PLACE_FIELDS
    if unknown:
        raise _Invalid(f"unknown field(s) {', '.join(sorted(map(str, unknown)))}")
    ident = _field(entry, "id", str)
    if ident in seen:
        raise _Invalid(f"duplicate id {ident!r}")
    names = _names(entry.get("names", []))
    earlier = places.get(ident)
    if earlier is None:
        missing = [field for field in REQUIRED_FIELDS if entry.get(field) is None]
        if missing:
            raise _Invalid(f"missing field(s) {', '.join(missing)} (a new place needs {', '.join(REQUIRED_FIELDS)})")
    fields = _fields(entry)
    if earlier is None:
        place = Place(id=ident, **fields)
    else:
        place = replace(earlier, **fields)
    return replace(place, names=merge_names(place.names, (Name(place.name, status="official"), *names)))


def _fields(entry: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if "name" in entry:
        fields["name"] = _field(entry, "name", str)
    if "kind" in entry:
        kind = _field(entry, "kind", str)
        if kind not in KINDS:
            raise _Invalid(f"kind {kind!r} is not one of {', '.join(KINDS)}")
        fields["kind"] = kind
    if "country" in entry:
        country = _field(entry, "country", str)
        if len(country) != 2 or not country.isalpha() or not country.isupper():
            raise _Invalid(f"country {country!r} is not an ISO 3166-1 alpha-2 code like 'UA'")
        fields["country"] = country
    for axis, bound in (("lat", 90.0), ("lon", 180.0)):
        if axis in entry:
            value = _field(entry, axis, (int, float))
            if not -bound <= value <= bound or math.isnan(value):
                raise _Invalid(f"{axis} {shown_number(value)} is out of range [-{bound:g}, {bound:g}]")
            fields[axis] = float(value)
    if entry.get("geonameid") is not None:
        fields["geonameid"] = _bounded("geonameid", _field(entry, "geonameid", int), GEONAMEID)
    for key in ("region", *HIERARCHY_FIELDS):
        if entry.get(key) is not None:
            fields[key] = _field(entry, key, str)
    if entry.get("approximate") is not None:
        fields["approximate"] = _field(entry, "approximate", bool)
    if entry.get("population") is not None:
        fields["population"] = _bounded("population", _field(entry, "population", int), POPULATION)
    return fields


def _bounded(what: str, value: int, bounds: tuple[int, int]) -> int:
    low, high = bounds
    if not low <= value <= high:
        raise _Invalid(f"{what} {shown_number(value)} is out of range [{low}, {high}]")
    return value


def shown_number(value: float) -> str:
    """A number for an error message; one of hundreds of digits by its length."""
    if isinstance(value, int) and abs(value) >= 10**30:
        return f"of {value.bit_length() * 30103 // 100000 + 1} digits"
    return str(value)


def _field(entry: dict[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    value = entry.get(key)
    if value is None:
        raise _Invalid(f"missing field {key!r}")
    if isinstance(value, bool) != (kind is bool) or not isinstance(value, kind):
        expected = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise _Invalid(f"field {key!r} should be {expected}, got {type(value).__name__} {value!r}")
    if isinstance(value, str) and not value.strip():
        raise _Invalid(f"field {key!r} is empty")
    return value


def _names(raw: Any) -> list[Name]:
    if not isinstance(raw, list):
        raise _Invalid(f"field 'names' should be a list, got {type(raw).__name__}")
    names = []
    for item in raw:
        if isinstance(item, str) and item.strip():
            names.append(Name(item))
            continue
        if not isinstance(item, dict):
            raise _Invalid(f"a name should be a string or a mapping with 'name', got {item!r}")
        unknown = set(item) - NAME_FIELDS
        if unknown:
            raise _Invalid(f"name {item.get('name')!r}: unknown field(s) {', '.join(sorted(map(str, unknown)))}")
        status = item.get("status", "variant")
        if status not in STATUSES:
            raise _Invalid(f"name {item.get('name')!r}: status {status!r} is not one of {', '.join(STATUSES)}")
        year = item.get("year")
        if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
            raise _Invalid(f"name {item.get('name')!r}: year should be int, got {year!r}")
        if year is not None:
            try:
                _bounded("year", year, YEARS)
            except _Invalid as problem:
                raise _Invalid(f"name {item.get('name')!r}: {problem}") from None
        names.append(
            Name(
                text=_field(item, "name", str),
                lang=_optional_str(item, "lang"),
                status=status,
                year=year,
                source=_optional_str(item, "source"),
            )
        )
    return names


def _optional_str(item: dict[str, Any], key: str) -> str | None:
    return None if item.get(key) is None else str(item[key])


def merge_names(first: Iterable[Name], then: Iterable[Name]) -> tuple[Name, ...]:
    """Names of ``first`` and ``then``, one per text; a later name fills in or upgrades an earlier one."""
    merged: dict[str, Name] = {}
    for name in (*first, *then):
        add_name(merged, name)
    return tuple(merged.values())


def add_name(names: dict[str, Name], name: Name) -> None:
    """Add ``name`` to ``names`` (text → name) as ``merge_names`` does: a known text is filled in or upgraded."""
    earlier = names.get(name.text)
    if earlier is None:
        names[name.text] = name
        return
    names[name.text] = Name(
        text=name.text,
        lang=name.lang or earlier.lang,
        status=_stronger(earlier.status, name.status),
        year=name.year or earlier.year,
        source=name.source or earlier.source,
    )


def _stronger(earlier: str, later: str) -> Any:
    """The more specific status: an explicit former/garbled/official beats a plain variant."""
    if later == "variant":
        return earlier
    if earlier == "official" and later != "former":
        return earlier
    return later


def _entry_line(text: str, number: int) -> int:
    """The line where entry ``number`` of the ``places`` list starts (only computed on errors)."""
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return 1
    for key, value in getattr(root, "value", []):
        if getattr(key, "value", None) == "places" and isinstance(value, yaml.SequenceNode):
            if number < len(value.value):
                return value.value[number].start_mark.line + 1
    return 1

