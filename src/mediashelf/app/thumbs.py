"""Thumbnails of items, for the web page's grids and detail pages."""

from __future__ import annotations

from mediashelf.catalog import Catalog
from mediashelf.catalog.find import rows_by_id
from mediashelf.thumbs import Thumb, ThumbCache, thumbnail
from mediashelf.xdg import cache_home


def default_cache() -> ThumbCache:
    """The tiles' cache in `$XDG_CACHE_HOME/mediashelf/thumbs`."""
    return ThumbCache(cache_home() / "mediashelf" / "thumbs")


def thumb(catalog: Catalog, item_id: int, size: int, cache: ThumbCache) -> Thumb | None:
    """Item `item_id`'s tile (made from its art, its folder's cover or itself, and
    cached); None when there is no such item."""
    from mediashelf.app.items import readable

    row = rows_by_id(catalog, [item_id]).get(item_id)
    if row is None:
        return None
    return thumbnail(
        catalog, row, size, cache, allowed=lambda path: readable(catalog, path) is not None
    )
