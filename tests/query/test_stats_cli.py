"""`shelf stats` and `shelf report --html` through the real command, with queries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Shelf, ready
from tests.query.library import build


@pytest.fixture
def lib(shelf: Shelf, tmp_path: Path) -> dict[bytes, str]:
    ready(shelf.db)
    return build(tmp_path / "lib", shelf.db)


def test_stats_json_and_query(shelf: Shelf, lib: dict[bytes, str]) -> None:
    r = shelf.run("stats", "--json")
    assert r.returncode == 0, r.stderr
    stats = json.loads(r.stdout)
    assert stats["items"] == 13  # the missing item does not count
    assert {k["name"]: k["items"] for k in stats["kinds"]} == {"audio": 10, "image": 2, "other": 1}
    r = shelf.run("stats", "--json", "artist:beatles")
    beatles = json.loads(r.stdout)
    assert beatles["items"] == 2 and beatles["duration"] == 264.0
    assert {b["band"]: b["items"] for b in beatles["bitrates"]}[">=320"] == 1
    r = shelf.run("stats", "--json", "lossless:true")
    assert json.loads(r.stdout)["lossless"]["share"] == 1.0


def test_stats_text(shelf: Shelf, lib: dict[bytes, str]) -> None:
    r = shelf.run("stats", "format:flac")
    assert r.returncode == 0, r.stderr
    text = r.stdout.decode()
    assert "items" in text and "flac" in text and "mp3" not in text


def test_stats_bad_query(shelf: Shelf, lib: dict[bytes, str]) -> None:
    r = shelf.run("stats", "yeer:1999")
    assert r.returncode == 2 and b"did you mean year" in r.stderr


def test_report_writes_one_self_contained_page(
    shelf: Shelf, lib: dict[bytes, str], tmp_path: Path
) -> None:
    page = tmp_path / "out" / "report.html"
    page.parent.mkdir()
    r = shelf.run("report", "--html", page, "kind:audio")
    assert r.returncode == 0, r.stderr
    html = page.read_text()
    assert html.startswith("<!DOCTYPE html>") and "<svg" in html and "kind:audio" in html
    assert "http://" not in html and "https://" not in html
    assert not list(page.parent.glob(".*tmp"))
    r = shelf.run("report", "--html", tmp_path / "nowhere" / "r.html")
    assert r.returncode == 2 and b"does not exist" in r.stderr
    r = shelf.run("report", "--html", tmp_path)
    assert r.returncode == 2 and b"is a folder" in r.stderr
