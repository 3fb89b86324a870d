"""Kill `shelf organize` with SIGKILL at random moments, many times, and check each time.

    python benchmarks/organize_kill_stress.py --runs 200 --tracks 500

A library is generated once (`shelf bench generate`), scanned, and kept as a
template.  Each round restores the template, starts `shelf organize --into DEST
--yes` (or `undo` of a finished run, every third round), waits until the run is in
progress, kills the whole process group at a random moment, runs `shelf recover`,
and checks:

- every file's bytes exist exactly once, at its source or its destination;
- no temporary (`.mediashelf-tmp`) file is left;
- the catalog lists exactly the files on disk, with their sizes;
- the journal has no operation left open;
- the same command run again finishes, and the files are still all there.

The first failure stops the script with the round's seed; the summary counts the
rounds whose kill landed inside a run.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path


def shelf(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "mediashelf", "--db", str(db), *args]


def files(*roots: Path) -> list[Path]:
    out = []
    for root in roots:
        if root.exists():
            out += [p for p in root.rglob("*") if p.is_file() and not p.is_symlink()]
    return out


def contents(*roots: Path) -> Counter[str]:
    return Counter(hashlib.sha256(p.read_bytes()).hexdigest() for p in files(*roots))


def check(db: Path, lib: Path, dest: Path, original: Counter[str], label: str) -> None:
    leftovers = [p for p in files(lib, dest) if p.name.endswith(".mediashelf-tmp")]
    assert not leftovers, f"{label}: temporary files left: {leftovers[:3]}"
    assert contents(lib, dest) == original, f"{label}: files lost or doubled"
    con = sqlite3.connect(db)
    try:
        rows = dict(con.execute("SELECT path, size FROM items WHERE missing = 0"))
        open_ops = con.execute("SELECT count(*) FROM ops WHERE state = 'intended'").fetchone()[0]
    finally:
        con.close()
    on_disk = {os.fsencode(p): p.stat().st_size for p in files(lib, dest)}
    catalogued = {
        p: s for p, s in rows.items() if p.startswith((os.fsencode(lib), os.fsencode(dest)))
    }
    assert catalogued == on_disk, f"{label}: catalog and disk disagree"
    assert open_ops == 0, f"{label}: {open_ops} operations left open"


def wait_running(db: Path, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.05)
            try:
                if con.execute("SELECT 1 FROM runs WHERE status = 'running'").fetchone():
                    return
            finally:
                con.close()
        except sqlite3.OperationalError:
            pass
        time.sleep(0.002)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--tracks", type=int, default=400)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    base = Path(tempfile.mkdtemp(prefix="organize-stress-"))
    template, work = base / "template", base / "work"
    lib, dest, db = work / "lib", work / "tidy", work / "cat.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHELF_")}
    env["XDG_CONFIG_HOME"] = str(base / "config")
    subprocess.run(
        [sys.executable, "-m", "mediashelf", "bench", "generate", str(lib),
         "--tracks", str(args.tracks), "--seed", "5"],
        check=True, env=env, capture_output=True,
    )  # fmt: skip
    for marker in lib.glob(".mediashelf-bench*"):
        marker.unlink()
    subprocess.run(shelf(db, "scan", str(lib), "-q"), check=True, env=env, capture_output=True)
    shutil.copytree(work, template)
    original = contents(lib)
    start = time.monotonic()
    subprocess.run(shelf(db, "organize", "--into", str(dest), "--yes", "-q"), check=True, env=env)
    con = sqlite3.connect(db)
    started, finished = con.execute("SELECT started_ns, finished_ns FROM runs").fetchone()
    con.close()
    apply_seconds = (finished - started) / 1e9
    print(
        f"one uninterrupted run: {time.monotonic() - start:.2f} s ({apply_seconds:.2f} s applying)"
    )
    hits = 0
    for round_ in range(args.runs):
        rng = random.Random(args.seed * 100_000 + round_)
        shutil.rmtree(work)
        shutil.copytree(template, work)
        undoing = round_ % 3 == 2
        if undoing:  # kill an undo instead: organize fully first
            subprocess.run(
                shelf(db, "organize", "--into", str(dest), "--yes", "-q"), check=True, env=env
            )
            cmd = shelf(db, "undo", "-q")
        else:
            cmd = shelf(db, "organize", "--into", str(dest), "--yes", "-q")
        proc = subprocess.Popen(
            cmd,
            env=env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if undoing:
            # the organize run is done; wait for the undo's own run row
            deadline = time.monotonic() + 60
            while proc.poll() is None and time.monotonic() < deadline:
                con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.05)
                try:
                    if con.execute("SELECT 1 FROM runs WHERE mode = 'undo'").fetchone():
                        break
                except sqlite3.OperationalError:
                    pass
                finally:
                    con.close()
                time.sleep(0.002)
        else:
            wait_running(db, proc)
        time.sleep(rng.uniform(0, 1.0) * apply_seconds)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        r = subprocess.run(shelf(db, "recover"), env=env, capture_output=True)
        assert r.returncode == 0, r.stderr
        if b"was interrupted" in r.stdout:
            hits += 1
        label = f"round {round_} ({'undo' if undoing else 'organize'}, seed {args.seed})"
        check(db, lib, dest, original, label)
        again = subprocess.run(cmd, env=env, capture_output=True)
        assert again.returncode == 0, (again.returncode, again.stdout, again.stderr)
        check(db, lib, dest, original, label + ", run again")
        print(f"{label}: ok", flush=True)
    shutil.rmtree(base)
    print(f"{args.runs} rounds, {hits} kills landed inside a run, no file lost, no leftovers")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
