"""Duplicate files: find them from the catalog, hashing only what it cannot settle.

    query → candidates (catalog) → staged hashing (groups, hashing) → ranking (rank)
          → groups with a file to keep (report)

`find_dupes` is the one place the stages are wired.  Nothing here changes a file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final, Literal

from mediashelf.catalog.connect import Catalog
from mediashelf.catalog.dialect import Compiled
from mediashelf.catalog.dupes import item_paths
from mediashelf.catalog.roots import placement
from mediashelf.dupes import groups, rank, similar
from mediashelf.dupes.hashing import Entry, Hasher, HashStats, current
from mediashelf.events import Sink
from mediashelf.model import Failure

Mode = Literal["exact", "audio", "similar"]
MODES: Final[tuple[Mode, ...]] = ("exact", "audio", "similar")


@dataclass(frozen=True, slots=True)
class Options:
    mode: Mode = "exact"
    jobs: int | None = None  # hashing threads; None: a default, 1: sequential
    duration_tolerance: float = similar.DEFAULT_DURATION_TOLERANCE
    phash_distance: int = similar.DEFAULT_PHASH_DISTANCE


@dataclass(frozen=True, slots=True)
class Member:
    """One file of a group; `links` are other paths to the same inode (hard links)."""

    id: int
    path: bytes
    size: int
    keep: bool
    links: tuple[bytes, ...] = ()


@dataclass(frozen=True, slots=True)
class Group:
    kind: str  # exact | audio | similar | image
    members: tuple[Member, ...]  # the file to keep first

    @property
    def reclaimable(self) -> int:
        """Bytes freed by removing every file but the one to keep (links count once)."""
        return sum(m.size for m in self.members if not m.keep)

    @property
    def size(self) -> int:
        return sum(m.size for m in self.members)


@dataclass
class Result:
    groups: list[Group]
    failures: list[Failure]
    stats: HashStats = field(default_factory=HashStats)

    @property
    def reclaimable(self) -> int:
        return sum(g.reclaimable for g in self.groups)


def find_dupes(
    catalog: Catalog,
    compiled: Compiled,
    options: Options,
    sink: Sink | None = None,
) -> Result:
    """Groups of duplicates among the items matching `compiled`, best copy first.
    The sink hears of the files hashed."""
    hasher = Hasher(catalog, jobs=options.jobs, progress=sink)
    found: list[tuple[str, list[Entry]]] = []
    if options.mode == "exact":
        found = [("exact", c) for c in groups.exact_clusters(catalog, compiled, hasher)]
    elif options.mode == "audio":
        found = [("audio", c) for c in groups.audio_clusters(catalog, compiled, hasher)]
    else:
        tolerance = options.duration_tolerance
        found = [("similar", c) for c in similar.audio_clusters(catalog, compiled, tolerance)]
        distance = options.phash_distance
        found += [("image", c) for c in similar.image_clusters(catalog, compiled, distance)]
    failures = list(hasher.failures)
    groups_ = _finish(catalog, found, failures, by_quality=options.mode != "exact")
    return Result(groups_, failures, hasher.stats)


def _finish(
    catalog: Catalog,
    found: list[tuple[str, list[Entry]]],
    failures: list[Failure],
    by_quality: bool,
) -> list[Group]:
    """Groups of what is still on disk as catalogued, the file to keep first.

    Byte-identical files (`by_quality` False) are all of one quality: only the path
    rule decides, and only paths are read from the catalog.
    """
    ids = (e.id for _, cluster in found for e in cluster)
    rows: dict[int, rank.Row] = {}
    if by_quality:
        rows = rank.load(catalog, ids)
        paths = {rid: row["path"] for rid, row in rows.items()}
    else:
        paths = item_paths(catalog, ids)
    reported: set[bytes] = {f.path for f in failures}
    where = placement(catalog)
    out: list[Group] = []
    for kind, cluster in found:
        by_inode: dict[tuple[int, int], list[tuple[tuple[Any, ...], Entry, bytes]]] = {}
        for e in cluster:
            path = paths.get(e.id)
            if path is None:
                continue  # removed from the catalog meanwhile
            host = None if where.trivial else where.place(path)[1]
            if host is not None and host != where.host:  # another machine's disk
                if path not in reported:
                    reported.add(path)
                    reason = f"on {host}, not mounted on this machine: look for it there"
                    failures.append(Failure(path, "dupes", "elsewhere", reason))
                continue
            # what the catalog says must still hold on disk: the groups rest on it
            problem = current(path, e.fingerprint)
            if problem is not None:
                if problem.path not in reported:
                    reported.add(problem.path)
                    failures.append(problem)
                continue
            key = rank.sort_key(rows[e.id]) if by_quality else rank.path_rule(path)
            by_inode.setdefault(e.inode, []).append((key, e, path))
        if len(by_inode) < 2:
            continue
        files = sorted(sorted(links, key=lambda f: f[0]) for links in by_inode.values())
        members = tuple(
            Member(
                id=links[0][1].id,
                path=links[0][2],
                size=links[0][1].size,
                keep=i == 0,
                links=tuple(path for _, _, path in links[1:]),
            )
            for i, links in enumerate(files)
        )
        out.append(Group(kind, members))
    out.sort(key=lambda g: (-g.reclaimable, g.members[0].path))
    return out


__all__ = ["MODES", "Group", "Member", "Mode", "Options", "Result", "find_dupes"]
