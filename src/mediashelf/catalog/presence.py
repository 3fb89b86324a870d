"""What the catalog holds under a folder: how many present files, and a few of them.

The scan's mount guard (`scan.guard`) asks these before it lets a scan mark files
missing, so a root that was unmounted is not taken for a root whose files were all
deleted.  Each is one range query on the unique path index.
"""

from __future__ import annotations

from typing import NamedTuple

from mediashelf.catalog.connect import Catalog


class Sample(NamedTuple):
    """A present catalogued file: where it was, and its fingerprint."""

    path: bytes
    size: int
    dev: int


def _range(root: bytes) -> tuple[bytes, bytes]:
    base = root.rstrip(b"/")
    return base + b"/", base + b"0"  # every path below `root`: "/" < "0" in byte order


def present_under(catalog: Catalog, root: bytes) -> int:
    """Present (not missing) files catalogued below `root`."""
    lo, hi = _range(root)
    row = catalog.db.execute(
        "SELECT count(*) FROM items WHERE path >= ? AND path < ? AND missing = 0", (lo, hi)
    ).fetchone()
    return int(row[0])


def any_present_under(catalog: Catalog, root: bytes) -> bool:
    lo, hi = _range(root)
    row = catalog.db.execute(
        "SELECT EXISTS (SELECT 1 FROM items WHERE path >= ? AND path < ? AND missing = 0)",
        (lo, hi),
    ).fetchone()
    return bool(row[0])


def sample_under(catalog: Catalog, root: bytes, n: int = 16) -> list[Sample]:
    """Up to 2·n present files below `root`: the first n and the last n by path, so
    that the sample spans the tree without a scan of it."""
    lo, hi = _range(root)
    out: list[Sample] = []
    for order in ("ASC", "DESC"):
        cur = catalog.db.execute(
            "SELECT path, size, dev FROM items WHERE path >= ? AND path < ? AND missing = 0 "
            f"ORDER BY path {order} LIMIT ?",
            (lo, hi, n),
        )
        out.extend(Sample(bytes(p), s, d) for p, s, d in cur)
    return list(dict.fromkeys(out))
