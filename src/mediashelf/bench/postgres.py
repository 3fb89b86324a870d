"""The postgres scenario: the same library indexed into SQLite and into PostgreSQL.

    shelf bench run --scenarios postgres --sizes 100000 --postgres postgresql://…/db

Run by run, interleaved: a first index into a new SQLite file and into a new schema
of the server (`--postgres`: a database the bench may create schemas in), a no-op
rescan of each, `shelf find artist:X` and `shelf stats` on the server catalog (fresh
processes, start-up included), and two agents: the library split into two halves
of its top-level folders, scanned one after the other and then both at once, each
agent with one worker (as two machines of one core each would), into new schemas.
The simultaneous run must lose and double no row.
"""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from mediashelf.bench import BenchError
from mediashelf.bench.measure import Stat
from mediashelf.bench.query import pick_artist
from mediashelf.bench.table import Result

if TYPE_CHECKING:
    from mediashelf.bench.run import Bench, _Size

FIRST_MIN: Final = 0.8  # PostgreSQL files/s >= 0.8 x SQLite's
NOOP_MAX: Final = 1.5  # PostgreSQL no-op rescan <= 1.5 x SQLite's
FIND_MS: Final = 150.0
STATS_S: Final = 1.0


class _Server:
    """Schemas of the bench's database, one per catalog, dropped at the end."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.schemas: list[str] = []

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as con:
            con.execute(sql)

    def new(self) -> str:
        name = "bench_" + uuid.uuid4().hex[:10]
        self._admin(f"CREATE SCHEMA {name}")
        self.schemas.append(name)
        sep = "&" if "?" in self.url else "?"
        return f"{self.url}{sep}options=-csearch_path%3D{name}"

    def drop(self) -> None:
        for name in self.schemas:
            self._admin(f"DROP SCHEMA IF EXISTS {name} CASCADE")
        self.schemas = []


def _halves(root: Path) -> tuple[list[str], list[str]]:
    tops = sorted(str(p) for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if len(tops) < 2:
        raise BenchError(f"{root} has fewer than two top-level folders to split between agents")
    return tops[0::2], tops[1::2]


def _agents(bench: Bench, db: str, halves: Sequence[Sequence[str]], together: bool) -> float:
    """Seconds for two agents (hosts a and b) to scan their halves into `db`."""
    cmds = [
        [*bench.shelf, "--db", db, "scan", *half, "--json", "--jobs", "1", "--quiet"]
        for half in halves
    ]
    envs = [dict(bench.runner.env, SHELF_HOST=f"agent-{n}") for n in range(len(cmds))]
    t0 = time.perf_counter()
    if together:
        procs = [
            subprocess.Popen(c, env=e, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            for c, e in zip(cmds, envs, strict=True)
        ]
        errors = [p.communicate()[1] for p in procs]
        codes = [p.returncode for p in procs]
    else:
        runs = [
            subprocess.run(c, env=e, capture_output=True) for c, e in zip(cmds, envs, strict=True)
        ]
        errors, codes = [r.stderr for r in runs], [r.returncode for r in runs]
    wall = time.perf_counter() - t0
    for code, err in zip(codes, errors, strict=True):
        if code not in (0, 1):
            raise BenchError(f"an agent exited {code}: {err.decode(errors='replace')[-300:]}")
    return wall


def _rows(db: str) -> tuple[int, int]:
    """(rows, distinct paths) of the catalog's items."""
    from mediashelf.catalog import open_catalog

    catalog = open_catalog(db, create=False)
    try:
        row = catalog.db.execute("SELECT count(*), count(DISTINCT path) FROM items").fetchone()
        return int(row[0]), int(row[1])
    finally:
        catalog.close()


def _time(bench: Bench, cmd: Sequence[str]) -> float:
    timed = bench.runner.run(cmd, stdout=False)
    if timed.returncode != 0:
        raise BenchError(f"`{' '.join(cmd)}` exited {timed.returncode}: {timed.stderr[-300:]}")
    return timed.wall


