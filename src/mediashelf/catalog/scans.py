"""The `scans` table: one row per scan, from its start to its counts and timings.

A scan's row is `running` while it runs, then `done` or `interrupted`; a row still
`running` when the next scan starts belongs to a scan that died and becomes
`crashed`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping

from mediashelf.catalog.connect import Catalog


def start_scan(catalog: Catalog, roots: list[str], options: Mapping[str, object]) -> int:
    """Record a scan as running (and any scan left running as crashed); its id."""
    db = catalog.db
    db.execute("UPDATE scans SET status = 'crashed' WHERE status = 'running'")
    cur = db.execute(
        "INSERT INTO scans (started_ns, roots, options, status) VALUES (?, ?, ?, 'running')",
        (time.time_ns(), json.dumps(roots), json.dumps(dict(options))),
    )
    return int(cur.lastrowid or 0)


def scan_aborted(catalog: Catalog, scan_id: int) -> None:
    """A scan stopped by an error or a second interrupt: what it committed stays."""
    catalog.db.execute(
        "UPDATE scans SET status = 'interrupted', finished_ns = ? WHERE id = ?",
        (time.time_ns(), scan_id),
    )


def finish_scan(
    catalog: Catalog,
    scan_id: int,
    *,
    interrupted: bool,
    counts: Mapping[str, int],
    files: int,
    size: int,
    seconds: Mapping[str, float],
    peak_rss_mb: Mapping[str, float],
) -> None:
    """Record how a scan ended, with its counts, phase times and peak memory."""
    c, s = counts, seconds
    catalog.db.execute(
        "UPDATE scans SET finished_ns = ?, status = ?, added = ?, changed = ?, unchanged = ?, missing = ?, "
        "moved = ?, failed = ?, files = ?, bytes = ?, walk_s = ?, diff_s = ?, extract_s = ?, write_s = ?, "
        "total_s = ?, peak_rss_mb = ?, workers_peak_rss_mb = ? WHERE id = ?",
        (
            time.time_ns(),
            "interrupted" if interrupted else "done",
            c.get("added", 0), c.get("changed", 0), c.get("unchanged", 0), c.get("missing", 0),
            c.get("moved", 0), c.get("failed", 0), files, size,
            s["walk"], s["diff"], s["extract"], s["write"], s["total"],
            peak_rss_mb["main"], peak_rss_mb["workers"], scan_id,
        ),
    )  # fmt: skip


def has_items(catalog: Catalog) -> bool:
    """True when the catalog has any item row, present or missing."""
    return bool(catalog.db.execute("SELECT EXISTS (SELECT 1 FROM items)").fetchone()[0])


def standing_failures(catalog: Catalog) -> int:
    """Present items whose last read failed (their error still stands)."""
    return int(
        catalog.db.execute(
            "SELECT count(*) FROM items WHERE error IS NOT NULL AND missing = 0"
        ).fetchone()[0]
    )
