"""Where an item's thumbnail comes from, decided from the catalog alone.

Audio: the picture embedded in the file when the scan found one, else the cover file
of its folder (`cover`, `folder`, `front`, `album` … before any other image there).
Images: the image itself.  Videos: a frame of the video.  Anything else: nothing.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any, Final, Literal

from mediashelf.catalog import Catalog
from mediashelf.catalog.folders import folder_images

Kind = Literal["embedded", "image", "frame"]
#: cover file names, best first (as beets' fetchart and Navidrome look for them)
_COVER_NAMES: Final = ("cover", "folder", "front", "album", "albumart", "albumartsmall", "thumb")
_ART_WORDS: Final = re.compile(rb"(?i)(cover|folder|front|album|art)")


@dataclass(frozen=True, slots=True)
class Source:
    """The file a thumbnail is made from, and what it was when catalogued."""

    kind: Kind
    item_id: int  # the catalog item of that file
    path: bytes
    size: int
    mtime_ns: int

    @property
    def key(self) -> str:
        """Names this source's bytes: it changes when the file does."""
        return f"{self.kind}:{self.item_id}:{self.size}:{self.mtime_ns}"


def source_of(catalog: Catalog, row: dict[str, Any]) -> Source | None:
    """The source of the thumbnail of catalog row `row`; None: it has none."""
    if row["missing"]:
        return None
    own = (row["id"], bytes(row["path"]), row["size"], row["mtime_ns"])
    if row["kind"] == "image":
        return Source("image", *own)
    if row["kind"] == "video":
        return Source("frame", *own)
    if row["kind"] != "audio":
        return None
    if row.get("cover_count"):
        return Source("embedded", *own)
    images = folder_images(catalog, row["folder_id"])
    if not images:
        return None
    return Source("image", *min(images, key=_cover_rank))


def _cover_rank(image: tuple[int, bytes, int, int]) -> tuple[int, int, bytes]:
    """Known cover names first, in their order; then names with art words; then the rest."""
    name = os.path.splitext(os.path.basename(image[1]))[0].lower()
    for i, known in enumerate(_COVER_NAMES):
        if name == known.encode():
            return (0, i, image[1])
    return (1 if _ART_WORDS.search(name) else 2, 0, image[1])
