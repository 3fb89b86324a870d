"""Random hostile tags through every template function: the folders are the template's own.

Seeded, so a failure names the seed that reproduces it.  Each item's tags are
stored in a real catalog and read back as organize reads them; the album groups
that `%aunique{}` tells apart come from that catalog.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from mediashelf.catalog import Catalog
from mediashelf.catalog.find import select
from mediashelf.model import Extracted, FileStat
from mediashelf.query import build
from mediashelf.template import parse
from mediashelf.template.destination import build_destination
from mediashelf.template.sanitize import build_replacements, sanitize_value
from mediashelf.template.unique import AlbumUnique, Uniques
from mediashelf.template.values import ORGANIZE_FIELDS, item_values
from tests.conftest import upsert
from tests.query.library import writer

#: pieces hostile tags are made of: separators, dots, controls, characters that turn
#: into separators (fraction slashes, fullwidth solidus under NFKC, ½ under %asciify),
#: bidirectional marks, template and shell syntax, Windows names, long runs
PIECES = (
    "/", "\\", "..", ".", " ", "-", "\x00", "\x01", "\n", "\t", "\x7f", "\x85", "\u2044",
    "\u2215", "\uff0f", "\u29f8", "\u00bd", "\u2153", "\u202e", "\u200f", "\u200d",
    "\u0301", "\ufeff", "~", "$HOME", "%lower{x}", "${", "}", ",", ":", "*", "CON", "nul.txt",
    "e\u0301", "\U0001f468\u200d\U0001f469", "\u00e9", "\u0634", "abc", "x" * 300,
)  # fmt: skip
#: (template, folders it makes of its own): every function, plain and nested
TEMPLATES = (
    ("$title", 0),
    ("A/%lower{$title}/%upper{$album}", 2),
    ("%title{$artist}/$album%aunique{}/$title", 2),
    ("%asciify{$title}", 0),
    ("%asciify{$artist/$title}", 1),
    ("%left{$title,40}/%right{$album,40}", 1),
    ("%first{$title}/%first{$album,2,1,.,+}/%first{$title,1,0,/}", 2),
    ("%if{$title,$title/,none/}$album", 1),
    ("%ifdef{title,$title,x}/%ifdef{label,[$label]}", 1),
    ("$album%aunique{album,label catalognumber,()}/%asciify{%upper{$label}}", 1),
    ("%aunique{albumartist album,title,<>}%asciify{%aunique{}}", 0),
    ("%aunique{album,stem folder}/$title%sunique{album,title}", 1),
    ("%time{$added,%D %x}/%time{$mtime,$title}%capitalize{$title}", 1),
    ("%asciify{%first{$title,3,0,/}}", 0),
)
SEEDS = range(40)


def hostile(rnd: random.Random) -> str:
    return "".join(rnd.choice(PIECES) for _ in range(rnd.randint(1, 6)))


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Catalog]:
    """Albums of one name with hostile tags, so that %aunique always has work."""
    base = tmp_path_factory.mktemp("hostile")
    cat, w = writer(base / "cat.db")
    rnd = random.Random(0)
    for i in range(len(SEEDS) * 3):
        fields: dict[str, Any] = {
            name: hostile(rnd) for name in ("title", "artist", "label", "catalognumber")
        }
        fields |= {"album": "Same", "albumartist": "Same", "year": 1990 + i % 3, "track": i}
        if i % 2:
            fields["album"] = hostile(rnd)
        path = os.fsencode(base / f"f{i}.mp3")
        fs = FileStat(path, 10, 1_700_000_000 * 10**9, 1, i + 1)
        upsert(w, [(Extracted(fs, "audio", "mp3", fields, None, None), w.folder_id(b"/x"))])
    w.commit()
    yield cat
    cat.close()


def cleaner(normalization: str, table: dict[str, str] | None = None) -> Callable[[str], str]:
    """What organize cleans values with, for these settings."""
    replacements = build_replacements(table)

    def clean(text: str) -> str:
        return sanitize_value(text, replacements, normalization)

    return clean


@pytest.mark.parametrize("seed", SEEDS)
def test_hostile_tags_add_no_folder(catalog: Catalog, tmp_path: Path, seed: int) -> None:
    rnd = random.Random(seed)
    rows = list(select(catalog, build([], missing=None)))
    dest = os.fsencode(tmp_path)
    normalization = rnd.choice(["NFC", "NFD", "NFKC", "NFKD", "none"])
    table = rnd.choice([None, {}, {"[ab]": "-", "x+": ""}])
    clean = cleaner(normalization, table)
    uniques = Uniques(catalog)
    for row in rnd.sample(rows, 6):
        if rnd.random() < 0.5:  # (a lone surrogate: a file name that was not UTF-8)
            row = {**row, "title": hostile(rnd) + "\udce9" + hostile(rnd)}
        for text, folders in TEMPLATES:
            template = parse(text, ORGANIZE_FIELDS)
            funcs = uniques.functions(row, clean)
            rendered = template.render(item_values(row, clean), funcs, clean=clean)
            assert rendered.count("/") == folders, (seed, text, row, rendered)
            path = build_destination(
                dest, rendered, "mp3", build_replacements(table), normalization
            )
            parts = os.path.relpath(path, dest).split(b"/")
            assert len(parts) == folders + 1, (seed, text, rendered, path)
            assert all(p not in (b"", b".", b"..") for p in parts), (seed, text, path)


def test_the_catalog_gives_aunique_work(catalog: Catalog) -> None:
    row = next(r for r in select(catalog, build(["album:=Same"])) if r["label"])
    got = AlbumUnique(catalog).function(row, cleaner("NFC"))()
    assert got.startswith(" [") and "/" not in got


def test_aunique_takes_fields_that_are_not_columns(catalog: Catalog) -> None:
    row = next(r for r in select(catalog, build(["album:=Same"])) if r["label"])
    aunique = AlbumUnique(catalog).function(row, cleaner("NFC"))
    # without an album id, an album is the tracks that share the disambiguating values:
    # none has a month, so they make one album; each file's stem tells them apart
    assert aunique("album", "month") == ""
    stem = os.path.splitext(os.path.basename(os.fsdecode(row["path"])))[0]
    assert aunique("album", "month stem") == f" [{stem}]"
