"""Single items and the catalog's upkeep: `info`, `failures`, `prune`."""

from __future__ import annotations

import dataclasses
import json
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mediashelf.catalog import Catalog
from mediashelf.catalog.find import Row, rows_by_id
from mediashelf.catalog.queries import (
    FailureRow,
    Item,
    current_failures,
    damaged_items,
    get_item,
    prune_missing,
)
from mediashelf.catalog.roots import mounts
from mediashelf.catalog.verify import Verification, verification


@dataclass(frozen=True, slots=True)
class ItemInfo:
    """One catalogued item with the failure that stands against it, if any."""

    item: Item
    failures: list[FailureRow]
    verified: Verification | None = None  # what `shelf verify` found in this file


def info(catalog: Catalog, path: bytes) -> ItemInfo | None:
    """Everything the catalog knows of the file at `path` (as this host sees it);
    None when it is not catalogued."""
    here = mounts(catalog)
    item = get_item(catalog, here.canon(path))
    if item is None:
        return None
    failures = current_failures(catalog, path=item.path)
    return ItemInfo(
        dataclasses.replace(item, path=here.local(item.path)),
        failures,
        verification(catalog, item.id),
    )


@dataclass(frozen=True, slots=True)
class ItemDetail:
    """One item by id: its catalog row, its other tags, what went wrong reading it."""

    row: Row
    extra: dict[str, Any]  # every tag read that has no field of its own
    damage: list[str]  # what is wrong with the file (reasons: truncated, bad-header ...)
    problems: list[str]  # problems met while reading a file that was still catalogued
    failures: list[FailureRow]  # the failure that stands against it, if any


def detail(catalog: Catalog, item_id: int) -> ItemDetail | None:
    """Everything the catalog knows of item `item_id`; None when there is no such item."""
    from mediashelf.app.find import placed

    found = rows_by_id(catalog, [item_id]).get(item_id)
    if found is None:
        return None
    canon = bytes(found["path"])  # (the catalog's failures are by the catalog's path)
    row = placed(catalog, [found])[0]
    try:
        extra = json.loads(row["extra"]) if row["extra"] else {}
    except ValueError:
        extra = {}
    warnings = extra.pop("_warnings", []) if isinstance(extra, dict) else []
    problems = [str(w) for w in (warnings if isinstance(warnings, list) else [warnings])]
    return ItemDetail(
        row, extra, _texts(row["damage"]), problems, current_failures(catalog, path=canon)
    )


def _texts(value: str | None) -> list[str]:
    """A JSON array of text from the catalog as a list (a stray value as one item)."""
    if not value:
        return []
    try:
        listed = json.loads(value)
    except ValueError:
        listed = [value]
    return [str(p) for p in (listed if isinstance(listed, list) else [listed])]


def damaged(
    catalog: Catalog, *, limit: int, offset: int = 0
) -> tuple[list[tuple[int, bytes, list[str], list[str]]], int]:
    """(id, path, damage, problems) of files catalogued although damaged, or although
    reading them met problems, a page; and how many."""
    page, total = damaged_items(catalog, limit=limit, offset=offset)
    out = [(i, path, _texts(d), _texts(w)) for i, path, d, w in page]
    return out, total


def rows(catalog: Catalog, ids: Sequence[int]) -> dict[int, Row]:
    """Whole catalog rows by id (ids not catalogued are left out)."""
    return rows_by_id(catalog, ids)


def failures(catalog: Catalog, *, history: bool = False) -> list[FailureRow]:
    """The files whose last read failed (every failure ever recorded with `history`)."""
    return current_failures(catalog, history=history)


def prune(catalog: Catalog) -> int:
    """Forget the items whose files scans found missing (the caller holds the lease)."""
    return prune_missing(catalog)


def servable(catalog: Catalog, row: Row) -> bytes | None:
    """The path of the item's file, to be read for a front end: only when it is present,
    a regular file, and lies, symlinks resolved, inside a folder scans started from.
    None otherwise: nothing outside the catalog's roots is ever read for a request."""
    return None if row["missing"] else readable(catalog, bytes(row["path"]))


def readable(catalog: Catalog, path: bytes) -> bytes | None:
    """`path` resolved, when it is a regular file inside a folder scans started from."""
    from mediashelf.app.folders import root_of

    root = root_of(catalog, path)
    if root is None:
        return None
    real, real_root = os.path.realpath(path), os.path.realpath(root)
    if real != real_root and not real.startswith(real_root.rstrip(b"/") + b"/"):
        return None
    try:
        mode = os.stat(real).st_mode
    except OSError:
        return None
    return real if stat.S_ISREG(mode) else None
