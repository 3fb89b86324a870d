"""The `roots` table: the folders scans start from, as each host mounts them.

A root row is (host, path on that host, volume identity, canon): `canon` is the
prefix under which the volume's items are catalogued.  The first host to scan a
volume catalogues it under its own path; another host that finds the same volume
identity at another mount point gets a row of its own with the same `canon`, and its
paths are translated (`Mounts`), so both share the rows.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from mediashelf.catalog.connect import Catalog


class Root(NamedTuple):
    id: int
    host: str
    path: bytes
    volume: str
    canon: bytes


_COLUMNS = "id, host, path, volume, canon"


def this_host() -> str:
    """This machine's name in the catalog: `SHELF_HOST`, else the host name.

    (`SHELF_HOST` lets several agents on one machine act as different hosts.)
    """
    return os.environ.get("SHELF_HOST") or socket.gethostname()


def _root(r: Iterable[object]) -> Root:
    rid, host, path, volume, canon = r
    return Root(int(rid), str(host), bytes(path), str(volume), bytes(canon))  # type: ignore[call-overload]


def all_roots(catalog: Catalog) -> list[Root]:
    return [_root(r) for r in catalog.db.execute(f"SELECT {_COLUMNS} FROM roots ORDER BY id")]


def host_roots(catalog: Catalog, host: str) -> list[Root]:
    rows = catalog.db.execute(f"SELECT {_COLUMNS} FROM roots WHERE host = ? ORDER BY id", (host,))
    return [_root(r) for r in rows]


def by_volume(catalog: Catalog, volume: str) -> list[Root]:
    rows = catalog.db.execute(
        f"SELECT {_COLUMNS} FROM roots WHERE volume = ? ORDER BY id", (volume,)
    )
    return [_root(r) for r in rows]


def add_root(catalog: Catalog, host: str, path: bytes, volume: str, canon: bytes) -> Root:
    """Record a root (or its new identity, if this host had one at `path`)."""
    now = time.time_ns()
    with catalog.atomic() as db:
        db.execute("DELETE FROM roots WHERE host = ? AND path = ?", (host, path))
        cur = db.execute(
            "INSERT INTO roots (host, path, volume, canon, added_ns, seen_ns) "
            "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            (host, path, volume, canon, now, now),
        )
        rid = int(cur.fetchone()[0])
    return Root(rid, host, path, volume, canon)


def mark_seen(catalog: Catalog, root_ids: Iterable[int]) -> None:
    ids = list(root_ids)
    if ids:
        where, param = catalog.ids_in("id", ids)
        catalog.db.execute(f"UPDATE roots SET seen_ns = ? WHERE {where}", (time.time_ns(), param))


class Mounts:
    """Where this host sees the catalog's volumes: catalog paths ↔ paths here.

    A path is translated by its longest matching prefix; where this host mounts a
    volume at the path it is catalogued under (the usual case), nothing changes.
    """

    def __init__(self, host: str, roots: Iterable[Root]) -> None:
        self.host = host
        mine = [r for r in roots if r.host == host]
        #: (prefix here, catalog prefix), longest first
        self.to_canon = sorted(
            ((r.path, r.canon) for r in mine if r.path != r.canon), key=lambda p: -len(p[0])
        )
        self.to_local = sorted(
            ((r.canon, r.path) for r in mine if r.path != r.canon), key=lambda p: -len(p[0])
        )

    @staticmethod
    def _swap(path: bytes, pairs: list[tuple[bytes, bytes]]) -> bytes:
        for old, new in pairs:
            if path == old:
                return new
            if path.startswith(old.rstrip(b"/") + b"/"):
                return new.rstrip(b"/") + path[len(old.rstrip(b"/")) :]
        return path

    def canon(self, local: bytes) -> bytes:
        """A path on this host as the catalog stores it."""
        return self._swap(local, self.to_canon) if self.to_canon else local

    def local(self, canon: bytes) -> bytes:
        """A catalogued path as this host sees it."""
        return self._swap(canon, self.to_local) if self.to_local else canon

    @property
    def identity(self) -> bool:
        """True when no path is translated on this host."""
        return not self.to_canon


class Placement:
    """Where catalogued paths are for this host: the path here, and the host and root
    they belong to (`find` shows them so; `--json` adds host and root).

    A path under a root this host mounts is shown where this host mounts it; one
    under another host's root only, as that host sees it; one under no root (a
    catalog from before roots were recorded) as it is, with no host or root.
    """

    def __init__(self, host: str, roots: Iterable[Root]) -> None:
        self.host = host
        every = list(roots)
        mine = {r.canon for r in every if r.host == host}
        #: (catalog prefix, host, that host's root path), deepest first
        self.prefixes = sorted(
            [(r.canon, r.host, r.path) for r in every if r.host == host]
            + [(r.canon, r.host, r.path) for r in every if r.host != host and r.canon not in mine],
            key=lambda p: -len(p[0]),
        )
        self.trivial = all(h == host and c == p for c, h, p in self.prefixes)

    def place(self, path: bytes) -> tuple[bytes, str | None, bytes | None]:
        """(the path as its host sees it, that host, its root there)."""
        for canon, host, root in self.prefixes:
            base = canon.rstrip(b"/")
            if path == canon or path.startswith(base + b"/"):
                return root.rstrip(b"/") + path[len(base) :], host, root
        return path, None, None


def placement(catalog: Catalog) -> Placement:
    return Placement(this_host(), all_roots(catalog))


def mounts(catalog: Catalog) -> Mounts:
    """This host's translation of paths (see Mounts)."""
    return Mounts(this_host(), all_roots(catalog))
