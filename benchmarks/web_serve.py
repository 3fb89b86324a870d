"""Time `shelf serve` on a 100k catalog: start-up, the album grid, search, thumbnails,
and the memory of the server after browsing.

    python benchmarks/web_serve.py --db CATALOG            # a catalog of ~100k items
    python benchmarks/web_serve.py --db CATALOG --runs 7 --json out.json

CATALOG is a scanned benchmark library (`shelf bench generate DIR`, then `shelf scan`);
its tracks carry embedded covers and its album folders cover files.  Photos for the
photo-tile figure are made here (3 MP JPEGs, cached under ~/.cache/mediashelf-bench)
and scanned into a catalog of their own.  Every figure is the median of `--runs`
runs (or of the requests of a run), with min-max; server times are the app's own
(`Server-Timing`), and round trips are measured over loopback by this script.  The
baseline, measured in the same runs and interleaved, is the same server answering
a static file (`/static/app.css`): the floor of one request through the stack.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

CACHE = Path.home() / ".cache" / "mediashelf-bench"
PHOTOS = 60


def median_range(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "median": statistics.median(values),
        "min": ordered[0],
        "max": ordered[-1],
        "p95": p95,
        "n": len(values),
    }


class Server:
    """`shelf serve` on a free port, with its own thumbnail cache."""

    def __init__(self, db: Path, cache: Path) -> None:
        env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mediashelf", "--db", str(db), "serve", "--port", "0"],
            stderr=subprocess.PIPE, env=env,
        )  # fmt: skip
        assert self.proc.stderr is not None
        line = self.proc.stderr.readline().decode()
        self.url = line.split(" at ", 1)[1].split()[0].rstrip("/")
        threading.Thread(target=self.proc.stderr.read, daemon=True).start()

    def get(self, path: str) -> tuple[float, float, bytes]:
        """(server ms, round trip ms, body) of one GET."""
        t0 = time.perf_counter()
        with urllib.request.urlopen(self.url + path, timeout=60) as r:
            body = r.read()
            timing = r.headers.get("server-timing", "app;dur=nan")
        trip = (time.perf_counter() - t0) * 1000
        return float(timing.split("dur=")[1]), trip, body

    def rss_mb(self) -> float:
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def first_response(db: Path, cache: Path) -> tuple[float, float]:
    """Seconds from starting the process to its first answer (a page of items from the
    catalog), and to its first album grid page."""
    t0 = time.perf_counter()
    server = Server(db, cache)
    server.get("/api/items?limit=1")
    first = time.perf_counter() - t0
    server.get("/albums")
    grid = time.perf_counter() - t0
    server.stop()
    return first, grid


def photo_catalog(work: Path) -> Path:
    """A catalog of PHOTOS generated 3 MP JPEG photos (noise over gradients)."""
    import numpy as np
    from PIL import Image

    folder = CACHE / f"photos-3mp-{PHOTOS}-v1"
    if not folder.is_dir():
        tmp = folder.with_name(folder.name + ".tmp")
        tmp.mkdir(parents=True, exist_ok=True)
        rng = np.random.default_rng(1)
        for i in range(PHOTOS):
            base = np.linspace(0, 255, 2048, dtype=np.float32)[None, :, None]
            pixels = base + rng.normal(0, 40, (1536, 2048, 3))
            Image.fromarray(np.clip(pixels, 0, 255).astype("uint8")).save(
                tmp / f"IMG_{i:04d}.jpg", quality=90
            )
        tmp.rename(folder)
    db = work / "photos.db"
    subprocess.run([sys.executable, "-m", "mediashelf", "--db", str(db), "scan", str(folder), "--json"],
                   check=True, capture_output=True)  # fmt: skip
    return db


def ids(server: Server, query: str, limit: int) -> list[int]:
    q = urllib.parse.urlencode({"q": query, "limit": limit})
    return [i["id"] for i in json.loads(server.get(f"/api/items?{q}")[2])["items"]]


def tile_throughput(
    server: Server, item_ids: list[int], threads: int = 4
) -> tuple[float, list[int]]:
    """Tiles made per second, asking `threads` at a time; and their sizes in bytes."""
    t0 = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        bodies = list(pool.map(lambda i: server.get(f"/api/items/{i}/thumb?size=256")[2], item_ids))
    return len(item_ids) / (time.perf_counter() - t0), [len(b) for b in bodies]


def browse(server: Server, pages: int, albums: int, artists: list[str], items: list[int]) -> None:
    """`pages` page views of every kind, as a user browsing would make them."""
    rng = random.Random(7)
    views: list[Callable[[], str]] = [
        lambda: f"/albums?page={rng.randint(1, max(1, albums // 60))}",
        lambda: f"/search?q={urllib.parse.quote('artist:' + rng.choice(artists))}",
        lambda: f"/items/{rng.choice(items)}",
        lambda: f"/artists?page={rng.randint(1, 5)}",
        lambda: f"/search?view=grid&page={rng.randint(1, 100)}",
    ]
    for n in range(pages):
        server.get(views[n % len(views)]())


def run(db: Path, runs: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        starts = [first_response(db, work / f"cache-start-{i}") for i in range(runs)]
        out["start_to_first_response_s"] = median_range([s[0] for s in starts])
        out["start_to_first_album_grid_s"] = median_range([s[1] for s in starts])
        versions = []
        for _ in range(runs):  # the interpreter's own start, for scale
            t0 = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "mediashelf", "--version"], check=True, capture_output=True
            )
            versions.append(time.perf_counter() - t0)
        out["baseline_shelf_version_s"] = median_range(versions)
        server = Server(db, work / "cache")
        try:
            albums = json.loads(server.get("/api/albums?limit=1")[2])["total"]
            out["albums"] = albums
            artists = [
                v["value"]
                for v in json.loads(server.get("/api/values/artist?order=count&limit=200")[2])[
                    "values"
                ]
            ]
            grid, grid_trip, static = [], [], []
            rng = random.Random(3)
            for _ in range(runs * 20):  # album grid pages, interleaved with the static baseline
                page = rng.randint(1, max(1, albums // 60))
                ms, trip, _ = server.get(f"/albums?page={page}")
                grid.append(ms)
                grid_trip.append(trip)
                static.append(server.get("/static/app.css")[0])
            out["album_grid_ms"] = median_range(grid)
            out["album_grid_round_trip_ms"] = median_range(grid_trip)
            out["baseline_static_ms"] = median_range(static)
            searches: dict[str, list[float]] = {"artist": [], "word": [], "range": [], "broad": []}
            for _ in range(runs * 4):
                artist = rng.choice(artists)
                searches["artist"].append(
                    server.get(f"/search?q={urllib.parse.quote('artist:' + artist)}")[0]
                )
                word = rng.choice(artist.split())
                searches["word"].append(server.get(f"/search?q={urllib.parse.quote(word)}")[0])
                searches["range"].append(server.get("/search?q=year%3A1990..1999+format%3Aflac")[0])
                # most of the library: a page out of ~100,000 matches
                searches["broad"].append(server.get("/search?q=kind%3Aaudio")[0])
            out["search_ms"] = {k: median_range(v) for k, v in searches.items()}
            covers = ids(server, "has:cover", 400)
            cover_files = ids(server, "kind:image", 400)
            rate, sizes = tile_throughput(server, covers)
            out["tiles_embedded_per_s"] = rate
            out["tile_bytes_max"] = max(sizes)
            rate, sizes = tile_throughput(server, cover_files)
            out["tiles_cover_files_per_s"] = rate
            out["tile_bytes_max"] = max(out["tile_bytes_max"], *sizes)
            cached = [
                server.get(f"/api/items/{i}/thumb?size=256")[:2] for i in covers[:200] for _ in (0,)
            ]
            out["cached_tile_ms"] = median_range([c[0] for c in cached])
            out["cached_tile_round_trip_ms"] = median_range([c[1] for c in cached])
            browse(server, 1000, albums, artists, covers)
            out["rss_after_1000_pages_mb"] = server.rss_mb()
        finally:
            server.stop()
        photos_db = photo_catalog(work)
        photos = Server(photos_db, work / "cache-photos")
        photo_ids = ids(photos, "kind:image", PHOTOS)
        photos.stop()
        rates = []
        for i in range(runs):  # a fresh server and an empty cache each run
            photos = Server(photos_db, work / f"cache-photos-{i}")
            try:
                rate, sizes = tile_throughput(photos, photo_ids)
            finally:
                photos.stop()
            rates.append(rate)
            out["tile_bytes_max"] = max(out["tile_bytes_max"], *sizes)
        out["tiles_photos_3mp_per_s"] = median_range(rates)
    return out


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--db", type=Path, required=True, help="a scanned catalog of about 100,000 items"
    )
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--json", type=Path, help="write the figures here too")
    args = p.parse_args()
    out = run(args.db, args.runs)
    text = json.dumps(out, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
