"""JSON data checked against a typed schema, with errors that name the file and the key.

A schema is a Python type: ``str``, ``int``, ``float``, ``bool``, ``None``, ``Literal``,
unions, ``list[T]``, ``dict[K, V]``, ``tuple[...]``, a ``NamedTuple`` (a JSON array of
fixed length, its fields in order), a ``TypedDict`` (a JSON object; keys that start with
``comment`` are allowed anywhere and skipped), and ``Annotated[T, Check(...)]`` for a
condition the type cannot say. ``conform`` returns the data with each array read as its
type says: a list, a tuple or the named tuple.

>>> from typing import NamedTuple
>>> class Rule(NamedTuple):
...     pattern: Annotated[str, PATTERN]
...     why: str
>>> conform({"rules": [["a+", "one or more a"]]}, dict[str, list[Rule]], "rules.json")
{'rules': [Rule(pattern='a+', why='one or more a')]}
>>> conform({"rules": [["a+"]]}, dict[str, list[Rule]], "rules.json")
Traceback (most recent call last):
...
toponyms._schema.TableError: rules.json: rules 0 (['a+']) must be [pattern, why]
"""

from __future__ import annotations

import re
import types
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, Literal, NotRequired, Required, Union, get_args, get_origin, get_type_hints, is_typeddict

__all__ = ["LETTER", "NON_BLANK", "PATTERN", "Check", "TableError", "conform"]

SHOWN = 60  # characters of a wrong value quoted in a message


class TableError(ValueError):
    """A data table that does not fit its schema; the message starts with the file and the key."""


@dataclass(frozen=True)
class Check:
    """A condition on a value beyond its type: ``problem`` says what is wrong with a value, or None."""

    what: str  # the value described, for a message: "a regular expression"
    problem: Callable[[Any], str | None]


def _pattern_problem(value: str) -> str | None:
    try:
        re.compile(value)
    except re.error as error:
        return f"not a regular expression: {error}"
    return None


PATTERN = Check("a regular expression", _pattern_problem)
NON_BLANK = Check("non-blank text", lambda value: None if value.strip() else "blank")
LETTER = Check("one character", lambda value: None if len(value) == 1 else "not one character")


def conform(value: Any, schema: Any, file: str) -> Any:
    """``value`` checked against ``schema``, its arrays as the schema's types; raises ``TableError``."""
    return _conform(value, schema, file, "")


def _conform(value: Any, schema: Any, file: str, where: str) -> Any:
    origin, args = get_origin(schema), get_args(schema)
    if origin is Annotated:
        found = _conform(value, args[0], file, where)
        for check in args[1:]:
            problem = check.problem(found) if isinstance(check, Check) else None
            if problem is not None:
                raise TableError(f"{file}: {_at(where, value)}: {problem}; must be {describe(schema)}")
        return found
    if origin in (Union, types.UnionType):
        for option in args:
            if _fits(value, option):
                return _conform(value, option, file, where)
        raise _wrong(value, schema, file, where)
    if origin is Literal:
        if value not in args or type(value) is bool and not any(arg is value for arg in args):
            raise _wrong(value, schema, file, where)
        return value
    if is_typeddict(schema):
        return _object(value, schema, file, where)
    if isinstance(schema, type) and issubclass(schema, tuple) and hasattr(schema, "_fields"):
        fields = _fields(schema)
        if not isinstance(value, (list, tuple)) or len(value) != len(fields):
            raise _wrong(value, schema, file, where)
        items = [_conform(item, kind, file, f"{where} {name}") for item, (name, kind) in zip(value, fields.items())]
        return schema(*items)
    if origin in (list, tuple):
        if not isinstance(value, (list, tuple)):
            raise _wrong(value, schema, file, where)
        if origin is tuple and args and args[-1] is not Ellipsis:
            if len(value) != len(args):
                raise _wrong(value, schema, file, where)
            return tuple(_conform(item, kind, file, f"{where} {n}") for n, (item, kind) in enumerate(zip(value, args)))
        items = [_conform(item, args[0], file, f"{where} {n}") for n, item in enumerate(value)]
        return items if origin is list else tuple(items)
    if origin is dict:
        if not isinstance(value, dict):
            raise _wrong(value, schema, file, where)
        keys, values = args
        return {
            _conform(key, keys, file, f"{where} key" if where else "key"): _conform(item, values, file, _key(where, key))
            for key, item in value.items()
        }
    if not _fits(value, schema):
        raise _wrong(value, schema, file, where)
    return value


