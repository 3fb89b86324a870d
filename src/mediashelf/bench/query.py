"""The query scenario: `shelf find artist:X`, a full listing and `shelf stats`.

Timed on the catalog of the library size being run (built by an untimed first index
when no earlier scenario left one), each command a fresh process with its output
sent to /dev/null, so the figure includes interpreter start-up as a user sees it.
With `--beets CMD` the same operations run with beets (`beet ls artist:X`,
`beet ls`, `beet stats`) on a beets library of the same files, interleaved run by
run with mediashelf's.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final

from mediashelf.bench import BenchError
from mediashelf.bench.measure import Stat
from mediashelf.bench.table import Result

if TYPE_CHECKING:
    from mediashelf.bench.run import Bench, _Size

#: scenario → (limit, unit); limits from the query issue
LIMITS: Final = {"find": (150.0, "ms"), "list": (1.5, "s"), "stats": (1.0, "s")}


def pick_artist(db: Path) -> str:
    """A deterministic artist of typical size: the median of the 200 most frequent."""
    from mediashelf.catalog import open_catalog
    from mediashelf.catalog.queries import frequent_artists

    catalog = open_catalog(db, create=False)
    try:
        # plain names only: the artist is passed on command lines, beets' included
        names = frequent_artists(catalog, 200, plain=True)
    finally:
        catalog.close()
    if not names:
        raise BenchError(f"no artist in the catalog {db}")
    return names[len(names) // 2]


def _time(bench: Bench, cmd: Sequence[str], what: str) -> float:
    timed = bench.runner.run(cmd, stdout=False)
    if timed.returncode != 0:
        raise BenchError(
            f"{what} `{' '.join(cmd)}` exited {timed.returncode}: {timed.stderr[-300:]}"
        )
    return timed.wall


def query_results(bench: Bench, s: _Size, beets: Sequence[str] | None) -> list[Result]:
    db = bench.ensure_catalog(s)
    artist = pick_artist(db)
    ours = {
        "find": [*bench.shelf, "find", f"artist:{artist}", "--db", str(db)],
        "list": [*bench.shelf, "find", "--db", str(db)],
        "stats": [*bench.shelf, "stats", "--db", str(db)],
    }
    theirs = {
        "find": [*beets, "ls", f"artist:{artist}"],
        "list": [*beets, "ls"],
        "stats": [*beets, "stats"],
    } if beets else {}  # fmt: skip
    results = []
    for name, cmd in ours.items():
        limit, unit = LIMITS[name]
        scale = 1000.0 if unit == "ms" else 1.0
        walls: list[float] = []
        base: list[float] = []
        for i in range(bench.runs):
            if beets and i % 2:
                base.append(_time(bench, theirs[name], "beets") * scale)
            walls.append(_time(bench, cmd, "shelf") * scale)
            if beets and not i % 2:
                base.append(_time(bench, theirs[name], "beets") * scale)
            bench.say(
                f"  {name} {i + 1}/{bench.runs}: {walls[-1]:.3f} {unit}"
                + (f"; beets {base[-1]:.3f} {unit}" if base else "")
            )
        value = Stat.of(walls)
        baseline = Stat.of(base) if base else None
        results.append(
            Result(
                name, s.size, unit, value,
                baseline=baseline, baseline_label="beets" if baseline else "",
                ratio=value.median / baseline.median if baseline else None,
                limit=f"<= {limit:g} {unit}", met=value.median <= limit,
                note=f"artist:{artist}" if name == "find" else "",
                runs=[{"wall": w, **({"beets": base[i]} if base else {})} for i, w in enumerate(walls)],
            )
        )  # fmt: skip
    return results
