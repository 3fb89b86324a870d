"""Single items and the catalog's upkeep: `info`, `failures`, `prune`."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from mediashelf.catalog import Catalog
from mediashelf.catalog.queries import FailureRow, Item, current_failures, get_item, prune_missing
from mediashelf.catalog.roots import mounts


@dataclass(frozen=True, slots=True)
class ItemInfo:
    """One catalogued item with the failure that stands against it, if any."""

    item: Item
    failures: list[FailureRow]


def info(catalog: Catalog, path: bytes) -> ItemInfo | None:
    """Everything the catalog knows of the file at `path` (as this host sees it);
    None when it is not catalogued."""
    here = mounts(catalog)
    item = get_item(catalog, here.canon(path))
    if item is None:
        return None
    failures = current_failures(catalog, path=item.path)
    return ItemInfo(dataclasses.replace(item, path=here.local(item.path)), failures)


def failures(catalog: Catalog, *, history: bool = False) -> list[FailureRow]:
    """The files whose last read failed (every failure ever recorded with `history`)."""
    return current_failures(catalog, history=history)


def prune(catalog: Catalog) -> int:
    """Forget the items whose files scans found missing (the caller holds the lease)."""
    return prune_missing(catalog)
