"""Single items and the catalog's upkeep: `info`, `failures`, `prune`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mediashelf.catalog import Catalog
from mediashelf.catalog.find import Row, rows_by_id
from mediashelf.catalog.queries import FailureRow, Item, current_failures, get_item, prune_missing


@dataclass(frozen=True, slots=True)
class ItemInfo:
    """One catalogued item with the failure that stands against it, if any."""

    item: Item
    failures: list[FailureRow]


def info(catalog: Catalog, path: bytes) -> ItemInfo | None:
    """Everything the catalog knows of the file at `path`; None when it is not catalogued."""
    item = get_item(catalog, path)
    if item is None:
        return None
    return ItemInfo(item, current_failures(catalog, path=item.path))


@dataclass(frozen=True, slots=True)
class ItemDetail:
    """One item by id: its catalog row, its other tags, what went wrong reading it."""

    row: Row
    extra: dict[str, Any]  # every tag read that has no field of its own
    damage: list[str]  # problems met while reading a file that was still catalogued
    failures: list[FailureRow]  # the failure that stands against it, if any


def detail(catalog: Catalog, item_id: int) -> ItemDetail | None:
    """Everything the catalog knows of item `item_id`; None when there is no such item."""
    row = rows_by_id(catalog, [item_id]).get(item_id)
    if row is None:
        return None
    try:
        extra = json.loads(row["extra"]) if row["extra"] else {}
    except ValueError:
        extra = {}
    warnings = extra.pop("_warnings", []) if isinstance(extra, dict) else []
    damage = [str(w) for w in (warnings if isinstance(warnings, list) else [warnings])]
    return ItemDetail(row, extra, damage, current_failures(catalog, path=bytes(row["path"])))


def rows(catalog: Catalog, ids: Sequence[int]) -> dict[int, Row]:
    """Whole catalog rows by id (ids not catalogued are left out)."""
    return rows_by_id(catalog, ids)


def failures(catalog: Catalog, *, history: bool = False) -> list[FailureRow]:
    """The files whose last read failed (every failure ever recorded with `history`)."""
    return current_failures(catalog, history=history)


def prune(catalog: Catalog) -> int:
    """Forget the items whose files scans found missing (the caller holds the lease)."""
    return prune_missing(catalog)
