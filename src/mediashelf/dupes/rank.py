"""Which file of a group to keep: the best copy by quality, then by a path rule.

Audio: lossless > higher bit rate > higher sample rate > has cover > more complete tags.
Images: more pixels > a lossless format > a larger file.
Then, for every kind, the path rule: a name without a copy marker ("copy", "(1)",
"duplicate", "~") before one with it, then the shorter path, then the first in byte order.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from typing import Any, Final

from mediashelf.catalog.connect import Catalog
from mediashelf.catalog.dupes import columns_of
from mediashelf.catalog.roots import mounts

#: columns the ranking reads
RANK_COLUMNS: Final = (
    "id", "path", "kind", "format", "lossless", "bitrate", "samplerate", "cover_count",
    "title", "artist", "album", "albumartist", "track", "year", "genre", "mb_recordingid",
    "width", "height", "size",
)  # fmt: skip
_TAGS: Final = ("title", "artist", "album", "albumartist", "track", "year", "genre")
_LOSSLESS_IMAGES: Final = frozenset({"png", "tiff", "bmp", "gif", "webp-lossless", "jxl"})
_COPY_MARKER = re.compile(
    rb"(?i)(\bcopy\b|\bcopie\b|\bkopie\b|\(\d+\)|\bduplicate\b|~\d*$|\.bak$|\bdup\b)"
)
Row = dict[str, Any]


def load(catalog: Catalog, ids: Iterable[int]) -> dict[int, Row]:
    """The rows the ranking needs, by item id (paths as this host sees them)."""
    local = mounts(catalog).local
    out: dict[int, Row] = {}
    for values in columns_of(catalog, ids, RANK_COLUMNS):
        row = dict(zip(RANK_COLUMNS, values, strict=True))
        row["path"] = local(bytes(row["path"]))
        out[row["id"]] = row
    return out


def path_rule(path: bytes) -> tuple[int, int, bytes]:
    stem = os.path.splitext(os.path.basename(path))[0]
    return (1 if _COPY_MARKER.search(stem) else 0, len(path), path)


def tag_completeness(row: Row) -> tuple[int, int]:
    """(tags present, tags counted): the tags the ranking weighs, and the recording id."""
    present = sum(1 for t in _TAGS if row.get(t) not in (None, "")) + (
        1 if row.get("mb_recordingid") else 0
    )
    return present, len(_TAGS) + 1


def quality(row: Row) -> tuple[int | float, ...]:
    """Larger is better."""
    if row["kind"] == "image":
        pixels = (row["width"] or 0) * (row["height"] or 0)
        lossless = 1 if (row["format"] or "").lower() in _LOSSLESS_IMAGES else 0
        return (pixels, lossless, row["size"] or 0)
    if row["kind"] == "audio":
        return (
            1 if row["lossless"] else 0,
            row["bitrate"] or 0,
            row["samplerate"] or 0,
            1 if row["cover_count"] else 0,
            tag_completeness(row)[0],
        )
    return ()


def sort_key(row: Row) -> tuple[Any, ...]:
    """Ascending: the file to keep first."""
    return (tuple(-q for q in quality(row)), path_rule(row["path"]))
