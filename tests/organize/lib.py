"""A messy little music library for the organize tests, and the checks they share."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

from mediashelf.catalog import open_catalog
from tests.conftest import read_items, scan_in_process
from tests.media import files_under, flac, jpeg, make_tree, mp3, ogg

#: relative path → content
MESSY: dict[str | bytes, Any] = {
    "incoming/abbey/track1.mp3": mp3(
        title="Come Together", artist="The Beatles", album="Abbey Road", track=1, date="1969"
    ),
    "incoming/abbey/track2.mp3": mp3(
        title="Something", artist="The Beatles", album="Abbey Road", track=2, date="1969"
    ),
    "incoming/abbey/cover.jpg": jpeg(),
    "incoming/abbey/abbey.cue": "FILE track1.mp3\n",
    "incoming/abbey/rip.log": "EAC log\n",
    "incoming/opera/cd1/a.flac": flac(
        title="Death on Two Legs",
        artist="Queen",
        albumartist="Queen",
        album="A Night at the Opera",
        track=1,
        disc="1/2",
        date="1975",
    ),
    "incoming/opera/cd2/b.flac": flac(
        title="Bohemian Rhapsody",
        artist="Queen",
        albumartist="Queen",
        album="A Night at the Opera",
        track=11,
        disc="2/2",
        date="1975",
    ),
    "incoming/hits/x.mp3": mp3(title="Song A", artist="X", album="Hits", compilation="1", track=1),
    "incoming/hits/y.mp3": mp3(title="Song B", artist="Y", album="Hits", compilation="1", track=2),
    "loose/single.ogg": ogg(title="Lonely", artist="Solo Artist"),
    "loose/untagged.mp3": mp3(),
    "gh/1981/a.mp3": mp3(title="One", artist="Band", album="Greatest Hits", track=1, date="1981"),
    "gh/1991/a.mp3": mp3(title="Two", artist="Band", album="Greatest Hits", track=1, date="1991"),
    "hostile/evil.mp3": mp3(title="../../../etc/passwd", artist="/root", album="..", track=1),
    "hostile/con.mp3": mp3(title="CON", artist="$HOME ~ `id`", album="A:B*C?", track=2),
    b"hostile/caf\xe9.mp3": mp3(
        title="Caf\u00e9 latin-1 name", artist="Latin", album="Bytes", track=1
    ),
}


def build(root: Path, db: Path) -> Path:
    """Write MESSY under root/'lib' and scan it into db; return the library folder."""
    lib = root / "lib"
    make_tree(lib, MESSY)
    scan_in_process(db, [lib])
    return lib


def digest(path: bytes) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def contents(*roots: Path | bytes) -> Counter[str]:
    """The multiset of file contents under the roots (hidden files included)."""
    found: Counter[str] = Counter()
    for root in roots:
        if os.path.exists(root):
            for path in files_under(root, hidden=True):
                found[digest(path)] += 1
    return found


def tree(root: Path | bytes) -> dict[bytes, str]:
    """relative path → content digest, for comparing whole trees."""
    base = os.fsencode(root)
    return {os.path.relpath(p, base): digest(p) for p in files_under(base, hidden=True)}


def leftovers(*roots: Path | bytes) -> list[bytes]:
    """Temporary files an operation must never leave behind."""
    out = []
    for root in roots:
        for path in files_under(root, hidden=True) if os.path.exists(root) else ():
            if path.endswith(b".mediashelf-tmp"):
                out.append(path)
    return out


def catalog_agrees(db: Path, *roots: Path | bytes) -> None:
    """Every present catalog row under the roots is a file on disk with its size, and
    every file on disk under the roots is catalogued."""
    rows = read_items(db, missing=False)
    base = [os.fsencode(r) for r in roots]
    under = {p: r for p, r in rows.items() if any(p.startswith(b + b"/") for b in base)}
    on_disk: set[bytes] = set()
    for b in base:
        if os.path.exists(b):
            on_disk |= {p for p in files_under(b) if not p.endswith(b".mediashelf-tmp")}
    assert set(under) == on_disk, (
        f"catalog only: {sorted(set(under) - on_disk)[:5]}; disk only: {sorted(on_disk - set(under))[:5]}"
    )
    for path, row in under.items():
        assert os.stat(path).st_size == row["size"], path


def copy_state(src: Path, dst: Path) -> None:
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst, symlinks=True)


def open_db(db: Path) -> Any:
    return open_catalog(db)
