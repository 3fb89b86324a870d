"""Where a first index spends its time, per file: the split behind `shelf bench`'s
`first` scenario.

    python benchmarks/first_index_profile.py                       # the bench's 10k library
    python benchmarks/first_index_profile.py ~/Music --files 5000 --rounds 5
    python benchmarks/first_index_profile.py --json out.json --markdown

Worker side (what each scan worker does per file), per file type, in CPU µs:
`open` (open, read both ends, quick hash), `load` (format detection and loading:
the first pass, or mutagen alone), `normalize` (tags into fields and `extra`,
stream fields), `row` (the catalog row: folded text, JSON of lists and `extra`),
`pickle` (the row's share of its batch sent to the scan).  For comparison, the
serial baseline `mutagen.File(path)` and, if installed, `tinytag.TinyTag.get(path,
image=True)` and pytaglib's `taglib.File(path)`.

Main process, per file: `walk`, `diff` and `write` of a single-process scan
(`--jobs 1`, where nothing else competes for the CPU), `unpickle`, and the write
split by index: the bulk upsert into an empty catalog with every index, and with
only the unique path index.

Each loop runs `--rounds` times over the same files (warm page cache, one untimed
pass first) and the median is reported.  Worker-side loops run in one fresh
process per reader path, as mutagen is patched once the reader is imported.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

GROUPS = ("mp3", "flac", "m4a", "ogg", "opus", "other")


def list_files(root: Path, limit: int) -> list[str]:
    found = []
    for top, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(os.path.join(top, n) for n in sorted(names) if not n.startswith("."))
    if len(found) > limit:
        step = len(found) / limit
        found = [found[int(i * step)] for i in range(limit)]
    return found


def group_of(path: str) -> str:
    ext = path.rpartition(".")[2].lower()
    return ext if ext in GROUPS else "other"


def cpu_per_file(fn: Callable[[str], object], paths: list[str], rounds: int) -> float:
    """Median CPU µs per file of `fn` over `paths` (after one untimed pass)."""
    for p in paths:
        fn(p)
    times = []
    for _ in range(rounds):
        t = time.process_time()
        for p in paths:
            fn(p)
        times.append((time.process_time() - t) / len(paths) * 1e6)
    return statistics.median(times)


# -- worker side, in a child process per reader path ------------------------------------------


def _worker_steps(first_pass: bool) -> dict[str, Callable[[str], object]]:
    from mediashelf.catalog.rows import item_row
    from mediashelf.errors import MediaError
    from mediashelf.extract.audio.detect import detect
    from mediashelf.extract.audio.load import load
    from mediashelf.extract.audio.read import read_audio
    from mediashelf.extract.audio.values import Collector
    from mediashelf.extract.registry import choose
    from mediashelf.model import Extracted, FileStat, extension
    from mediashelf.quickhash import quick_hash, read_ends
    from mediashelf.scan.extract import _extra_json

    def stat(p: str) -> FileStat:
        st = os.stat(p)
        return FileStat(os.fsencode(p), st.st_size, st.st_mtime_ns, st.st_dev, st.st_ino)

    def open_hash(p: str) -> object:
        with open(p, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            head, tail = read_ends(f, size)
            return quick_hash(size, head, tail)

    def read(p: str, whole: bool) -> object:
        with open(p, "rb") as f:
            head = f.read(16384)
            f.seek(0)
            ext = p.rpartition(".")[2].lower()
            try:
                if whole:
                    return read_audio(f, b"", ext, head, first_pass=first_pass)
                detection = detect(f, head, ext)
                f.seek(0)
                if detection.format is None:
                    return None
                size = f.seek(0, 2)
                f.seek(0)
                return load(detection.format, f, detection, size, Collector(), head, first_pass)
            except MediaError:
                return None

    def other(p: str) -> object:
        """A file that is not audio: what the scan does with it (a sidecar, an image)."""
        fs = stat(p)
        with open(p, "rb") as f:
            head = f.read(16384)
            f.seek(0)
            choice = choose(extension(fs.path), head)
            if choice is None:
                return None
            try:
                return choice.reader.load()(f, fs, extension(fs.path), head)
            except MediaError:
                return None

    extracted: dict[str, Any] = {}

    def row(p: str) -> object:
        ex = extracted.get(p)
        if ex is None:
            from mediashelf.scan.extract import _read

            ex = extracted[p] = _read(stat(p))
        return item_row(
            Extracted(ex.stat, ex.kind, ex.format, ex.fields, ex.extra, ex.quick_hash), 1, 1, 0
        )

    def extra_json(p: str) -> object:
        ex = extracted[p]
        return _extra_json(json.loads(ex.extra)) if ex.extra else None

    return {
        "open": open_hash,
        "load": lambda p: read(p, False) if group_of(p) != "other" else other(p),
        "read": lambda p: read(p, True) if group_of(p) != "other" else other(p),
        "row": row,
        "extra_json": extra_json,
    }


def child(args: argparse.Namespace) -> None:
    """Time the worker-side steps (or a baseline library) over the paths on stdin."""
    paths = sys.stdin.read().splitlines()
    groups: dict[str, list[str]] = {}
    for p in paths:
        groups.setdefault(group_of(p), []).append(p)
    out: dict[str, dict[str, float]] = {}
    if args.child in ("first", "mutagen-path"):
        from mediashelf.extract.registry import preload

        preload([os.fsencode(p) for p in paths[:50]])
        steps = _worker_steps(args.child == "first")
        for name in ("open", "load", "read", "row", "extra_json"):
            for g, ps in groups.items():
                out.setdefault(g, {})[name] = cpu_per_file(steps[name], ps, args.rounds)
        out["pickle"] = _pickle_cost(paths, steps["row"])
    elif args.child == "mutagen":
        import mutagen

        mutagen.File(os.devnull)

        def load(p: str) -> object:
            try:
                return mutagen.File(p)
            except Exception:
                return None

        for g, ps in groups.items():
            out[g] = {"mutagen.File": cpu_per_file(load, ps, args.rounds)}
    elif args.child in ("tinytag", "pytaglib"):
        read = _library_reader(args.child)
        for g, ps in groups.items():
            if g != "other":
                out[g] = {args.child: cpu_per_file(read, ps, args.rounds)}
    print(json.dumps(out))


def _library_reader(name: str) -> Callable[[str], object]:
    """`TinyTag.get(path, image=True)` or pytaglib's `taglib.File(path)` (tags and
    stream properties), errors ignored."""
    if name == "tinytag":
        from tinytag import TinyTag

        def get(p: str) -> object:
            return TinyTag.get(p, image=True)
    else:
        import taglib

        def get(p: str) -> object:
            with taglib.File(p) as f:
                return f.tags, f.length

    def read(p: str) -> object:
        try:
            return get(p)
        except Exception:
            return None

    return read


def _pickle_cost(paths: list[str], row: Callable[[str], Any]) -> dict[str, float]:
    """µs per file to pickle batches of 256 rows (a worker sending them) and to
    unpickle them (the scan receiving them)."""
    rows = [(row(p), None) for p in paths]
    batches = [rows[i : i + 256] for i in range(0, len(rows), 256)]
    t = time.process_time()
    blobs = [pickle.dumps(b, protocol=5) for b in batches]
    dumps = (time.process_time() - t) / len(rows) * 1e6
    t = time.process_time()
    for blob in blobs:
        pickle.loads(blob)
    loads = (time.process_time() - t) / len(rows) * 1e6
    return {"dumps": dumps, "loads": loads}


def run_child(kind: str, paths: list[str], rounds: int) -> dict[str, dict[str, float]]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--rounds", str(rounds)],
        input="\n".join(paths),
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, dict[str, float]] = json.loads(out.stdout)
    return result


# -- main process -------------------------------------------------------------------------


def main_side(root: Path, rounds: int) -> dict[str, float]:
    """walk, diff and write of `shelf scan --jobs 1` (µs per file, medians)."""
    phases: dict[str, list[float]] = {"walk": [], "diff": [], "write": [], "files_per_s": []}
    for _ in range(rounds):
        with tempfile.TemporaryDirectory() as tmp:
            cmd = [sys.executable, "-m", "mediashelf", "scan", str(root), "--json"]
            cmd += ["--db", f"{tmp}/c.db", "--jobs", "1"]
            done = subprocess.run(cmd, capture_output=True, text=True, check=False)
            summary = json.loads(done.stdout.strip().splitlines()[-1])
        n = summary["files"]
        for name in ("walk", "diff", "write"):
            phases[name].append(summary["seconds"][name] / n * 1e6)
    out = {k: statistics.median(v) for k, v in phases.items() if v}
    out.update(_index_costs(root, rounds))
    return out


def _index_costs(root: Path, rounds: int) -> dict[str, float]:
    """CPU µs per row of the bulk upsert into an empty catalog: every index, and the
    unique path index alone."""
    from mediashelf.catalog import open_catalog
    from mediashelf.catalog.writer import Writer
    from mediashelf.model import FileStat
    from mediashelf.scan.extract import extract_batch

    tasks = []
    for p in list_files(root, 20000):
        st = os.stat(p)
        fs = FileStat(os.fsencode(p), st.st_size, st.st_mtime_ns, st.st_dev, st.st_ino)
        tasks.append((fs, 1, "added"))
    rows = [r for r, _ in extract_batch(tasks, 30.0, 1).results]
    out: dict[str, list[float]] = {"upsert_all_indexes": [], "upsert_path_index_only": []}
    for _ in range(rounds):
        for key, drop in (("upsert_all_indexes", False), ("upsert_path_index_only", True)):
            with tempfile.TemporaryDirectory() as tmp:
                catalog = open_catalog(Path(tmp, "c.db"))
                if drop:
                    names = catalog.db.execute(
                        "SELECT name FROM sqlite_master WHERE type = 'index' "
                        "AND tbl_name = 'items' AND sql IS NOT NULL AND name != 'items_path'"
                    ).fetchall()
                    for (name,) in names:
                        catalog.db.execute(f"DROP INDEX {name}")
                writer = Writer(catalog, 1, 2000)
                t = time.process_time()
                for i in range(0, len(rows), 256):
                    writer.upsert(rows[i : i + 256])
                writer.commit()
                out[key].append((time.process_time() - t) / len(rows) * 1e6)
                catalog.close()
    return {k: statistics.median(v) for k, v in out.items()}


# -- report -------------------------------------------------------------------------------


def report(results: dict[str, Any], counts: dict[str, int]) -> str:
    first, path, base = results["first"], results["mutagen-path"], results["mutagen"]
    tiny, tl = results.get("tinytag", {}), results.get("pytaglib", {})
    lines = [
        "| file type | files | open | load: first pass | load: mutagen | normalize | row "
        "| mutagen.File | tinytag | pytaglib |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for g in GROUPS:
        if g not in first:
            continue
        f, m = first[g], path[g]
        normalize = max(0.0, f["read"] - f["load"])
        row = f["row"]
        t = tiny.get(g, {}).get("tinytag")
        p = tl.get(g, {}).get("pytaglib")
        lines.append(
            f"| {g} | {counts.get(g, 0)} | {f['open']:.0f} | {f['load']:.0f} | {m['load']:.0f} "
            f"| {normalize:.0f} | {row:.0f} | {base[g]['mutagen.File']:.0f} "
            f"| {'-' if t is None else f'{t:.0f}'} | {'-' if p is None else f'{p:.0f}'} |"
        )
    pickled = first["pickle"]
    m = results["main"]
    lines += [
        "",
        f"pickle {pickled['dumps']:.1f} µs/file in the worker, "
        f"unpickle {pickled['loads']:.1f} µs/file in the scan",
        "",
        "| main process (µs/file) | walk | diff | write | upsert, every index "
        "| upsert, path index only |",
        "|---|---|---|---|---|---|",
        f"| `shelf scan --jobs 1` | {m['walk']:.0f} | {m['diff']:.0f} | {m['write']:.0f} "
        f"| {m['upsert_all_indexes']:.0f} | {m['upsert_path_index_only']:.0f} |",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("library", nargs="?", type=Path, help="folder of media files")
    parser.add_argument("--files", type=int, default=4000, help="sample size (default 4000)")
    parser.add_argument(
        "--tracks", type=int, default=10000, help="size of the generated library (10000)"
    )
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds (default 5)")
    parser.add_argument("--json", type=Path, help="also write every number to this file")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return 0
    root = args.library
    if root is None:  # the bench's library of that size, generated once and kept
        from mediashelf.bench.generate import generate_library

        root = Path.home() / ".cache" / "mediashelf-bench" / f"library-{args.tracks}-seed1"
        print(f"library: {root}", file=sys.stderr)
        generate_library(root, args.tracks, seed=1)
    paths = list_files(root, args.files)
    counts: dict[str, int] = {}
    for p in paths:
        counts[group_of(p)] = counts.get(group_of(p), 0) + 1
        Path(p).read_bytes()  # warm the page cache
    results: dict[str, Any] = {}
    for kind in ("first", "mutagen-path", "mutagen", "tinytag", "pytaglib"):
        try:
            results[kind] = run_child(kind, paths, args.rounds)
        except subprocess.CalledProcessError as e:
            if kind in ("first", "mutagen-path", "mutagen"):
                raise
            print(f"{kind} not measured: {e.stderr.strip()[-120:]}", file=sys.stderr)
    results["main"] = main_side(root, max(1, args.rounds // 2))
    print(report(results, counts))
    if args.json:
        payload = {"library": str(root), "files": counts, "results": results}
        args.json.write_text(json.dumps(payload, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