def postgres_results(bench: Bench, s: _Size, url: str | None) -> list[Result]:
    if not url:
        raise BenchError("the postgres scenario needs --postgres URL (a database to use)")
    server = _Server(url)
    halves = _halves(s.root)
    files = s.report.files + s.report.sidecars
    rec: dict[str, list[float]] = {k: [] for k in (
        "sqlite_first", "pg_first", "sqlite_noop", "pg_noop", "find", "stats", "seq", "par",
        "sqlite_find", "sqlite_stats",
    )}  # fmt: skip
    lost: list[str] = []
    artist = None
    try:
        for i in range(bench.runs):
            sqlite_db = bench.tmp / f"pg-bench-{i}.db"
            pg_db = server.new()
            first = [("sqlite", str(sqlite_db)), ("pg", pg_db)]
            for engine, db in first if i % 2 == 0 else first[::-1]:
                timed, _ = bench.scan(s.root, db)  # type: ignore[arg-type]
                rec[f"{engine}_first"].append(timed.wall)
            for engine, db in first if i % 2 else first[::-1]:
                timed, _ = bench.scan(s.root, db)  # type: ignore[arg-type]
                rec[f"{engine}_noop"].append(timed.wall)
            if artist is None:
                artist = pick_artist(sqlite_db)
            for engine, db in first if i % 2 else first[::-1]:  # SQLite's: for scale
                prefix = "" if engine == "pg" else "sqlite_"
                find = [*bench.shelf, "find", f"artist:{artist}", "--db", db]
                rec[f"{prefix}find"].append(1000 * _time(bench, find))
                rec[f"{prefix}stats"].append(_time(bench, [*bench.shelf, "stats", "--db", db]))
            for together in (False, True) if i % 2 == 0 else (True, False):
                db = server.new()
                rec["par" if together else "seq"].append(_agents(bench, db, halves, together))
                count, distinct = _rows(db)
                if count != distinct or count != _rows(pg_db)[0]:
                    lost.append(f"run {i + 1} ({'together' if together else 'in turn'}): "
                                f"{count} rows, {distinct} paths")  # fmt: skip
            os.unlink(sqlite_db)
            server.drop()
            bench.say(
                f"  postgres {i + 1}/{bench.runs}: first sqlite {rec['sqlite_first'][-1]:.1f} s, "
                f"pg {rec['pg_first'][-1]:.1f} s; noop {rec['sqlite_noop'][-1]:.2f} / "
                f"{rec['pg_noop'][-1]:.2f} s; find {rec['find'][-1]:.0f} ms; stats "
                f"{rec['stats'][-1]:.2f} s (sqlite {rec['sqlite_find'][-1]:.0f} ms, "
                f"{rec['sqlite_stats'][-1]:.2f} s); agents {rec['seq'][-1]:.1f} s in turn, "
                f"{rec['par'][-1]:.1f} s together; rows lost or doubled: {'; '.join(lost) or 'none'}"
            )
    finally:
        server.drop()
    return _results(s.size, files, rec, lost, artist or "")


def _results(
    size: int, files: int, rec: dict[str, list[float]], lost: list[str], artist: str
) -> list[Result]:
    def rate(walls: list[float]) -> Stat:
        return Stat.of([files / w for w in walls])

    pg_rate, sqlite_rate = rate(rec["pg_first"]), rate(rec["sqlite_first"])
    first_ratio = pg_rate.median / sqlite_rate.median
    pg_noop, sqlite_noop = Stat.of(rec["pg_noop"]), Stat.of(rec["sqlite_noop"])
    noop_ratio = pg_noop.median / sqlite_noop.median
    find, stats = Stat.of(rec["find"]), Stat.of(rec["stats"])
    sqlite_find, sqlite_stats = Stat.of(rec["sqlite_find"]), Stat.of(rec["sqlite_stats"])
    seq, par = Stat.of(rec["seq"]), Stat.of(rec["par"])
    runs: list[dict[str, Any]] = [
        {k: v[i] for k, v in rec.items()} for i in range(len(rec["pg_first"]))
    ]
    return [
        Result("pg-first", size, "files/s", pg_rate, files=files, baseline=sqlite_rate,
               baseline_label="SQLite", ratio=first_ratio, limit=f">= {FIRST_MIN}x",
               met=first_ratio >= FIRST_MIN, runs=runs),
        Result("pg-noop", size, "s", pg_noop, files=files, baseline=sqlite_noop,
               baseline_label="SQLite", ratio=noop_ratio, limit=f"<= {NOOP_MAX}x",
               met=noop_ratio <= NOOP_MAX),
        Result("pg-find", size, "ms", find, baseline=sqlite_find, baseline_label="SQLite",
               ratio=find.median / sqlite_find.median, limit=f"<= {FIND_MS:g} ms",
               met=find.median <= FIND_MS, note=f"artist:{artist}"),
        Result("pg-stats", size, "s", stats, baseline=sqlite_stats, baseline_label="SQLite",
               ratio=stats.median / sqlite_stats.median, limit=f"<= {STATS_S:g} s",
               met=stats.median <= STATS_S),
        Result("pg-agents", size, "s", par, files=files, baseline=seq,
               baseline_label="one after the other", ratio=par.median / seq.median,
               limit="<= 1x, no row lost or doubled",
               met=par.median <= seq.median and not lost, note="; ".join(lost)),
    ]  # fmt: skip
