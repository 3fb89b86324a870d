"""Generate a realistic, seed-deterministic music library for benchmarks and tests.

    generate_library(root, tracks=41000, seed=1)

The plan (folders, names, tags) comes from `bench.library`; a few dozen audio
templates and cover images are encoded once (`bench.templates`), then a process
pool copies templates into place with their tags (`bench.tagging`) and writes
the sidecar files.  A marker file in the root records (tracks, seed, generator
version): a second call with the same arguments returns at once.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

from mediashelf.bench import BenchError
from mediashelf.bench.library import plan_library
from mediashelf.bench.sidecars import sidecar_bytes
from mediashelf.bench.specs import FolderSpec
from mediashelf.bench.tagging import tagged

#: Bump when the plan or the templates change: cached libraries are then rebuilt.
GENERATOR_VERSION: Final = 1
MARKER: Final = ".mediashelf-bench.json"

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class GenerateReport:
    root: str
    tracks: int
    seed: int
    #: audio files per codec kind: mp3, flac, aac, alac, vorbis, opus
    formats: dict[str, int] = field(default_factory=dict)
    #: non-media files (cover.jpg, .cue, .log, .nfo, playlists ...)
    sidecars: int = 0
    folders: int = 0
    bytes: int = 0
    seconds: float = 0.0
    cached: bool = False

    @property
    def files(self) -> int:
        return sum(self.formats.values()) + self.sidecars

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any], *, cached: bool = False) -> GenerateReport:
        fields = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**{**fields, "cached": cached})


def dirty_flag(root: Path) -> Path:
    """Beside the root (never inside it): present while a benchmark has the library modified."""
    return root.with_name(root.name + ".dirty")


def read_marker(root: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((root / MARKER).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _write_marker(root: Path, data: dict[str, Any]) -> None:
    tmp = root / (MARKER + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1))
    os.replace(tmp, root / MARKER)


def _clear(root: Path, marker: dict[str, Any] | None) -> None:
    if not root.exists():
        return
    if marker is None and any(root.iterdir()):
        raise BenchError(
            f"{root} is not empty and holds no generated library; choose another directory"
        )
    shutil.rmtree(root)


# -- worker side -------------------------------------------------------------------------

_TEMPLATES: dict[str, list[bytes]] = {}
_COVERS: list[bytes] = []


def _init_worker(templates: dict[str, list[bytes]], covers: list[bytes]) -> None:
    _TEMPLATES.clear()
    _TEMPLATES.update(templates)
    _COVERS[:] = covers


@dataclass(slots=True)
class _Stats:
    formats: Counter[str] = field(default_factory=Counter)
    sidecars: int = 0
    bytes: int = 0

    def add(self, other: _Stats) -> None:
        self.formats.update(other.formats)
        self.sidecars += other.sidecars
        self.bytes += other.bytes


def write_file(path: str, data: bytes, mtime: int) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)
    ns = mtime * 1_000_000_000
    os.utime(path, ns=(ns, ns))


def _write_folder(job: tuple[str, FolderSpec]) -> _Stats:
    root, folder = job
    stats = _Stats()
    os.makedirs(os.path.join(root, folder.relpath), exist_ok=True)
    for track in folder.tracks:
        data = tagged(_TEMPLATES[track.kind][track.template], track.kind, track.tags, _COVERS)
        write_file(os.path.join(root, track.relpath), data, folder.mtime)
        stats.formats[track.kind] += 1
        stats.bytes += len(data)
    for sidecar in folder.sidecars:
        data = sidecar_bytes(folder, sidecar, _COVERS)
        write_file(os.path.join(root, sidecar.relpath), data, folder.mtime)
        stats.sidecars += 1
        stats.bytes += len(data)
    return stats


# -- driver ------------------------------------------------------------------------------


def _write_all(
    root: Path,
    plan: Sequence[FolderSpec],
    templates: dict[str, list[bytes]],
    covers: list[bytes],
    jobs: int,
    progress: Progress | None,
) -> _Stats:
    total = _Stats()
    want = sum(len(f.tracks) for f in plan)
    jobs_in = [(str(root), folder) for folder in plan]
    if jobs <= 1 or len(plan) < 8:
        _init_worker(templates, covers)
        results: Any = map(_write_folder, jobs_in)
        pool = None
    else:
        pool = multiprocessing.get_context().Pool(
            jobs, initializer=_init_worker, initargs=(templates, covers)
        )
        results = pool.imap_unordered(_write_folder, jobs_in, chunksize=4)
    try:
        for stats in results:
            total.add(stats)
            if progress is not None:
                progress(sum(total.formats.values()), want)
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
    return total


def generate_library(
    root: Path,
    tracks: int,
    seed: int = 1,
    jobs: int | None = None,
    *,
    progress: Progress | None = None,
) -> GenerateReport:
    """Create (or find cached) a `tracks`-track library under `root`, deterministic by seed."""
    root = Path(os.path.abspath(root))
    marker = read_marker(root)
    wanted = {"generator_version": GENERATOR_VERSION, "tracks": tracks, "seed": seed}
    if (
        marker is not None
        and marker.get("complete")
        and all(marker.get(k) == v for k, v in wanted.items())
        and not dirty_flag(root).exists()
    ):
        return GenerateReport.from_json(marker["report"], cached=True)

    from mediashelf.bench.templates import build_covers, build_templates

    started = time.perf_counter()
    templates = build_templates()
    covers = build_covers()
    plan = plan_library(tracks, seed)
    _clear(root, marker)
    root.mkdir(parents=True)
    _write_marker(root, {**wanted, "complete": False})
    stats = _write_all(root, plan, templates, covers, jobs or os.cpu_count() or 1, progress)
    report = GenerateReport(
        root=str(root),
        tracks=tracks,
        seed=seed,
        formats=dict(sorted(stats.formats.items())),
        sidecars=stats.sidecars,
        folders=len({f.relpath for f in plan}),
        bytes=stats.bytes,
        seconds=round(time.perf_counter() - started, 3),
    )
    _write_marker(root, {**wanted, "complete": True, "report": report.to_json()})
    dirty_flag(root).unlink(missing_ok=True)
    return report
