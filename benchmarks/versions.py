"""Time two versions of mediashelf on the same libraries, interleaved, each with its own catalog.

    python benchmarks/versions.py --base "/path/to/old/.venv/bin/python -m mediashelf" \\
        --runs 5 --json benchmarks/results/DATE-versions.json

Where `benchmarks/query_versions.py` reads one catalog with two versions, this script
lets each version build and keep its own catalog, so versions whose schemas differ can
be compared.  It uses `shelf bench generate`'s libraries in ~/.cache/mediashelf-bench
(make them first with `shelf bench run` or `shelf bench generate`).  Every command is
a fresh process; run by run the order of the two versions alternates, so drift in the
machine's load falls on both.  Each figure is the median (min-max) wall time, and the
median CPU time (user + system of the process and of the workers it waited for): on a
shared machine the CPU time shows a change in the work done better than the wall time.

Figures (the library in brackets):
- first index into an empty catalog, no-op rescan, and a 1% delta (10k);
- `find artist:X`, `stats`, `dupes --json` (100k; the catalog and its hashes are made
  once per version, untimed, before the runs);
- organize (moving every file, then `undo`, on a hard-linked copy of the 41k library).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mediashelf.bench.delta import Delta, plan_changes
from mediashelf.bench.organize import mirror
from mediashelf.bench.query import pick_artist

CACHE = Path.home() / ".cache" / "mediashelf-bench"
VERSIONS = ("base", "ours")
#: as an installed program runs: from cached bytecode (compiling every module at each
#: start would weigh on the short commands of the version with more modules)
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(cmd: list[str]) -> tuple[float, float]:
    """Wall and CPU time in seconds of a command run to the end; its output is dropped."""
    with open(os.devnull, "wb") as null:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=null, stderr=subprocess.PIPE, env=ENV)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):  # 1: some files failed to read, which the libraries may hold
        raise SystemExit(f"`{' '.join(cmd)}` exited {code}: {err[-500:]}")
    return wall, usage.ru_utime + usage.ru_stime


class Table:
    """Samples per figure and version, printed and kept for --json."""

    def __init__(self) -> None:
        self.samples: dict[str, dict[str, dict[str, list[float]]]] = {}

    def add(self, figure: str, version: str, wall: float, cpu: float) -> None:
        per = self.samples.setdefault(figure, {v: {"wall": [], "cpu": []} for v in VERSIONS})
        per[version]["wall"].append(wall)
        per[version]["cpu"].append(cpu)

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for figure, per in self.samples.items():
            row: dict[str, Any] = {}
            for v in VERSIONS:
                for kind in ("wall", "cpu"):
                    xs = per[v][kind]
                    if xs:
                        row[f"{v}_{kind}"] = {
                            "median": statistics.median(xs), "min": min(xs), "max": max(xs),
                            "n": len(xs), "runs": xs,
                        }  # fmt: skip
            if "base_wall" in row and "ours_wall" in row:
                row["wall_ratio"] = row["ours_wall"]["median"] / row["base_wall"]["median"]
                row["cpu_ratio"] = row["ours_cpu"]["median"] / row["base_cpu"]["median"]
            out[figure] = row
        return out

    def print(self) -> None:
        for figure, row in self.summary().items():
            if "wall_ratio" not in row:
                continue
            o, b = row["ours_wall"], row["base_wall"]
            print(
                f"{figure:22s} ours {o['median']:8.3f} s ({o['min']:.3f}-{o['max']:.3f})"
                f"  base {b['median']:8.3f} s ({b['min']:.3f}-{b['max']:.3f})"
                f"  wall {row['wall_ratio']:.2f}  cpu {row['ours_cpu']['median']:.2f}"
                f"/{row['base_cpu']['median']:.2f} s = {row['cpu_ratio']:.2f}",
                flush=True,
            )


def order(i: int) -> tuple[str, ...]:
    return VERSIONS if i % 2 == 0 else VERSIONS[::-1]


def scans(shelf: dict[str, list[str]], runs: int, work: Path, table: Table) -> None:
    root = CACHE / "library-10000-seed1"
    for i in range(runs):
        for v in order(i):
            db = work / f"scan-{v}.db"
            for f in work.glob(f"scan-{v}.db*"):
                f.unlink()
            scan = [*shelf[v], "--db", str(db), "scan", str(root), "--quiet"]
            table.add("first index 10k", v, *timed(scan))
            table.add("no-op rescan 10k", v, *timed(scan))
            delta = Delta(root, plan_changes(root, seed=i + 1), seed=i + 1)
            delta.apply()
            try:
                table.add("1% delta 10k", v, *timed(scan))
            finally:
                delta.revert()
        print(f"scans {i + 1}/{runs}", flush=True)


def catalog_100k(shelf: dict[str, list[str]], work: Path, table: Table) -> dict[str, Path]:
    root = CACHE / "library-100000-seed1"
    dbs = {}
    for v in VERSIONS:
        dbs[v] = work / f"100k-{v}.db"
        table.add(
            "first index 100k",
            v,
            *timed([*shelf[v], "--db", str(dbs[v]), "scan", str(root), "--quiet"]),
        )
        table.add(
            "dupes 100k, first", v, *timed([*shelf[v], "--db", str(dbs[v]), "dupes", "--json"])
        )
    return dbs


def reads(shelf: dict[str, list[str]], dbs: dict[str, Path], runs: int, table: Table) -> None:
    artist = pick_artist(dbs["ours"])
    for i in range(runs):
        for v in order(i):
            db = ["--db", str(dbs[v])]
            table.add("find artist:X 100k", v, *timed([*shelf[v], *db, "find", f"artist:{artist}"]))
            table.add("stats 100k", v, *timed([*shelf[v], *db, "stats"]))
            table.add("dupes 100k", v, *timed([*shelf[v], *db, "dupes", "--json"]))
        print(f"reads {i + 1}/{runs}", flush=True)


def organize(shelf: dict[str, list[str]], runs: int, work: Path, table: Table) -> None:
    root = CACHE / "library-41000-seed1"
    setups: dict[str, Callable[[], list[str]]] = {}
    for v in VERSIONS:
        lib, db = work / f"org-{v}", work / f"org-{v}.db"
        mirror(root, lib)
        timed([*shelf[v], "--db", str(db), "scan", str(lib), "--quiet"])
        setups[v] = lambda v=v, db=db: [*shelf[v], "--db", str(db)]
    for i in range(runs):
        for v in order(i):
            cmd = setups[v]()
            dest = work / f"tidy-{v}"
            table.add(
                "organize 41k",
                v,
                *timed([*cmd, "organize", "--into", str(dest), "--yes", "--quiet"]),
            )
            timed([*cmd, "undo", "--quiet"])
        print(f"organize {i + 1}/{runs}", flush=True)


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--base", required=True, help="command that runs the other version")
    p.add_argument("--ours", default=f"{sys.executable} -m mediashelf")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--only", default="scans,reads,organize")
    p.add_argument("--json", type=Path)
    args = p.parse_args(argv)
    shelf = {"base": shlex.split(args.base), "ours": shlex.split(args.ours)}
    parts = set(args.only.split(","))
    table = Table()
    work = Path(tempfile.mkdtemp(prefix="mediashelf-versions-"))
    try:
        if "scans" in parts:
            scans(shelf, args.runs, work, table)
        if "reads" in parts:
            reads(shelf, catalog_100k(shelf, work, table), args.runs, table)
        if "organize" in parts:
            organize(shelf, args.runs, work, table)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        table.print()
        if args.json:
            machine = {"date": time.strftime("%Y-%m-%d %H:%M:%S"), "cpus": os.cpu_count()}
            versions = {v: " ".join(shelf[v]) for v in VERSIONS}
            doc = {
                "machine": machine,
                "versions": versions,
                "runs": args.runs,
                "results": table.summary(),
            }
            args.json.write_text(json.dumps(doc, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
