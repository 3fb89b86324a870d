"""The organize journal: runs and their file operations, in the catalog database.

Every operation is written as `intended` (and committed) before it touches the disk,
and marked `done` after, in the same transaction that changes the catalog to match
(the item's new path, a new row for a copy).  A run killed at any point leaves a
journal from which `recover` can tell, operation by operation, what the disk holds.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from mediashelf.catalog.connect import Catalog


@dataclass(frozen=True, slots=True)
class Step:
    """One journaled file operation.

    action: move | aside | copy | reflink | hardlink | symlink (make `dst` from `src`),
    remove (delete `dst`, a copy or link this program made), mkdir / rmdir (a folder).
    """

    action: str
    src: bytes | None
    dst: bytes
    size: int | None = None
    mtime_ns: int | None = None
    item_id: int | None = None


@dataclass(frozen=True, slots=True)
class OpRow:
    id: int
    run_id: int
    seq: int
    action: str
    item_id: int | None
    src: bytes | None
    dst: bytes
    size: int | None
    mtime_ns: int | None
    state: str
    after: dict[str, Any] | None
    error: str | None


@dataclass(frozen=True, slots=True)
class Run:
    id: int
    started_ns: int
    finished_ns: int | None
    command: str
    mode: str
    dest: bytes | None
    status: str
    undo_of: int | None
    undone_by: int | None
    counts: dict[str, Any]


_OP_COLUMNS = "id, run_id, seq, action, item_id, src, dst, size, mtime_ns, state, after, error"
_RUN_COLUMNS = (
    "id, started_ns, finished_ns, command, mode, dest, status, undo_of, undone_by, counts"
)


def _op(r: Sequence[Any]) -> OpRow:
    after = json.loads(r[10]) if r[10] else None
    return OpRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], after, r[11])


def _run(r: Sequence[Any]) -> Run:
    counts = json.loads(r[9]) if r[9] else {}
    return Run(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], counts)


def start_run(
    catalog: Catalog, command: str, mode: str, dest: bytes | None, undo_of: int | None = None
) -> int:
    with catalog.atomic() as db:
        cur = db.execute(
            "INSERT INTO runs (started_ns, command, mode, dest, status, undo_of) "
            "VALUES (?, ?, ?, ?, 'running', ?)",
            (time.time_ns(), command, mode, dest, undo_of),
        )
        return int(cur.lastrowid or 0)


def finish_run(catalog: Catalog, run_id: int, status: str, counts: dict[str, Any]) -> None:
    with catalog.atomic() as db:
        db.execute(
            "UPDATE runs SET status = ?, finished_ns = ?, counts = ? WHERE id = ?",
            (status, time.time_ns(), json.dumps(counts), run_id),
        )
        undo_of = db.execute("SELECT undo_of FROM runs WHERE id = ?", (run_id,)).fetchone()[0]
        if undo_of is not None and status == "done":  # a recovered undo may be partial
            db.execute("UPDATE runs SET undone_by = ? WHERE id = ?", (run_id, undo_of))


def intend(db: sqlite3.Connection, run_id: int, first_seq: int, steps: Iterable[Step]) -> list[int]:
    """Record steps as intended (inside the caller's write transaction); return their ids."""
    rows = list(steps)
    first = int(db.execute("SELECT coalesce(max(id), 0) + 1 FROM ops").fetchone()[0])
    db.executemany(
        "INSERT INTO ops (id, run_id, seq, action, item_id, src, dst, size, mtime_ns, state) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'intended')",
        [
            (
                first + i,
                run_id,
                first_seq + i,
                s.action,
                s.item_id,
                s.src,
                s.dst,
                s.size,
                s.mtime_ns,
            )
            for i, s in enumerate(rows)
        ],
    )
    return list(range(first, first + len(rows)))


def mark(
    db: sqlite3.Connection, op_id: int, state: str, after: dict[str, Any] | None = None,
    error: str | None = None,
) -> None:  # fmt: skip
    mark_many(db, [(op_id, state, after, error)])


def mark_many(
    db: sqlite3.Connection, marks: Sequence[tuple[int, str, dict[str, Any] | None, str | None]]
) -> None:
    db.executemany(
        "UPDATE ops SET state = ?, after = ?, error = ? WHERE id = ?",
        [
            (state, json.dumps(after) if after is not None else None, error, op_id)
            for op_id, state, after, error in marks
        ],
    )


def ops_of(db: sqlite3.Connection, run_id: int, state: str | None = None) -> list[OpRow]:
    sql = f"SELECT {_OP_COLUMNS} FROM ops WHERE run_id = ?"
    params: list[Any] = [run_id]
    if state is not None:
        sql += " AND state = ?"
        params.append(state)
    return [_op(r) for r in db.execute(sql + " ORDER BY seq", params)]


def get_run(db: sqlite3.Connection, run_id: int) -> Run | None:
    row = db.execute(f"SELECT {_RUN_COLUMNS} FROM runs WHERE id = ?", (run_id,)).fetchone()
    return _run(row) if row else None


def runs(db: sqlite3.Connection, limit: int | None = None) -> list[Run]:
    sql = f"SELECT {_RUN_COLUMNS} FROM runs ORDER BY id DESC"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return [_run(r) for r in db.execute(sql)]


def unfinished(db: sqlite3.Connection) -> list[Run]:
    rows = db.execute(f"SELECT {_RUN_COLUMNS} FROM runs WHERE status = 'running' ORDER BY id")
    return [_run(r) for r in rows]


def stat_after(path: bytes) -> dict[str, Any] | None:
    """What a finished operation left at `path`, for undo to check it is unchanged."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return {"dev": st.st_dev, "ino": st.st_ino, "size": st.st_size, "mtime_ns": st.st_mtime_ns}
