"""Tag text never adds a folder: not as a `$field`, not through a template function."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from mediashelf.model import Extracted, FileStat
from tests.conftest import Shelf, ready, upsert
from tests.query.library import writer


def write_items(db: Path, root: Path, items: dict[str, dict[str, Any]]) -> None:
    """Catalogue audio files (written, a few bytes each) with these tags."""
    cat, w = writer(db)
    for i, (rel, fields) in enumerate(items.items()):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x" * (i + 1))
        fs = FileStat(os.fsencode(path), i + 1, time.time_ns(), 1, 1000 + i)
        ex = Extracted(fs, "audio", "mp3", fields, None, None)
        upsert(w, [(ex, w.folder_id(os.fsencode(path.parent)))])
    w.commit()
    cat.close()


def planned(shelf: Shelf, dest: Path, *args: str) -> dict[str, str]:
    r = shelf.run("organize", "--into", dest, "--dry-run", "--json", *args)
    assert r.returncode == 0, r.stderr.decode()
    lines = [json.loads(x) for x in r.stdout.decode().splitlines()]
    return {
        os.path.basename(o["src"]): os.path.relpath(o["dst"], dest) for o in lines if "action" in o
    }


@pytest.fixture
def library(shelf: Shelf, tmp_path: Path) -> Path:
    ready(shelf.db)
    root = tmp_path / "lib"
    comp = {"album": "the album", "compilation": True, "track": 1}
    write_items(
        shelf.db,
        root,
        {
            "one/a.mp3": {**comp, "title": "x", "artist": "A", "label": "foo/bar"},
            "two/b.mp3": {**comp, "title": "y", "artist": "B", "label": "other"},
            "three/c.mp3": {"title": "a\u00bdb", "artist": "C", "track": 2},
        },
    )
    return root


def test_aunique_value_cannot_add_a_folder(shelf: Shelf, library: Path, tmp_path: Path) -> None:
    ops = planned(shelf, tmp_path / "dest", "compilation:true")
    assert ops["a.mp3"] == "Compilations/the album [foo_bar]/01 x.mp3"
    assert ops["b.mp3"] == "Compilations/the album [other]/01 y.mp3"


def test_asciify_result_cannot_add_a_folder(shelf: Shelf, library: Path, tmp_path: Path) -> None:
    ops = planned(shelf, tmp_path / "dest", "--template", "%asciify{$title}", "artist:C")
    assert ops == {"c.mp3": "a1_2b.mp3"}
    ops = planned(shelf, tmp_path / "dest", "--template", "%asciify{$artist/$title}", "artist:C")
    assert ops == {"c.mp3": "C/a1_2b.mp3"}  # the template's own `/` still makes a folder
