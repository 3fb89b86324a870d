"""The schema: released migrations are frozen, and the model has a column for every field."""

from __future__ import annotations

import ast
import sqlite3
from pathlib import Path

import mediashelf.catalog.schema as schema
from mediashelf.catalog import open_catalog
from mediashelf.catalog.dialect import SQLiteDialect
from mediashelf.catalog.rows import ITEM_COLUMNS
from mediashelf.model import MEDIA_FIELDS


def test_migrations_do_not_read_the_live_model() -> None:
    # a released migration must create what it created when it was released, whatever
    # fields the model gains later: so it imports nothing of mediashelf but the frozen
    # statements of released migrations, which import nothing of mediashelf either
    from mediashelf.catalog import released

    for module in (schema, released):
        tree = ast.parse(Path(module.__file__ or "").read_text())
        imported = [
            node.module or ""
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.level == 0
        ]
        imported += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        ours = [m for m in imported if m.startswith("mediashelf")]
        assert ours == (["mediashelf.catalog.released"] if module is schema else []), imported


def test_every_field_of_the_model_has_a_column(tmp_path: Path) -> None:
    # a field added to the model needs a new migration; this fails until it has one
    cat = open_catalog(tmp_path / "c.db")
    try:
        columns = {r[1] for r in cat.db.execute("PRAGMA table_info(items)")}
    finally:
        cat.close()
    assert {name for name, _ in MEDIA_FIELDS} <= columns
    assert set(ITEM_COLUMNS) <= columns


def test_the_first_migrations_create_the_released_columns(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "c.db", isolation_level=None)
    schema.migrate(db, SQLiteDialect())
    columns = [r[1] for r in db.execute("PRAGMA table_info(items)")]
    # the order of release: 0001's audio columns, then 0003's image/video columns
    assert columns[columns.index("title") : columns.index("title") + 3] == [
        "title",
        "artist",
        "artists",
    ]
    assert columns.index("lossless") < columns.index("extra") < columns.index("width")
    assert columns[-3:] == ["phash", "folded", "damage"]  # 0006 added damage
