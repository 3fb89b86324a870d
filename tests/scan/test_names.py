"""File names are bytes: undecodable and non-ASCII names survive every command unchanged."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import Shelf, read_items
from tests.media import write_audio

LATIN1 = b"caf\xe9.mp3"  # é in Latin-1: not valid UTF-8
EMOJI = "🎵 Ünïcode \u2013 ★.flac".encode()
NAMES = (LATIN1, EMOJI, b"Dir \xff\xfe/inner \x80.ogg", b'back\\slash "quoted"\n newline.mp3')


@pytest.fixture
def named(shelf: Shelf, tmp_path: Path) -> tuple[bytes, set[bytes]]:
    root = os.fsencode(tmp_path / "library")
    paths = set()
    for i, name in enumerate(NAMES):
        path = os.path.join(root, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fmt = {b".mp3": "mp3", b".flac": "flac", b".ogg": "ogg"}[os.path.splitext(name)[1]]
        write_audio(path, fmt, title=f"Title {i}")
        paths.add(path)
    summary = shelf.scan(root)
    assert summary["counts"]["added"] == len(NAMES)
    assert summary["failures"] == []
    return root, paths


def test_catalog_stores_the_exact_bytes(shelf: Shelf, named: tuple[bytes, set[bytes]]) -> None:
    _, paths = named
    assert set(read_items(shelf.db)) == paths


def test_find_paths_prints_the_raw_bytes(shelf: Shelf, named: tuple[bytes, set[bytes]]) -> None:
    _, paths = named
    r = shelf.run("find", "--paths")
    assert r.returncode == 0, r.stderr
    simple = {p for p in paths if b"\n" not in p}
    lines = set(r.stdout.split(b"\n")) - {b""}
    assert simple <= lines
    assert r.stdout.count(b"\n") == len(paths) + 1  # one name holds a newline itself


def test_find_null_separated(shelf: Shelf, named: tuple[bytes, set[bytes]]) -> None:
    _, paths = named
    r = shelf.run("find", "-0")
    assert r.returncode == 0, r.stderr
    assert r.stdout.endswith(b"\0")
    assert set(r.stdout[:-1].split(b"\0")) == paths


def test_find_json_round_trips_through_fsencode(
    shelf: Shelf, named: tuple[bytes, set[bytes]]
) -> None:
    _, paths = named
    r = shelf.run("find", "--json")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == len(paths)
    got = {}
    for line in lines:
        line.decode("utf-8")  # valid UTF-8 JSON, whatever the names are
        item = json.loads(line)
        got[os.fsencode(item["path"])] = item["title"]
    assert set(got) == paths
    assert got[next(p for p in paths if p.endswith(LATIN1))] == "Title 0"


def test_find_under_an_undecodable_prefix(shelf: Shelf, named: tuple[bytes, set[bytes]]) -> None:
    root, _ = named
    prefix = os.path.join(root, b"Dir \xff\xfe")
    r = shelf.run("find", prefix, "--paths")
    assert r.returncode == 0, r.stderr
    assert r.stdout == os.path.join(prefix, b"inner \x80.ogg") + b"\n"


@pytest.mark.parametrize("name", NAMES, ids=["latin1", "emoji", "dir-bytes", "newline"])
def test_info_by_raw_name(shelf: Shelf, named: tuple[bytes, set[bytes]], name: bytes) -> None:
    root, _ = named
    path = os.path.join(root, name)
    r = shelf.run("info", path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(path + b"\n")
    assert b"Title " in r.stdout
    r = shelf.run("info", path, "--json")
    assert r.returncode == 0, r.stderr
    item = json.loads(r.stdout)
    assert os.fsencode(item["path"]) == path
    assert item["missing"] is False


def test_relative_path_with_raw_bytes(shelf: Shelf, named: tuple[bytes, set[bytes]]) -> None:
    root, _ = named
    shelf.cwd = Path(os.fsdecode(root))
    r = shelf.run("info", LATIN1)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(os.path.join(root, LATIN1) + b"\n")


def test_failures_keep_raw_names(shelf: Shelf, tmp_path: Path) -> None:
    root = os.fsencode(tmp_path / "library")
    os.makedirs(root)
    bad = os.path.join(root, b"bro\xefken.flac")
    with open(bad, "wb") as f:
        f.write(b"not a flac file" * 10)
    r = shelf.run("scan", root)
    assert r.returncode == 1, r.stderr
    assert [os.fsencode(f["path"]) for f in shelf.failures()] == [bad]
    r = shelf.run("failures")
    assert r.stdout.startswith(b"corrupt") or r.stdout.startswith(b"unsupported")
    assert bad in r.stdout


def test_scan_json_summary_is_utf8_with_undecodable_names(shelf: Shelf, tmp_path: Path) -> None:
    """`scan --json` prints JSON that any parser reads: names escaped, not raw bytes."""
    root = os.path.join(os.fsencode(tmp_path), b"lib\xe9rary")
    os.makedirs(root)
    bad = os.path.join(root, b"bro\xefken.flac")
    with open(bad, "wb") as f:
        f.write(b"not a flac file" * 10)
    summary = shelf.scan(root, expect=1)
    assert [os.fsencode(r) for r in summary["roots"]] == [root]
    assert [os.fsencode(f["path"]) for f in summary["failures"]] == [bad]
