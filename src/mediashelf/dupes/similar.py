"""`--similar`: the same recording in other formats or bitrates, and look-alike images.

Audio: the same normalized (album artist or artist, title) and durations within a
tolerance (±2 s by default), or the same MusicBrainz recording id.  Images: perceptual
hashes (`phash`, 64 bits) within a Hamming distance.  Neither reads a file: both work
on what the scan catalogued.

Images are compared without looking at every pair: multi-index hashing splits each
hash into four 16-bit parts; two hashes within distance d agree to within d // 4 bits
on at least one part (pigeonhole), so each hash is looked up under its four parts and
their few neighbours, and only the hashes found there are compared in full.
"""

from __future__ import annotations

import itertools
import os
import re
from collections import defaultdict
from collections.abc import Hashable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Final

from mediashelf.catalog import dupes as rows_of
from mediashelf.catalog.connect import Catalog
from mediashelf.catalog.dialect import Compiled
from mediashelf.catalog.folding import fold
from mediashelf.dupes.hashing import Entry, entry

DEFAULT_DURATION_TOLERANCE: Final = 2.0
DEFAULT_PHASH_DISTANCE: Final = 6
_PARTS: Final = 4
_PART_BITS: Final = 64 // _PARTS
_NON_WORD = re.compile(r"[\W_]+")


class _Union:
    """Union-find over item ids."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        root = x
        while (parent := self.parent.setdefault(root, root)) != root:
            root = parent
        while x != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _clusters(union: _Union, entries: dict[int, Entry]) -> list[list[Entry]]:
    groups: dict[int, list[Entry]] = defaultdict(list)
    for rid in union.parent:
        groups[union.find(rid)].append(entries[rid])
    return [g for g in groups.values() if len({e.inode for e in g}) > 1]


def normalize(text: str) -> str:
    """Case, accents, punctuation and spacing folded away: "Don't Stop!" → "don t stop"."""
    return _NON_WORD.sub(" ", fold(text)).strip()


def _link_all(union: _Union, ids: Iterable[int]) -> None:
    first = None
    for rid in ids:
        union.find(rid)
        if first is None:
            first = rid
        else:
            union.union(first, rid)


def audio_clusters(catalog: Catalog, compiled: Compiled, tolerance: float) -> list[list[Entry]]:
    entries: dict[int, Entry] = {}
    by_name: dict[Hashable, list[tuple[float, int]]] = defaultdict(list)
    by_mbid: dict[str, list[int]] = defaultdict(list)
    for row in rows_of.recordings(catalog, compiled):
        albumartist, artist, title, duration, mbid = row[6:11]
        e = entry(row)
        who = normalize(albumartist or artist or "")
        what = normalize(title or "")
        if who and what and duration is not None:
            entries[e.id] = e
            by_name[(who, what)].append((float(duration), e.id))
        if mbid and mbid.strip():
            entries[e.id] = e
            by_mbid[mbid.strip().lower()].append(e.id)
    union = _Union()
    for items in by_name.values():
        if len(items) < 2:
            continue
        items.sort()
        for (d1, a), (d2, b) in itertools.pairwise(items):
            if d2 - d1 <= tolerance:
                union.union(a, b)
    for ids in by_mbid.values():
        if len(ids) > 1:
            _link_all(union, ids)
    # a union only records the items it was given: drop singletons
    return _clusters(union, entries)


def _neighbours(radius: int) -> list[int]:
    """Every 16-bit XOR mask with at most `radius` bits set."""
    masks = [0]
    for r in range(1, radius + 1):
        for bits in itertools.combinations(range(_PART_BITS), r):
            masks.append(sum(1 << b for b in bits))
    return masks


def fill_phashes(catalog: Catalog, compiled: Compiled, jobs: int = 2) -> int:
    """Compute the perceptual hashes the scan left for later (PNG, WebP …) and store them.

    A hash is stored only if the file still has the size and mtime the catalog has, so
    it belongs to that file; a changed file is re-read by the next scan, which clears
    it.  '' marks an image that cannot be hashed, so it is not tried again.
    """
    from mediashelf.extract.image.phash import PHASH_MAX_PIXELS, phash_path

    rows = rows_of.unphashed(catalog, compiled)
    if not rows:
        return 0

    def one(row: tuple[int, bytes, int, int]) -> tuple[str, int, int, int] | None:
        rid, path, size, mtime_ns = row
        try:
            st = os.stat(path)
        except OSError:
            return None
        if (st.st_size, st.st_mtime_ns) != (size, mtime_ns):
            return None  # changed since the scan: its hash would not be this row's
        return phash_path(path, PHASH_MAX_PIXELS), rid, size, mtime_ns

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        done = [r for r in pool.map(one, rows) if r is not None]
    rows_of.store_phashes(catalog, done)
    return len(done)


def image_clusters(catalog: Catalog, compiled: Compiled, distance: int) -> list[list[Entry]]:
    fill_phashes(catalog, compiled)
    entries: dict[int, Entry] = {}
    hashes: list[tuple[int, int]] = []
    for row in rows_of.phashed(catalog, compiled):
        try:
            value = int(row[6], 16)
        except (TypeError, ValueError):
            continue
        e = entry(row)
        entries[e.id] = e
        hashes.append((value, e.id))
    union = _Union()
    if distance < 0 or len(hashes) < 2:
        return []
    masks = _neighbours(min(distance // _PARTS, _PART_BITS))
    part_mask = (1 << _PART_BITS) - 1
    index: list[dict[int, list[int]]] = [defaultdict(list) for _ in range(_PARTS)]
    for pos, (value, _) in enumerate(hashes):
        for p in range(_PARTS):
            index[p][(value >> (p * _PART_BITS)) & part_mask].append(pos)
    for pos, (value, rid) in enumerate(hashes):
        seen: set[int] = set()
        for p in range(_PARTS):
            part = (value >> (p * _PART_BITS)) & part_mask
            table = index[p]
            for mask in masks:
                for other in table.get(part ^ mask, ()):
                    if other <= pos or other in seen:
                        continue
                    seen.add(other)
                    other_value, other_id = hashes[other]
                    if (value ^ other_value).bit_count() <= distance:
                        union.union(rid, other_id)
    return _clusters(union, entries)