def _object(value: Any, schema: Any, file: str, where: str) -> dict[str, Any]:
    """A JSON object read as the TypedDict ``schema``."""
    if not isinstance(value, dict):
        raise _wrong(value, schema, file, where)
    fields = _fields(schema)
    found: dict[str, Any] = {}
    for key, item in value.items():
        if key.startswith("comment"):
            found[key] = item
        elif key in fields:
            found[key] = _conform(item, fields[key], file, _key(where, key))
        else:
            raise TableError(f"{file}: {_key(where, key)}: unknown key; known: {', '.join(fields)}")
    for key in sorted(schema.__required_keys__ - found.keys()):
        raise TableError(f"{file}: {_key(where, key)} must be {describe(fields[key])}; it is missing")
    return found


@cache
def _fields(schema: Any) -> dict[str, Any]:
    """The keys of a TypedDict (or the fields of a NamedTuple) and their types, ``Required`` and
    ``NotRequired`` left out."""
    hints = get_type_hints(schema, include_extras=True)
    return {key: get_args(kind)[0] if get_origin(kind) in (Required, NotRequired) else kind for key, kind in hints.items()}


def _fits(value: Any, schema: Any) -> bool:
    """Whether ``value`` has the JSON type of ``schema`` (its contents unchecked)."""
    origin = get_origin(schema)
    if origin is Annotated:
        return _fits(value, get_args(schema)[0])
    if origin in (Union, types.UnionType):
        return any(_fits(value, option) for option in get_args(schema))
    if origin is Literal:
        return value in get_args(schema)
    if schema is None or schema is type(None):
        return value is None
    if schema is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if schema is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if is_typeddict(schema) or origin is dict:
        return isinstance(value, dict)
    if origin in (list, tuple) or (isinstance(schema, type) and issubclass(schema, tuple)):
        return isinstance(value, (list, tuple))
    return isinstance(value, schema)


def describe(schema: Any) -> str:
    """What a value of ``schema`` is, for a message: ``a list of [pattern, replacement, why]``."""
    origin, args = get_origin(schema), get_args(schema)
    if origin is Annotated:
        checks = [check.what for check in args[1:] if isinstance(check, Check)]
        return " and ".join(checks) if checks else describe(args[0])
    if origin in (Union, types.UnionType):
        return " or ".join(describe(option) for option in args)
    if origin is Literal:
        return " or ".join(repr(arg) for arg in args)
    if is_typeddict(schema):
        return f"an object with {', '.join(schema.__required_keys__) or 'optional keys'}"
    if isinstance(schema, type) and issubclass(schema, tuple) and hasattr(schema, "_fields"):
        return f"[{', '.join(schema._fields)}]"
    if origin is tuple and args and args[-1] is not Ellipsis:
        return f"[{', '.join(describe(arg) for arg in args)}]"
    if origin in (list, tuple):
        return f"a list of {describe(args[0])}"
    if origin is dict:
        return f"an object of {describe(args[1])}"
    names = {str: "text", int: "a whole number", float: "a number", bool: "true or false", type(None): "null"}
    return names.get(schema, getattr(schema, "__name__", str(schema)))


def _key(where: str, key: object) -> str:
    return f"{where}.{key}" if where else str(key)


def _at(where: str, value: Any) -> str:
    """A key and the value found there, shortened: ``letters 3 ('і(')``."""
    shown = repr(value)
    shown = shown if len(shown) <= SHOWN else shown[: SHOWN - 1] + "…"
    return f"{where} ({shown})" if where else f"the table ({shown})"


def _wrong(value: Any, schema: Any, file: str, where: str) -> TableError:
    return TableError(f"{file}: {_at(where, value)} must be {describe(schema)}")
