"""The files that travel with the ones a plan moves: an album's cover, .cue and .log;
a photo's .xmp and Takeout .json."""

from __future__ import annotations

import os
from typing import Final, Protocol

from mediashelf.catalog.connect import Catalog
from mediashelf.catalog.organize import album_sidecars, photo_sidecars

#: extensions of the sidecars a photo or video keeps beside it, after its own name
_PHOTO_SIDECARS: Final = (b".xmp", b".json", b".supplemental-metadata.json")


class Add(Protocol):
    """Adds one operation to the plan; False when it was not added (a conflict)."""

    def __call__(
        self, src: bytes, dst: bytes, size: int, mtime_ns: int, item_id: int | None, *,
        sidecar: bool = False,
    ) -> bool: ...  # fmt: skip


def add_album_sidecars(
    catalog: Catalog, media_folders: dict[bytes, set[bytes]], planned: set[bytes], add: Add
) -> None:
    """Other files of a folder whose tracks all go to one folder go with them.

    `media_folders`: each folder with audio in it → the folders its tracks go to
    (b"" for a track that stays).
    """
    targets: dict[bytes, bytes] = {}
    for folder, dests in media_folders.items():
        dests = dests - {b""}
        if len(dests) == 1:
            (target,) = dests
            if target != folder:
                targets[folder] = target
    if not targets:
        return
    for rid, path, size, mtime_ns, folder in album_sidecars(catalog):
        goes_to = targets.get(folder)
        if goes_to is None or path in planned:
            continue
        dst = os.path.join(goes_to, os.path.basename(path))
        add(path, dst, size, mtime_ns, rid, sidecar=True)


def add_photo_sidecars(
    catalog: Catalog, moves: list[tuple[bytes, bytes]], planned: set[bytes], add: Add
) -> None:
    """`IMG_1.jpg.xmp`, `IMG_1.xmp`, Takeout's `IMG_1.jpg.json` follow their photo.

    The scan catalogues sidecars (kind "other"), so one query finds them all; no
    file is looked at per photo.  `moves`: (source, destination) of each photo.
    """
    if not moves:
        return
    sidecars = photo_sidecars(catalog)
    for src, dst in moves:
        stem, dst_stem = os.path.splitext(src)[0], os.path.splitext(dst)[0]
        for suffix in _PHOTO_SIDECARS:
            for old, new in ((src + suffix, dst + suffix), (stem + suffix, dst_stem + suffix)):
                found = sidecars.get(old)
                if found is None or old in planned:
                    continue
                rid, _, size, mtime_ns = found
                if add(old, new, size, mtime_ns, rid, sidecar=True):
                    planned.add(old)
