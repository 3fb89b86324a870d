"""Thumbnails: small JPEG tiles of what an item looks like, made on demand and cached.

    item row → source (source.py: embedded art, the folder's cover file, the image
    itself, a video frame; catalog only) → cache (cache.py: on disk, keyed by the
    source's fingerprint and the size) → or make it (render.py: Pillow) and store it

An item with nothing to show gets a cached "no art" answer, so asking again costs a
catalog look-up and a `stat`.
"""

from __future__ import annotations

from mediashelf.thumbs.cache import ThumbCache
from mediashelf.thumbs.render import SIZES, TILE_BUDGET
from mediashelf.thumbs.source import Source, source_of
from mediashelf.thumbs.thumb import Thumb, thumbnail

__all__ = ["SIZES", "TILE_BUDGET", "Source", "Thumb", "ThumbCache", "source_of", "thumbnail"]
