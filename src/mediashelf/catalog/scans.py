"""The `scans` table: one row per scan, from its start to its counts and timings.

A scan's row is `running` while it runs, then `done` or `interrupted`; a row still
`running` when the next scan starts belongs to a scan that died and becomes
`crashed`.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping

from mediashelf.catalog.connect import Catalog


def start_scan(catalog: Catalog, roots: list[str], options: Mapping[str, object], host: str) -> int:
    """Record a scan of `host` as running (and scans left running by a dead process as
    crashed); its id.

    On SQLite the writer lease is the whole catalog's, so a scan left running is dead;
    on a server, agents scan at once, so only this host's scans whose process is gone.
    """
    db = catalog.db
    if not catalog.server:
        db.execute("UPDATE scans SET status = 'crashed' WHERE status = 'running'")
    else:
        rows = db.execute(
            "SELECT id, pid FROM scans WHERE status = 'running' AND (host = ? OR host IS NULL)",
            (host,),
        ).fetchall()
        dead = [sid for sid, pid in rows if pid is None or not _alive(int(pid))]
        if dead:
            where, param = catalog.ids_in("id", dead)
            db.execute(f"UPDATE scans SET status = 'crashed' WHERE {where}", (param,))
    cur = db.execute(
        "INSERT INTO scans (started_ns, roots, options, status, host, pid) "
        "VALUES (?, ?, ?, 'running', ?, ?) RETURNING id",
        (time.time_ns(), json.dumps(roots), json.dumps(dict(options)), host, os.getpid()),
    )
    return int(cur.fetchone()[0])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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
