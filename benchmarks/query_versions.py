"""Time the query commands of two versions of mediashelf on the same catalogs, interleaved.

    python benchmarks/query_versions.py --db100k C100K.db --db41k C41K.db \\
        --base "env PYTHONPATH=/tmp/base/src python -m mediashelf" --runs 7 \\
        --json benchmarks/results/DATE-query-versions.json

The catalogs are made beforehand with `shelf scan` of `shelf bench generate`'s
libraries (the 100k and 41k ones in ~/.cache/mediashelf-bench).  `--ours` (default:
this Python with `-m mediashelf`) and `--base` (another checkout) run the same
commands; each command is a fresh process with its output sent to /dev/null, so the
times include interpreter start-up as a user sees it.  Run by run, the order of the
two alternates (base first on even runs), so drift in the machine's load falls on
both.  Printed: median (min-max) wall time of each and ours / base, and the median
CPU time (user + system) of each and its ratio: on a shared machine the CPU time
shows a change in the work done better than the wall time does.

Commands (on the 100k catalog unless said):
- find artist:X (X: the bench's typical artist), the full listing, stats: the query
  targets (<= 150 ms, <= 1.5 s, <= 1 s);
- a bare word (five indexed text columns) and a template listing with formatted values;
- organize --dry-run --json on the 41k catalog (planning, default templates with %aunique).
"""

from __future__ import annotations

import argparse
import json
import shlex
import statistics
import sys
from pathlib import Path
from typing import Any

import versions
from mediashelf.bench.query import pick_artist

LIMITS = {"find artist:X": 150.0, "full listing": 1500.0, "stats": 1000.0}


def commands(db100k: Path, db41k: Path | None, dest: Path) -> dict[str, list[str]]:
    artist = pick_artist(db100k)
    out = {
        "find artist:X": ["find", f"artist:{artist}", "--db", str(db100k)],
        "full listing": ["find", "--db", str(db100k)],
        "stats": ["stats", "--db", str(db100k)],
        "bare word": ["find", "love", "--db", str(db100k)],
        "template listing": [
            "find", "-f", "$albumartist/$album ($year)/$track $title [$format $bitrate]",
            "--db", str(db100k),
        ],
    }  # fmt: skip
    if db41k is not None:
        out["organize plan (41k)"] = [
            "organize", "--into", str(dest), "--dry-run", "--json", "--db", str(db41k),
        ]  # fmt: skip
    return out


def timed(cmd: list[str]) -> tuple[float, float]:
    """Wall and CPU time in ms (see versions.timed: from cached bytecode, as installed)."""
    wall, cpu = versions.timed(cmd)
    return wall * 1000, cpu * 1000


def stat(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--db100k", type=Path, required=True)
    p.add_argument("--db41k", type=Path)
    p.add_argument("--base", required=True, help="command that runs the other version")
    p.add_argument("--ours", default=f"{sys.executable} -m mediashelf")
    p.add_argument("--runs", type=int, default=7)
    p.add_argument("--json", type=Path)
    args = p.parse_args(argv)
    versions = {"base": shlex.split(args.base), "ours": shlex.split(args.ours)}
    cmds = commands(args.db100k, args.db41k, Path("/tmp/mediashelf-bench-dest"))
    results: dict[str, Any] = {}
    for name, cmd in cmds.items():
        walls: dict[str, list[float]] = {"base": [], "ours": []}
        cpus: dict[str, list[float]] = {"base": [], "ours": []}
        for i in range(args.runs):
            for version in ("base", "ours") if i % 2 == 0 else ("ours", "base"):
                wall, cpu = timed([*versions[version], *cmd])
                walls[version].append(wall)
                cpus[version].append(cpu)
        base, ours = stat(walls["base"]), stat(walls["ours"])
        ratio = ours["median"] / base["median"]
        cpu_base, cpu_ours = stat(cpus["base"]), stat(cpus["ours"])
        cpu_ratio = cpu_ours["median"] / cpu_base["median"]
        limit = LIMITS.get(name)
        met = "" if limit is None else (" met" if ours["median"] <= limit else " NOT MET")
        print(
            f"{name:20s} ours {ours['median']:7.0f} ms ({ours['min']:.0f}-{ours['max']:.0f})"
            f"  base {base['median']:7.0f} ms ({base['min']:.0f}-{base['max']:.0f})"
            f"  ratio {ratio:.2f}  cpu {cpu_ours['median']:.0f}/{cpu_base['median']:.0f} ms"
            f" ratio {cpu_ratio:.2f}" + (f"  limit {limit:g} ms{met}" if limit else ""),
            flush=True,
        )
        results[name] = {
            "ours": ours, "base": base, "ratio": ratio, "cpu_ours": cpu_ours,
            "cpu_base": cpu_base, "cpu_ratio": cpu_ratio, "limit_ms": limit,
            "runs": walls, "cpu_runs": cpus,
        }  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps({"runs": args.runs, "results": results}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
