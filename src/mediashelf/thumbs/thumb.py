"""One item's thumbnail: from the cache, or made and cached."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mediashelf.catalog import Catalog
from mediashelf.thumbs.cache import ThumbCache
from mediashelf.thumbs.render import SIZES, render
from mediashelf.thumbs.source import source_of

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Thumb:
    """A JPEG tile (`data` empty: the item has no art), and a tag naming its content."""

    data: bytes
    etag: str
    made: bool  # made now rather than found in the cache


def fit(size: int) -> int:
    """The smallest tile size at least `size` (the largest there is for bigger ones)."""
    return next((s for s in SIZES if s >= size), SIZES[-1])


def thumbnail(
    catalog: Catalog,
    row: dict[str, Any],
    size: int,
    cache: ThumbCache,
    allowed: Callable[[bytes], bool] = lambda path: True,
) -> Thumb:
    """The tile of catalog row `row` at (about) `size` pixels.

    A file that cannot be decoded is logged and gets "no art", cached like any other
    answer until the file changes.  A source whose path `allowed` refuses is not read.
    """
    size = fit(size)
    source = source_of(catalog, row)
    if source is not None and not allowed(source.path):
        source = None
    source_key = source.key if source is not None else f"none:{row['id']}:{row['mtime_ns']}"
    key = ThumbCache.key(source_key, size)
    data = cache.get(key)
    if data is not None:
        return Thumb(data, key, made=False)
    data = b""
    if source is not None:
        try:
            data = render(source, size) or b""
        except Exception as e:  # a damaged file: whatever its decoder raised
            log.info("no thumbnail for item %s: %s: %s", row["id"], type(e).__name__, e)
    cache.put(key, data)
    return Thumb(data, key, made=True)
