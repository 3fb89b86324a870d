"""The organize scenario: plan and apply a move of a whole library into a tidy tree.

The generated library's layout is messy on purpose (inconsistent folder names,
disc folders, loose files).  It is mirrored with hard links into a work folder (the
cached library is never moved), scanned there once, untimed, and then, run by run:

- `shelf organize --into DEST --dry-run --json > /dev/null`: planning, process start
  included;
- `shelf organize --into DEST --yes`: planning and applying through the journal;
  then `shelf undo` puts everything back (untimed);
- the baseline: the same list of (source, destination) pairs, taken from the plan,
  done with a plain loop of `os.makedirs` + `os.rename` in a fresh Python process,
  then renamed back (untimed).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Final

from mediashelf.bench import BenchError
from mediashelf.bench.measure import Stat
from mediashelf.bench.table import Result

if TYPE_CHECKING:
    from mediashelf.bench.run import Bench, _Size

APPLY_MAX_RATIO: Final = 3.0
PLAN_MAX_SECONDS: Final = 2.0

_RENAME_LOOP = r"""
import json, os, sys, time
pairs = [(os.fsencode(a), os.fsencode(b)) for a, b in json.load(open(sys.argv[1]))]
back = sys.argv[2] == "back"
if back:
    pairs = [(b, a) for a, b in reversed(pairs)]
for src, dst in pairs:
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    os.rename(src, dst)
"""


def mirror(root: Path, into: Path) -> None:
    """A tree of hard links to `root`'s files (fast, and moving them leaves root alone)."""
    if into.exists():
        shutil.rmtree(into)
    for top, _dirs, files in os.walk(root):
        rel = os.path.relpath(top, root)
        target = into / rel
        target.mkdir(parents=True, exist_ok=True)
        for name in files:
            if name.startswith(".mediashelf-bench"):
                continue
            os.link(os.path.join(top, name), target / name)


def organize_results(bench: Bench, s: _Size) -> list[Result]:
    work = Path(tempfile.mkdtemp(prefix="organize-", dir=bench.tmp))
    lib, dest, db = work / "lib", work / "tidy", work / "catalog.db"
    bench.say("  mirroring the library with hard links and scanning it (untimed)")
    mirror(s.root, lib)
    bench.scan(lib, db)
    shelf = [*bench.shelf, "--db", str(db)]
    plan_walls, apply_walls, base_walls, files = [], [], [], 0
    pairs_file = work / "pairs.json"
    loop = [sys.executable, "-c", _RENAME_LOOP, str(pairs_file)]
    for i in range(bench.runs):
        timed = bench.runner.run([*shelf, "organize", "--into", str(dest), "-n", "--json"])
        if timed.returncode != 0:
            raise BenchError(f"organize --dry-run failed: {timed.stderr[-300:]}")
        plan_walls.append(timed.wall)
        lines = [json.loads(x) for x in timed.stdout.splitlines()]
        pairs = [(o["src"], o["dst"]) for o in lines if "action" in o]
        files = len(pairs)
        pairs_file.write_text(json.dumps(pairs))

        def shelf_run() -> float:
            t = bench.runner.run([*shelf, "organize", "--into", str(dest), "--yes", "--quiet"])
            if t.returncode != 0:
                raise BenchError(f"organize failed: {t.stderr[-300:]}")
            u = bench.runner.run([*shelf, "undo", "--quiet"])
            if u.returncode != 0:
                raise BenchError(f"undo failed: {u.stderr[-300:]}")
            return t.wall

        def loop_run() -> float:
            t = bench.runner.run([*loop, "forth"])
            back = bench.runner.run([*loop, "back"])
            if t.returncode or back.returncode:
                raise BenchError(f"the rename loop failed: {t.stderr[-300:]} {back.stderr[-300:]}")
            return t.wall

        if i % 2:
            base_walls.append(loop_run())
            apply_walls.append(shelf_run())
        else:
            apply_walls.append(shelf_run())
            base_walls.append(loop_run())
        bench.say(
            f"  organize {i + 1}/{bench.runs}: plan {plan_walls[-1]:.2f} s, apply "
            f"{apply_walls[-1]:.2f} s; rename loop {base_walls[-1]:.2f} s ({files:,} files)"
        )
    shutil.rmtree(work, ignore_errors=True)
    value, baseline = Stat.of(apply_walls), Stat.of(base_walls)
    ratio = value.median / baseline.median
    plan = Stat.of(plan_walls)
    return [
        Result(
            "organize", s.size, "s", value, files=files, baseline=baseline,
            baseline_label="os.rename loop", ratio=ratio, limit=f"<= {APPLY_MAX_RATIO:g}x",
            met=ratio <= APPLY_MAX_RATIO,
            runs=[{"apply": a, "rename_loop": b} for a, b in zip(apply_walls, base_walls, strict=True)],
        ),
        Result(
            "plan", s.size, "s", plan, files=files, limit=f"<= {PLAN_MAX_SECONDS:g} s",
            met=plan.median <= PLAN_MAX_SECONDS, runs=[{"plan": p} for p in plan_walls],
        ),
    ]  # fmt: skip
