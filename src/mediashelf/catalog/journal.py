"""The journal tables: runs and their file operations (`runs`, `ops`).

Every operation is written as `intended` (and committed) before it touches the disk,
and marked `done` after, in the same transaction that changes the catalog to match
(the item's new path, a new row for a copy: `commit_steps`).  A run killed at any
point leaves a journal from which recovery can tell, operation by operation, what
the disk holds.

What a done operation means for the catalog is its `Effect`; the journal's actions
(`mediashelf.journal.actions`) say which effect each one has, so this module knows
the tables and nothing of the actions.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from mediashelf.catalog.connect import Catalog
from mediashelf.catalog.folders import folder_row

#: what a done operation changes in the catalog:
#: moved     the item's row follows the file to `dst` (rename or move across filesystems)
#: copied    a new row at `dst`, a copy of the row at `src` (copy, reflink, hard link)
#: removed   the row at `dst` goes (a file this program made, or a deleted duplicate)
#: trashed   the row at `src` stays, missing, until the file is put back
#: restored  the row at `dst` is present again (a file back from the trash)
#: relinked  the row at `dst` takes the file's new identity (a link over it, unshared)
#: none      nothing but the folders' signatures (folders, symlinks)
Effect = Literal["moved", "copied", "removed", "trashed", "restored", "relinked", "none"]


@dataclass(slots=True)
class Step:
    """One file operation, from the plan through the journal to its undo.

    `action` names one of the journal's actions (`mediashelf.journal.actions`).
    Journaled, it gets its `id` and a `state`: intended, then done, failed or
    skipped; `after` is what a done operation left at `dst` (for undo to check it is
    unchanged), `error` why it was not done.
    """

    action: str
    src: bytes | None
    dst: bytes
    size: int | None = None
    mtime_ns: int | None = None
    item_id: int | None = None
    id: int = 0
    state: str = "planned"
    after: dict[str, Any] | None = None
    error: str | None = None


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
    host: str | None = None  # the machine that made it (None: before hosts were recorded)

    def mine(self, host: str) -> bool:
        """The run was made on `host` (recovery and undo act only there: its paths)."""
        return self.host is None or self.host == host


_STEP_COLUMNS = "id, action, item_id, src, dst, size, mtime_ns, state, after, error"
_RUN_COLUMNS = (
    "id, started_ns, finished_ns, command, mode, dest, status, undo_of, undone_by, counts, host"
)


def _step(r: Sequence[Any]) -> Step:
    after = json.loads(r[8]) if r[8] else None
    return Step(r[1], r[3], r[4], r[5], r[6], r[2], r[0], r[7], after, r[9])


def _run(r: Sequence[Any]) -> Run:
    counts = json.loads(r[9]) if r[9] else {}
    return Run(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], counts, r[10])


# -- runs -----------------------------------------------------------------------------------


def start_run(
    catalog: Catalog, command: str, mode: str, dest: bytes | None, undo_of: int | None = None
) -> int:
    from mediashelf.catalog.roots import this_host

    with catalog.atomic() as db:
        cur = db.execute(
            "INSERT INTO runs (started_ns, command, mode, dest, status, undo_of, host) "
            "VALUES (?, ?, ?, ?, 'running', ?, ?) RETURNING id",
            (time.time_ns(), command, mode, dest, undo_of, this_host()),
        )
        return int(cur.fetchone()[0])


def finish_run(catalog: Catalog, run_id: int, status: str, counts: dict[str, Any]) -> None:
    with catalog.atomic() as db:
        db.execute(
            "UPDATE runs SET status = ?, finished_ns = ?, counts = ? WHERE id = ?",
            (status, time.time_ns(), json.dumps(counts), run_id),
        )
        undo_of = db.execute("SELECT undo_of FROM runs WHERE id = ?", (run_id,)).fetchone()[0]
        if undo_of is not None and status == "done":  # a recovered undo may be partial
            db.execute("UPDATE runs SET undone_by = ? WHERE id = ?", (run_id, undo_of))


def get_run(catalog: Catalog, run_id: int) -> Run | None:
    row = catalog.db.execute(f"SELECT {_RUN_COLUMNS} FROM runs WHERE id = ?", (run_id,)).fetchone()
    return _run(row) if row else None


def runs(catalog: Catalog, limit: int | None = None) -> list[Run]:
    """Every run, the last first (`limit`: the last `limit` runs)."""
    sql = f"SELECT {_RUN_COLUMNS} FROM runs ORDER BY id DESC"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return [_run(r) for r in catalog.db.execute(sql)]


def unfinished(catalog: Catalog, host: str | None = None) -> list[Run]:
    """Runs of `host` (default: this one) a crash left `running`, the oldest first
    (another host's runs are settled on that host: their paths are its own)."""
    if host is None:
        from mediashelf.catalog.roots import this_host

        host = this_host()
    rows = catalog.db.execute(
        f"SELECT {_RUN_COLUMNS} FROM runs WHERE status = 'running' "
        "AND (host = ? OR host IS NULL) ORDER BY id",
        (host,),
    )
    return [_run(r) for r in rows]


# -- operations -------------------------------------------------------------------------------


def intend(catalog: Catalog, run_id: int, first_seq: int, steps: Sequence[Step]) -> None:
    """Record steps as intended, in one transaction; each gets its id and state."""
    with catalog.atomic() as db:
        first = int(db.execute("SELECT coalesce(max(id), 0) + 1 FROM ops").fetchone()[0])
        for i, s in enumerate(steps):
            s.id, s.state = first + i, "intended"
        db.executemany(
            "INSERT INTO ops (id, run_id, seq, action, item_id, src, dst, size, mtime_ns, state) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'intended')",
            [
                (s.id, run_id, first_seq + i, s.action, s.item_id, s.src, s.dst, s.size, s.mtime_ns)
                for i, s in enumerate(steps)
            ],
        )


def ops_of(catalog: Catalog, run_id: int, state: str | None = None) -> list[Step]:
    """The operations of a run in their order (`state`: only those in it)."""
    sql = f"SELECT {_STEP_COLUMNS} FROM ops WHERE run_id = ?"
    params: list[Any] = [run_id]
    if state is not None:
        sql += " AND state = ?"
        params.append(state)
    return [_step(r) for r in catalog.db.execute(sql + " ORDER BY seq", params)]


def commit_steps(catalog: Catalog, steps: Sequence[Step], effects: Mapping[str, Effect]) -> None:
    """Record the state each step is in now and, for the done ones, change the catalog
    to match the disk, in one transaction.  `effects`: the effect of each action."""
    with catalog.atomic() as db:
        db.executemany(
            "UPDATE ops SET state = ?, after = ?, error = ? WHERE id = ?",
            [
                (s.state, json.dumps(s.after) if s.after is not None else None, s.error, s.id)
                for s in steps
            ],
        )
        by_effect: dict[Effect, list[Step]] = {}
        for s in steps:
            if s.state == "done":
                by_effect.setdefault(effects[s.action], []).append(s)
        _record_done(catalog, by_effect)


def record_pruned(catalog: Catalog, run_id: int, first_seq: int, steps: Sequence[Step]) -> None:
    """Journal the removal of folders a run emptied (`steps`, done already), and drop the
    rows of those folders that no item is in."""
    with catalog.atomic() as db:
        intend(catalog, run_id, first_seq, steps)
        for s in steps:
            s.state = "done"
        db.executemany("UPDATE ops SET state = 'done' WHERE id = ?", [(s.id,) for s in steps])
        db.executemany(
            "DELETE FROM folders WHERE path = ? AND id NOT IN (SELECT folder_id FROM items)",
            [(s.dst,) for s in steps],
        )


# -- the catalog side of done operations --------------------------------------------------------


def _record_done(catalog: Catalog, by_effect: Mapping[Effect, Sequence[Step]]) -> None:
    """Change the items to match operations done on disk (inside the caller's transaction).

    Steps hold this host's paths; where it mounts a volume at another path than the
    catalog's (roots.Mounts), the catalog's paths are changed."""
    from mediashelf.catalog.roots import mounts

    here = mounts(catalog)
    if not here.identity:
        by_effect = {
            effect: [
                dataclasses.replace(
                    s, src=here.canon(s.src) if s.src is not None else None, dst=here.canon(s.dst)
                )
                for s in steps
            ]
            for effect, steps in by_effect.items()
        }
    db = catalog.db
    now = time.time_ns()
    moved = [s for s in by_effect.get("moved", ()) if s.src is not None]
    copied = by_effect.get("copied", ())
    made = [*by_effect.get("moved", ()), *copied]
    folder_ids = {d: folder_row(db, d) for d in {os.path.dirname(s.dst) for s in made}}
    # A row left at a destination describes a file that is no longer there, unless a
    # move of this batch took that file away first (an existing file put aside): its
    # row goes with it.
    leaving = {s.src for s in moved}
    db.executemany(
        "DELETE FROM items WHERE path = ?", [(s.dst,) for s in made if s.dst not in leaving]
    )
    db.executemany(
        "UPDATE items SET path = ?, folder_id = ?, updated_ns = ?, missing = 0 WHERE path = ?",
        [(s.dst, folder_ids[os.path.dirname(s.dst)], now, s.src) for s in moved],
    )
    # A rename keeps the inode and the mtime: only a move across filesystems (a copy)
    # changes them.  Setting them only where they differ spares the indexes on them
    # a rewrite for every moved row.
    db.executemany(
        "UPDATE items SET dev = ?, ino = ?, mtime_ns = ? WHERE path = ? "
        "AND (dev != ? OR ino != ? OR mtime_ns != ?)",
        [
            (a["dev"], a["ino"], a["mtime_ns"], s.dst, a["dev"], a["ino"], a["mtime_ns"])
            for s in moved
            if (a := s.after) is not None
        ],
    )
    if copied:
        _copy_rows(catalog, copied, folder_ids, now)
    db.executemany(
        "DELETE FROM items WHERE path = ?", [(s.dst,) for s in by_effect.get("removed", ())]
    )
    db.executemany(
        "UPDATE items SET missing = 1, updated_ns = ? WHERE path = ?",
        [(now, s.src) for s in by_effect.get("trashed", ())],
    )
    db.executemany(
        "UPDATE items SET missing = 0, updated_ns = ? WHERE path = ?",
        [(now, s.dst) for s in by_effect.get("restored", ())],
    )
    db.executemany(
        "UPDATE items SET dev = ?, ino = ?, mtime_ns = ?, updated_ns = ? WHERE path = ?",
        [
            (a["dev"], a["ino"], a["mtime_ns"], now, s.dst)
            for s in by_effect.get("relinked", ())
            if (a := s.after) is not None
        ],
    )
    done = [s for steps in by_effect.values() for s in steps]
    touched = {os.path.dirname(s.dst) for s in done}
    touched |= {os.path.dirname(s.src) for s in done if s.src is not None}
    db.executemany("UPDATE folders SET signature = NULL WHERE path = ?", [(f,) for f in touched])


def _copy_rows(
    catalog: Catalog, copied: Iterable[Step], folder_ids: Mapping[bytes, int], now: int
) -> None:
    """A row for each copy: the row of its source, at its own path and identity."""
    from mediashelf.catalog.rows import ITEM_COLUMNS  # here: only copies need it

    cols = list(ITEM_COLUMNS)
    new = {
        "path": "?", "folder_id": "?", "dev": "?", "ino": "?", "mtime_ns": "?",
        "added_ns": "?", "updated_ns": "?", "missing": "0",
    }  # fmt: skip
    select = ", ".join(new.get(c, c) for c in cols)
    catalog.db.executemany(
        f"INSERT INTO items ({', '.join(cols)}) SELECT {select} FROM items WHERE path = ?",
        [
            (
                s.dst,
                folder_ids[os.path.dirname(s.dst)],
                a["dev"] if (a := s.after) else 0,
                a["ino"] if a else 0,
                a["mtime_ns"] if a else 0,
                now,
                now,
                s.src,
            )
            for s in copied
        ],
    )
