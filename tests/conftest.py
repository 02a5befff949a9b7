"""Shared fixtures: the bundled gazetteer, loaded once per test session."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from toponyms import Gazetteer, Resolver
from toponyms.gazetteer import bundled_path
from toponyms.gazetteer import read_files

CASES = Path(__file__).parent / "cases"
ROOT = Path(__file__).parent.parent


def cases(name: str) -> list:
    """The cases of ``tests/cases/<name>.json``."""
    return json.loads((CASES / f"{name}.json").read_text("utf-8"))["cases"]


@pytest.fixture(scope="session")
def gazetteer() -> Gazetteer:
    return Gazetteer.load()


@pytest.fixture(scope="session")
def resolver(gazetteer: Gazetteer) -> Resolver:
    return Resolver(gazetteer)


@pytest.fixture(scope="session")
def formula_resolver(gazetteer: Gazetteer) -> Resolver:
    """A resolver that scores lookups with the hand-tuned formula (``scoring="formula"``), the default until the model."""
    resolver = Resolver(gazetteer)
    resolver.scoring = "formula"
    return resolver


@pytest.fixture(scope="session")
def without_garbles() -> Resolver:
    """The bundled gazetteer without the curated garbles, to see glosses teach them."""
    places = [
        replace(place, names=tuple(n for n in place.names if n.status != "garbled"))
        for place in read_files([bundled_path()])
    ]
    return Resolver(Gazetteer(places))
