"""Plain values the catalog's queries share: instants as text, subtree path ranges."""

from __future__ import annotations

import datetime as dt


def iso_utc(ns: int | None) -> str | None:
    """Nanoseconds since the epoch as ISO 8601 in UTC, to the second."""
    if ns is None:
        return None
    return dt.datetime.fromtimestamp(ns / 1e9, dt.UTC).isoformat(timespec="seconds")


def prefix_range(prefix: bytes) -> tuple[bytes, bytes, bytes]:
    """(exact, low, high) so that `path = exact OR path >= low AND path < high` is the subtree."""
    base = prefix.rstrip(b"/") or b"/"
    if base == b"/":
        return base, b"/", b"0"
    return base, base + b"/", base + b"0"
