"""watchfiles or watchdog: which one `shelf watch` uses, measured on this machine.

    python benchmarks/watch_libraries.py                      # 100,000 files, 5 rounds
    python benchmarks/watch_libraries.py --files 20000 --rounds 3 --idle 20

Each library watches the same tree, recursively, in a child process of its own (so its
CPU time is its own), and prints every path it hears about with the time it heard it.
The rounds interleave the two libraries.  Measured per round:

- start: seconds until the watch is set up on the whole tree;
- idle CPU: user + system CPU of the child over `--idle` seconds with no change, as a
  share of one core;
- latency: from a file's close to the child printing its path, for 20 single files one
  at a time (p50, p95);
- bulk copy: `cp -r` of 5,000 files in 50 new sub-folders into the tree; how many of
  the files were never named by an event (lost), with and without the new folders'
  own events;
- a small watch limit: the child runs as another user (uid 65534) that first uses up
  all but 50 of its `max_user_watches` (the limit counts per user, so nothing else on
  the machine is touched), then watches a tree of 200 folders: what the library does
  (raises, says nothing, watches some).

Prints a table and writes every number as JSON (`--json`).
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

LIBS = ("watchfiles", "watchdog")
NOBODY = 65534


# -- the child: one library watching one tree -------------------------------------------


def child(lib: str, root: str) -> None:
    out = sys.stdout

    def say(path: str) -> None:
        out.write(f"{time.time():.6f}\t{path}\n")
        out.flush()

    if lib == "watchfiles":
        from watchfiles import watch

        first = True
        # the shortest debounce the library allows in practice: 50 ms quiet, 10 ms steps
        for changes in watch(root, debounce=50, step=10, yield_on_timeout=True, rust_timeout=200):
            if first:
                out.write("READY\n")
                out.flush()
                first = False
            for _, path in changes:
                say(path)
    else:
        from watchdog.events import FileSystemEvent, FileSystemEventHandler
        from watchdog.observers import Observer

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event: FileSystemEvent) -> None:
                say(os.fsdecode(event.src_path))
                if event.dest_path:
                    say(os.fsdecode(event.dest_path))

        observer = Observer()
        try:
            observer.schedule(Handler(), root, recursive=True)
            observer.start()
        except OSError as e:
            out.write(f"ERROR\t{e}\n")
            out.flush()
            return
        out.write("READY\n")
        out.flush()
        while True:
            time.sleep(3600)


# -- the parent --------------------------------------------------------------------------


class Watching:
    """A child process watching `root` with `lib`, its lines collected by a thread."""

    def __init__(self, lib: str, root: Path, eat: int = 0) -> None:
        argv = [sys.executable, __file__, "--child", lib, str(root)]
        if eat:
            argv += ["--leave", str(eat)]
        t0 = time.monotonic()
        self.proc = subprocess.Popen(
            argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.seen: dict[str, float] = {}
        self.lines: list[str] = []
        self.ready = threading.Event()
        self.error = ""
        threading.Thread(target=self._read, daemon=True).start()
        self.ready.wait(300)
        self.start_s = time.monotonic() - t0

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith("READY"):
                self.ready.set()
                continue
            if line.startswith("ERROR"):
                self.error = line.split("\t", 1)[1].strip()
                self.ready.set()
                continue
            ts, _, path = line.rstrip("\n").partition("\t")
            self.seen.setdefault(path, float(ts))
        self.ready.set()

    def cpu_seconds(self) -> float:
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def quiet(self, seconds: float, limit: float = 120) -> None:
        """Wait until no new path has come for `seconds`."""
        deadline = time.monotonic() + limit
        last = -1
        while time.monotonic() < deadline:
            n = len(self.seen)
            if n == last:
                return
            last = n
            time.sleep(seconds)

    def stop(self) -> str:
        self.proc.kill()
        self.proc.wait()
        assert self.proc.stderr is not None
        return self.proc.stderr.read()[-2000:]


def make_tree(root: Path, files: int, per_dir: int = 50) -> None:
    for i in range(files):
        d = root / f"artist{i // (per_dir * 10):04d}" / f"album{(i // per_dir) % 10}"
        if i % per_dir == 0:
            d.mkdir(parents=True, exist_ok=True)
        (d / f"{i:06d}.mp3").write_bytes(b"x" * 64)


def one_round(lib: str, tree: Path, bulk_src: Path, idle: float) -> dict[str, Any]:
    w = Watching(lib, tree)
    out: dict[str, Any] = {"start_s": round(w.start_s, 3)}
    try:
        time.sleep(1.0)  # let setup work settle before the idle window
        c0 = w.cpu_seconds()
        time.sleep(idle)
        out["idle_cpu_pct"] = round(100 * (w.cpu_seconds() - c0) / idle, 3)
        latencies = []
        for i in range(20):
            path = tree / f"artist0000/album0/new-{lib}-{i}.mp3"
            with open(path, "wb") as f:
                f.write(b"y" * 4096)
            closed = time.time()
            deadline = time.monotonic() + 10
            while str(path) not in w.seen and time.monotonic() < deadline:
                time.sleep(0.002)
            latencies.append(w.seen.get(str(path), closed + 10) - closed)
            time.sleep(0.1)
        latencies.sort()
        out["latency_p50_ms"] = round(1000 * statistics.median(latencies), 1)
        out["latency_p95_ms"] = round(1000 * latencies[int(0.95 * (len(latencies) - 1))], 1)
        dest = tree / f"bulk-{lib}-{time.monotonic_ns()}"
        t0 = time.monotonic()
        subprocess.run(["cp", "-r", str(bulk_src), str(dest)], check=True)
        copy_s = time.monotonic() - t0
        w.quiet(2.0)
        copied = [str(p) for p in dest.rglob("*.mp3")]
        lost = [p for p in copied if p not in w.seen]
        out["bulk_files"] = len(copied)
        out["bulk_lost"] = len(lost)
        out["bulk_copy_s"] = round(copy_s, 2)
        shutil.rmtree(dest)
    finally:
        w.stop()
    return out


# -- a small watch limit, for real, as another user --------------------------------------


def _libc() -> Any:
    return ctypes.CDLL(None, use_errno=True)


def leave_watches(leave: int) -> list[int]:
    """Use up this user's inotify watches until only `leave` are left (fds kept open)."""
    libc = _libc()
    spare = tempfile.mkdtemp(prefix="watch-eater-")
    names = []
    for i in range(2000):
        p = os.path.join(spare, f"f{i}")
        open(p, "wb").close()
        names.append(p.encode())
    fds: list[int] = []
    held: list[tuple[int, int]] = []
    while True:
        fd = libc.inotify_init()
        if fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init")
        fds.append(fd)
        full = False
        for name in names:
            wd = libc.inotify_add_watch(fd, name, 0x00000002)  # IN_MODIFY
            if wd < 0:
                full = True
                break
            held.append((fd, wd))
        if full:
            break
    for fd, wd in held[-leave:]:
        libc.inotify_rm_watch(fd, wd)
    return fds


