"""Grouping: byte-identical files (`exact`) and files with the same audio stream (`audio`).

Both are staged like the fastest duplicate finders, and each stage only looks at
what the one before left ambiguous:

    exact:  size → quick hash (catalog) → full hash (read, cached in the catalog)
    audio:  format, sample rate, channels, duration ±1 s (catalog) → payload hash

The quick hash, taken by the scanner, is xxh3-128 over the size and the first and last
16 KiB: for a file of up to 32 KiB it covers every byte, so such files never need a
full hash.  Hard links to one inode are one file: they are hashed once and never make
a group by themselves.  Empty files are left out (there is nothing to reclaim).
"""

from __future__ import annotations

import operator
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, Final

from mediashelf.catalog import dupes as rows_of
from mediashelf.catalog.connect import Catalog
from mediashelf.catalog.dialect import Compiled
from mediashelf.dupes.audio_payload import SUPPORTED
from mediashelf.dupes.hashing import Entry, Hasher, entry
from mediashelf.quickhash import HASH_CHUNK

#: files up to this size are fully covered by their quick hash
QUICK_COVERS: Final = 2 * HASH_CHUNK
#: seconds two durations of one audio stream may differ by (container estimates)
AUDIO_DURATION_SLACK: Final = 1.0

#: a group: the entries of every file in it (hard links included), two inodes at least
Cluster = list[Entry]

_INODE: Final = operator.itemgetter(3, 4)  # (dev, ino) of an Entry


def _inodes(entries: Iterable[Entry]) -> int:
    return len(set(map(_INODE, entries)))


def _split(entries: Iterable[Entry], key: Any) -> list[Cluster]:
    """Entries split by `key(entry)`; parts with fewer than two inodes are dropped."""
    parts: dict[Any, Cluster] = defaultdict(list)
    for e in entries:
        parts[key(e)].append(e)
    return [p for p in parts.values() if _inodes(p) > 1]


def _representatives(cluster: Cluster) -> list[Entry]:
    """One entry per inode (hashes are shared by hard links)."""
    seen: dict[tuple[int, int], Entry] = {}
    for e in cluster:
        seen.setdefault(e.inode, e)
    return list(seen.values())


def _by_hash(clusters: list[Cluster], hashes: dict[int, bytes]) -> list[Cluster]:
    """Split clusters by the hash of their inode; entries without one are left out."""
    out: list[Cluster] = []
    for cluster in clusters:
        by_inode = {e.inode: hashes.get(e.id) for e in _representatives(cluster)}
        known = [e for e in cluster if by_inode.get(e.inode) is not None]
        out.extend(_split(known, lambda e, m=by_inode: m[e.inode]))
    return out


# -- exact ---------------------------------------------------------------------------------


def size_groups(catalog: Catalog, compiled: Compiled) -> list[Cluster]:
    """Stage 1: files of a size shared by another inode."""
    by_size: dict[int, list[Any]] = {}
    for row in rows_of.sized(catalog, compiled):
        rows = by_size.get(row[1])
        if rows is None:
            by_size[row[1]] = [row]
        else:
            rows.append(row)
    out = []
    for rows in by_size.values():
        if len(rows) > 1:
            cluster = [Entry._make(r) for r in rows]
            if _inodes(cluster) > 1:
                out.append(cluster)
    return out


def exact_clusters(catalog: Catalog, compiled: Compiled, hasher: Hasher) -> list[Cluster]:
    """Byte-identical files."""
    settled: list[Cluster] = []
    ambiguous: list[Cluster] = []
    for group in size_groups(catalog, compiled):
        if any(e.quick_hash is None for e in group):
            ambiguous.append(group)  # an item whose head could not be read: hash it all
            continue
        for part in _split(group, lambda e: e.quick_hash):
            (settled if part[0].size <= QUICK_COVERS else ambiguous).append(part)
    wanted = [e for c in ambiguous for e in _representatives(c)]
    hashes = hasher.hashes("full", wanted)
    return settled + _by_hash(ambiguous, hashes)


# -- audio ---------------------------------------------------------------------------------


def _near(durations: list[tuple[float, Entry]], slack: float) -> list[Cluster]:
    """Chains of entries sorted by duration whose neighbours are within `slack` seconds."""
    durations.sort(key=lambda d: d[0])
    runs: list[Cluster] = []
    run: Cluster = []
    last = None
    for duration, e in durations:
        if last is not None and duration - last > slack:
            runs.append(run)
            run = []
        run.append(e)
        last = duration
    runs.append(run)
    return [r for r in runs if _inodes(r) > 1]


def audio_clusters(catalog: Catalog, compiled: Compiled, hasher: Hasher) -> list[Cluster]:
    """Files whose audio payload is the same, whatever their tags."""
    keyed: dict[tuple[Any, ...], list[tuple[float, Entry]]] = defaultdict(list)
    for row in rows_of.audio(catalog, compiled, sorted(SUPPORTED)):
        fmt, rate, channels, duration = row[6:10]
        keyed[(fmt, rate, channels)].append(
            (duration if duration is not None else -1.0, entry(row))
        )
    candidates = [c for group in keyed.values() for c in _near(group, AUDIO_DURATION_SLACK)]
    hashes = hasher.hashes("audio", [e for c in candidates for e in _representatives(c)])
    return _by_hash(candidates, hashes)
