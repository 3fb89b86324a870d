"""The catalog row of an item: its columns in order, built from what a reader found.

Rows are built in the scan's worker processes (`item_row`) and written by the single
writer with one bulk upsert per batch.
"""

from __future__ import annotations

import json
from typing import Any

from mediashelf.catalog.folding import folded_json
from mediashelf.model import BOOL_FIELDS, LIST_FIELDS, MEDIA_FIELDS, Extracted, extension

#: columns written for every item, in order
ITEM_COLUMNS: tuple[str, ...] = (
    "path", "folder_id", "kind", "format", "ext", "size", "mtime_ns", "dev", "ino",
    "quick_hash", "added_ns", "updated_ns", "scan_id", "missing", "error",
    *(name for name, _ in MEDIA_FIELDS),
    "extra", "folded",
)  # fmt: skip
ADDED_INDEX = ITEM_COLUMNS.index("added_ns")


_FIELD_NAMES = tuple(name for name, _ in MEDIA_FIELDS)
_LIST_FIELDS = LIST_FIELDS
_BOOL_FIELDS = BOOL_FIELDS
#: positions in ITEM_COLUMNS the scan reads back from a finished row
PATH, FOLDER, KIND, SIZE, QUICK_HASH = (
    ITEM_COLUMNS.index(c) for c in ("path", "folder_id", "kind", "size", "quick_hash")
)


def item_row(ex: Extracted, folder_id: int, scan_id: int, now_ns: int) -> tuple[Any, ...]:
    """The catalog row of one read file, in ITEM_COLUMNS order (built in the worker)."""
    fs = ex.stat
    fields = ex.fields
    folded = folded_json(fields) if fields else None
    if fields:
        fields = dict(fields)
        for name in _LIST_FIELDS:
            if fields.get(name) is not None:
                fields[name] = json.dumps(fields[name], ensure_ascii=False)
        for name in _BOOL_FIELDS:
            if fields.get(name) is not None:
                fields[name] = int(bool(fields[name]))
    error = f"{ex.error.kind}: {ex.error.message}" if ex.error else None
    return (
        fs.path, folder_id, ex.kind, ex.format, extension(fs.path), fs.size, fs.mtime_ns, fs.dev, fs.ino,
        ex.quick_hash, now_ns, now_ns, scan_id, 0, error,
        *map(fields.get, _FIELD_NAMES),
        ex.extra, folded,
    )  # fmt: skip