def small_limit(lib: str, base: Path) -> dict[str, Any]:
    tree = base / f"limit-{lib}"
    for i in range(200):
        (tree / f"d{i:03d}").mkdir(parents=True, exist_ok=True)
    os.chown(base, NOBODY, NOBODY)
    for dirpath, _dirnames, _ in os.walk(tree):
        os.chown(dirpath, NOBODY, NOBODY)
    w = Watching(lib, tree, eat=50)
    try:
        time.sleep(2)
        probe = tree / "d199" / "probe.mp3"
        probe.write_bytes(b"z")
        early = tree / "d000" / "probe.mp3"
        early.write_bytes(b"z")
        time.sleep(2)
        alive = w.proc.poll() is None
        return {
            "error_raised": w.error or None,
            "still_running": alive,
            "event_in_first_folder": str(early) in w.seen,
            "event_in_last_folder": str(probe) in w.seen,
            "stderr_tail": w.stop().strip().splitlines()[-3:],
        }
    finally:
        if w.proc.poll() is None:
            w.stop()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--child", nargs=2, metavar=("LIB", "ROOT"), help=argparse.SUPPRESS)
    p.add_argument("--leave", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--files", type=int, default=100_000)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--idle", type=float, default=60.0, help="seconds of the idle window")
    p.add_argument("--json", metavar="FILE")
    args = p.parse_args()
    if args.child:
        if args.leave:
            # the libraries are imported as root (the interpreter may live where uid
            # 65534 cannot read), then the watches are made as that user
            import platform  # noqa: F401  (watchfiles imports it when it starts)

            import watchdog.observers
            import watchfiles  # noqa: F401

            _ = watchdog.observers.Observer
            os.setegid(NOBODY)
            os.seteuid(NOBODY)
            leave_watches(args.leave)
        child(*args.child)
        return 0
    base = Path(tempfile.mkdtemp(prefix="watch-libraries-"))
    try:
        tree = base / "tree"
        make_tree(tree, args.files)
        bulk_src = base / "bulk-src"
        make_tree(bulk_src, 5000, per_dir=100)
        results: dict[str, list[dict[str, Any]]] = {lib: [] for lib in LIBS}
        for r in range(args.rounds):
            for lib in LIBS if r % 2 == 0 else reversed(LIBS):
                res = one_round(lib, tree, bulk_src, args.idle)
                print(f"round {r + 1} {lib}: {res}", file=sys.stderr, flush=True)
                results[lib].append(res)
        limits = {}
        if os.geteuid() == 0:
            for lib in LIBS:
                limits[lib] = small_limit(lib, base)
                print(f"small limit {lib}: {limits[lib]}", file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    keys = ["start_s", "idle_cpu_pct", "latency_p50_ms", "latency_p95_ms", "bulk_lost"]
    print(f"{args.files:,} files, medians of {args.rounds} rounds (min-max)")
    print("| library | " + " | ".join(keys) + " |")
    print("|---" * (len(keys) + 1) + "|")
    for lib in LIBS:
        cells = []
        for k in keys:
            vals = [r[k] for r in results[lib]]
            cells.append(f"{statistics.median(vals):g} ({min(vals):g}-{max(vals):g})")
        print(f"| {lib} | " + " | ".join(cells) + " |")
    for lib, res in limits.items():
        print(f"small watch limit, {lib}: {res}")
    if args.json:
        Path(args.json).write_text(
            json.dumps({"files": args.files, "rounds": results, "small_limit": limits}, indent=1)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
