"""Shared fixtures: the bundled gazetteer, loaded once per test session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from toponyms import Gazetteer, Resolver

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
