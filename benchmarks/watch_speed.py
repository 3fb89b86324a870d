"""`shelf watch` measured: latency to the catalog, bulk copies, idle CPU, memory.

    python benchmarks/watch_speed.py                          # everything, default sizes
    python benchmarks/watch_speed.py --only latency,bulk --settle 5
    python benchmarks/watch_speed.py --idle-files 100000 --soak 1800

Each part runs a real `shelf watch --json` process on a tree in a temporary folder:

- latency: single mp3 files written one at a time; from the moment each is closed to
  its row being in the catalog (polled every 10 ms): p50 and p95.  Target: p95 <=
  settle + 1 s.
- bulk: `cp -r` of --bulk-files files in 100 folders; from the end of the copy to
  every row being present.  Target: <= settle + 10 s.
- idle: the watcher's CPU time (user + system, from /proc) over --idle seconds while
  it watches a tree of --idle-files files with nothing changing.  Target: < 1% of
  one core.
- soak: --soak seconds of churn (a bounded loop of adds, edits and deletes in 50
  folders, ten changes to one folder and then the next, so every folder settles and
  is written each round); the watcher's resident memory and the catalogued files
  sampled every 10 s; at the end, the seconds until the catalog matches the disk.  Flat: the last
  sample within 10% (or 5 MB) of the one after the first minute.

Writes the numbers as JSON with --json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any

MP3 = Path(__file__).resolve().parent.parent / "tests"


def mp3_bytes() -> bytes:
    sys.path.insert(0, str(MP3.parent))
    from tests.media import audio_template

    return audio_template("mp3")


class Watcher:
    def __init__(self, root: Path, db: Path, settle: float) -> None:
        self.db = db
        argv = [sys.executable, "-m", "mediashelf", "--db", str(db), "watch", str(root)]
        argv += ["--settle", str(settle), "--json", "--reconcile", "0"]
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        assert self.proc.stderr is not None
        for line in self.proc.stderr:  # the start scan is done when it says "watching"
            if b"watching" in line:
                break
        # keep reading what it says, or a full pipe would stop the watcher at its next line
        self.said: deque[bytes] = deque(maxlen=200)
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.said.append(line)

    def present(self, path: bytes) -> bool:
        con = sqlite3.connect(self.db)
        try:
            row = con.execute("SELECT 1 FROM items WHERE path = ? AND missing = 0", (path,))
            return row.fetchone() is not None
        finally:
            con.close()

    def count(self) -> int:
        con = sqlite3.connect(self.db)
        try:
            return int(con.execute("SELECT count(*) FROM items WHERE missing = 0").fetchone()[0])
        finally:
            con.close()

    def cpu(self) -> float:
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_mb(self) -> float:
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return 0.0

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(60)


def latency(base: Path, settle: float, files: int) -> dict[str, Any]:
    root = base / "latency"
    (root / "Album").mkdir(parents=True)
    w = Watcher(root, base / "latency.db", settle)
    data = mp3_bytes()
    out = []
    try:
        for i in range(files):
            path = root / "Album" / f"{i:03d}.mp3"
            with open(path, "wb") as f:
                f.write(data + i.to_bytes(4, "big"))
            closed = time.monotonic()
            while not w.present(os.fsencode(path)):
                time.sleep(0.01)
            out.append(time.monotonic() - closed)
            time.sleep(0.2)
    finally:
        w.stop()
    out.sort()
    p95 = out[min(len(out) - 1, round(0.95 * (len(out) - 1)))]
    return {
        "settle": settle,
        "files": files,
        "p50_s": round(statistics.median(out), 3),
        "p95_s": round(p95, 3),
        "max_s": round(out[-1], 3),
        "target_p95_s": settle + 1,
        "met": p95 <= settle + 1,
    }


def bulk(base: Path, settle: float, files: int) -> dict[str, Any]:
    root, src = base / "bulk", base / "bulk-src"
    root.mkdir()
    data = mp3_bytes()
    for i in range(files):
        d = src / f"Folder {i % 100:03d}"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"{i:05d}.mp3").write_bytes(data + i.to_bytes(4, "big"))
    w = Watcher(root, base / "bulk.db", settle)
    try:
        t0 = time.monotonic()
        subprocess.run(["cp", "-r", str(src), str(root / "copy")], check=True)
        end = time.monotonic()
        while w.count() < files:
            time.sleep(0.1)
            if time.monotonic() - end > 600:
                break
        took = time.monotonic() - end
        present = w.count()
    finally:
        w.stop()
    return {
        "files": files,
        "copy_s": round(end - t0, 2),
        "all_present_after_s": round(took, 2),
        "present": present,
        "target_s": settle + 10,
        "met": present == files and took <= settle + 10,
    }


def idle(base: Path, settle: float, files: int, seconds: float) -> dict[str, Any]:
    root = base / "idle"
    for i in range(files):
        d = root / f"Artist {i // 1000:03d}" / f"Album {(i // 50) % 20:02d}"
        if i % 50 == 0:
            d.mkdir(parents=True, exist_ok=True)
        (d / f"{i:06d}.mp3").write_bytes(b"ID3" + i.to_bytes(4, "big"))
    t0 = time.monotonic()
    w = Watcher(root, base / "idle.db", settle)
    start_s = time.monotonic() - t0
    try:
        time.sleep(2)
        c0 = w.cpu()
        time.sleep(seconds)
        pct = 100 * (w.cpu() - c0) / seconds
        rss = w.rss_mb()
    finally:
        w.stop()
    return {
        "files": files,
        "start_s": round(start_s, 1),
        "seconds": seconds,
        "cpu_pct_of_one_core": round(pct, 3),
        "rss_mb": round(rss, 1),
        "met": pct < 1.0,
    }


def soak(base: Path, settle: float, seconds: float) -> dict[str, Any]:
    root = base / "soak"
    data = mp3_bytes()
    for d in range(50):
        (root / f"F{d:02d}").mkdir(parents=True)
    w = Watcher(root, base / "soak.db", settle)
    samples: list[tuple[float, float]] = []
    rows: list[int] = []  # catalogued files at each sample: the watcher keeps writing
    t0 = time.monotonic()
    i = 0
    try:
        next_sample = t0
        while time.monotonic() - t0 < seconds:
            # ten changes to a folder, then the next: each folder is quiet for ~10 s
            # between its bursts, so it settles and is written every round
            folder = root / f"F{i // 10 % 50:02d}"
            path = folder / f"{i % 8}.mp3"  # bounded: 8 names a folder, 400 in all
            if path.exists() and i % 3 == 0:
                path.unlink()
            else:
                path.write_bytes(data + i.to_bytes(4, "big"))
            i += 1
            time.sleep(0.02)
            if time.monotonic() >= next_sample:
                samples.append((round(time.monotonic() - t0), round(w.rss_mb(), 1)))
                rows.append(w.count())
                next_sample += 10
        # the churn never leaves a folder quiet for the settle time, so the watcher waits;
        # once it stops, the catalog must come to match the disk
        stopped = time.monotonic()
        on_disk = sum(1 for _ in root.rglob("*.mp3"))
        in_catalog = w.count()
        while in_catalog != on_disk and time.monotonic() - stopped < settle + 120:
            time.sleep(0.5)
            in_catalog = w.count()
        caught_up = round(time.monotonic() - stopped, 1)
    finally:
        w.stop()
    after_minute = next((m for t, m in samples if t >= 60), samples[0][1])
    last = samples[-1][1]
    return {
        "seconds": seconds,
        "changes": i,
        "files_on_disk_at_end": on_disk,
        "rows_in_catalog_at_end": in_catalog,
        "seconds_to_match_after_the_churn": caught_up,
        "rss_mb_samples": samples,
        "rows_at_samples": rows,
        "rss_after_first_minute_mb": after_minute,
        "rss_last_mb": last,
        "flat": last <= max(after_minute * 1.10, after_minute + 5),
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--only", default="latency,bulk,idle,soak")
    p.add_argument("--settle", type=float, default=5.0)
    p.add_argument("--latency-files", type=int, default=20)
    p.add_argument("--bulk-files", type=int, default=10_000)
    p.add_argument("--idle-files", type=int, default=100_000)
    p.add_argument("--idle", type=float, default=60.0)
    p.add_argument("--soak", type=float, default=1800.0)
    p.add_argument("--json", metavar="FILE")
    args = p.parse_args()
    parts = args.only.split(",")
    base = Path(tempfile.mkdtemp(prefix="watch-speed-"))
    results: dict[str, Any] = {}
    try:
        if "latency" in parts:
            results["latency"] = latency(base, args.settle, args.latency_files)
            print("latency", results["latency"], flush=True)
        if "bulk" in parts:
            results["bulk"] = bulk(base, args.settle, args.bulk_files)
            print("bulk", results["bulk"], flush=True)
        if "idle" in parts:
            results["idle"] = idle(base, args.settle, args.idle_files, args.idle)
            print("idle", results["idle"], flush=True)
        if "soak" in parts:
            results["soak"] = soak(base, args.settle, args.soak)
            print("soak", results["soak"], flush=True)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
