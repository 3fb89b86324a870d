"""Time `shelf dupes --exact` against rdfind and jdupes on a 100k-file library.

    python benchmarks/dupes_vs_rdfind.py                 # 100,000 files, 5 rounds
    python benchmarks/dupes_vs_rdfind.py --runs 3 --json out.json

The tree (cached under `~/.cache/mediashelf-bench/dupes-<files>-seed<seed>/tree`) is
the generated benchmark library (`shelf bench generate`, cached as
`library-100000-seed1`) mirrored with hard links, one link per source file, so no
inode appears twice inside the tree, plus 5% real byte copies (`shutil.copyfile`) of
randomly chosen files, placed in other folders under other names.  The generated
library has duplicates of its own (covers, sidecars); they count for every tool alike.

The tree is scanned once (untimed), then each round times, interleaved, with a warm
page cache:

- `shelf dupes --exact --json > /dev/null`, first run: the stored hashes are deleted
  before it;
- the same command again: hashes cached in the catalog;
- `rdfind -dryrun true -outputname /dev/null TREE`;
- `jdupes -r -q TREE > /dev/null`.

A tool that is not installed is skipped.  The groups found by shelf are checked
against jdupes' (and rdfind's) groups.  Medians (min-max) of `--runs` rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CACHE = Path.home() / ".cache" / "mediashelf-bench"
#: bump when the tree changes, so cached ones are rebuilt
VERSION = 1


def _source(files: int, seed: int) -> Path:
    """The generated library of `files` tracks (with covers and sidecars: a few more files)."""
    src = CACHE / f"library-{files}-seed{seed}"
    if not src.is_dir():
        print(f"generating the benchmark library in {src} (once) ...", file=sys.stderr)
        subprocess.run(
            [sys.executable, "-m", "mediashelf", "bench", "generate", str(src), "--tracks",
             str(files), "--seed", str(seed)],
            check=True,
        )  # fmt: skip
    return src


def build_tree(files: int, seed: int, share: float) -> Path:
    """The tree: `files` files in all, `share` of them byte copies of others."""
    work = CACHE / f"dupes-{files}-seed{seed}-v{VERSION}"
    tree = work / "tree"
    done = work / "complete"
    if done.exists():
        return tree
    if work.exists():
        shutil.rmtree(work)
    src = _source(files, seed)
    t0 = time.monotonic()
    copies = int(files * share)
    sources: list[str] = []
    for top, dirs, names in os.walk(src):
        dirs.sort()
        for name in sorted(names):
            path = os.path.join(top, name)
            if os.path.isfile(path) and not os.path.islink(path):
                sources.append(os.path.relpath(path, src))
    sources = sources[: files - copies]
    for rel in sources:
        dst = tree / "library" / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        os.link(src / rel, dst)
    rng = random.Random(seed)
    nonempty = [rel for rel in sources if (src / rel).stat().st_size > 0]
    for i, rel in enumerate(rng.sample(nonempty, copies)):
        stem, ext = os.path.splitext(os.path.basename(rel))
        dst = tree / "copies" / f"{i // 500:02d}" / f"{stem} (copy {i}){ext}"
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src / rel, dst)
    done.write_text(json.dumps({"files": files, "copies": copies, "seed": seed}))
    print(f"built {tree} in {time.monotonic() - t0:.0f} s", file=sys.stderr)
    return tree


def _shelf(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "mediashelf", "--db", str(db), *args]


def _timed(argv: list[str], stdout: Any = subprocess.DEVNULL) -> float:
    t0 = time.perf_counter()
    subprocess.run(argv, stdout=stdout, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - t0


def _clear_hashes(db: Path) -> None:
    con = sqlite3.connect(db)
    with con:
        con.execute("DELETE FROM hashes")
    con.close()


def shelf_groups(db: Path) -> set[frozenset[str]]:
    out = subprocess.run(
        _shelf(db, "dupes", "--exact", "--json"), capture_output=True, check=True
    ).stdout
    groups = set()
    for line in out.splitlines():
        obj = json.loads(line)
        paths = {f["path"] for f in obj["files"]}
        paths.update(link for f in obj["files"] for link in f.get("links", ()))
        groups.add(frozenset(paths))
    return groups


def jdupes_groups(tree: Path) -> set[frozenset[str]]:
    out = subprocess.run(["jdupes", "-r", "-q", str(tree)], capture_output=True, check=True)
    groups: set[frozenset[str]] = set()
    current: set[str] = set()
    for line in out.stdout.decode("utf-8", "surrogateescape").split("\n"):
        if line:
            current.add(line)
        elif current:
            groups.add(frozenset(current))
            current = set()
    if current:
        groups.add(frozenset(current))
    return groups


def rdfind_groups(tree: Path) -> set[frozenset[str]]:
    with tempfile.TemporaryDirectory() as tmp:
        results = Path(tmp) / "results.txt"
        subprocess.run(
            ["rdfind", "-dryrun", "true", "-outputname", str(results), str(tree)],
            capture_output=True,
            check=True,
        )
        by_id: dict[int, set[str]] = {}
        for line in results.read_bytes().decode("utf-8", "surrogateescape").splitlines():
            if line.startswith("#") or not line.strip():
                continue
            # duptype id depth size device inode priority name
            parts = line.split(" ", 7)
            by_id.setdefault(abs(int(parts[1])), set()).add(parts[7])
    return {frozenset(g) for g in by_id.values() if len(g) > 1}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--files", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--share", type=float, default=0.05, help="share of byte copies")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--json", metavar="FILE", help="write the figures as JSON")
    args = ap.parse_args(argv)

    tree = build_tree(args.files, args.seed, args.share)
    db = tree.parent / "catalog.db"
    t0 = time.monotonic()
    subprocess.run(_shelf(db, "scan", str(tree), "--json"), stdout=subprocess.DEVNULL, check=True)
    print(f"scanned {tree} in {time.monotonic() - t0:.0f} s (not timed)", file=sys.stderr)

    tools: dict[str, list[str] | None] = {
        "shelf dupes (first run)": _shelf(db, "dupes", "--exact", "--json"),
        "shelf dupes (cached)": _shelf(db, "dupes", "--exact", "--json"),
        "rdfind -dryrun true": (
            ["rdfind", "-dryrun", "true", "-outputname", "/dev/null", str(tree)]
            if shutil.which("rdfind")
            else None
        ),
        "jdupes -r": ["jdupes", "-r", "-q", str(tree)] if shutil.which("jdupes") else None,
    }
    # one untimed pass warms the page cache for every tool alike
    _clear_hashes(db)
    for argv_ in tools.values():
        if argv_ is not None:
            _timed(argv_)
    times: dict[str, list[float]] = {name: [] for name, a in tools.items() if a is not None}
    for _ in range(args.runs):
        for name, argv_ in tools.items():
            if argv_ is None:
                continue
            if name.endswith("(first run)"):
                _clear_hashes(db)
            times[name].append(_timed(argv_))

    checks: dict[str, str] = {}
    ours = shelf_groups(db)
    copies = sum(len(g) - 1 for g in ours)
    for name, finder in (("jdupes", jdupes_groups), ("rdfind", rdfind_groups)):
        if shutil.which(name):
            theirs = finder(tree)
            same = theirs == ours
            checks[name] = "same groups" if same else (
                f"DIFFERENT: {len(ours - theirs)} groups only in shelf, "
                f"{len(theirs - ours)} only in {name}"
            )  # fmt: skip

    con = sqlite3.connect(db)
    files = con.execute("SELECT count(*) FROM items WHERE missing = 0").fetchone()[0]
    con.close()
    print(f"\n{files:,} files, {len(ours):,} groups of duplicates, {copies:,} redundant copies")
    print(f"{'command':<28} {'median':>9} {'min':>8} {'max':>8}")
    figures: dict[str, Any] = {"files": files, "groups": len(ours), "copies": copies}
    for name, values in times.items():
        med = statistics.median(values)
        print(f"{name:<28} {med:>8.2f}s {min(values):>7.2f}s {max(values):>7.2f}s")
        figures[name] = {"median": med, "min": min(values), "max": max(values), "runs": values}
    for name, verdict in checks.items():
        print(f"groups vs {name}: {verdict}")
    figures["checks"] = checks
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    return 0 if all(v == "same groups" for v in checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
