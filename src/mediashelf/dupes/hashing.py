"""Content hashes, computed only when needed and kept in the catalog.

A hash is stored with the fingerprint (size, mtime_ns, dev, ino) of the file it was
taken of; it counts only while that fingerprint is still the item's, so an unchanged
file keeps its hashes across rescans and a changed one loses them.

Files are read in 1 MiB blocks by a pool of threads (xxhash releases the GIL while it
hashes, and reads release it too); results come back to the calling thread, which
alone writes them to the catalog, in batches.  One file per inode is read: hard links
share their hash.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Final, Literal, NamedTuple

import xxhash

from mediashelf.catalog.connect import Catalog
from mediashelf.catalog.dupes import item_paths
from mediashelf.catalog.hashes import HashRow, store_hashes, valid_hashes
from mediashelf.errors import MediaError, Unreadable, Vanished
from mediashelf.events import NullSink, Sink
from mediashelf.model import Failure

READ_SIZE: Final = 1 << 20
#: rows written per transaction
WRITE_BATCH: Final = 500

HashKind = Literal["full", "audio"]
#: (size, mtime_ns, dev, ino)
Fingerprint = tuple[int, int, int, int]


class Entry(NamedTuple):
    """One catalogued file, as far as finding its copies needs."""

    id: int
    size: int
    mtime_ns: int
    dev: int
    ino: int
    quick_hash: bytes | None

    @property
    def fingerprint(self) -> Fingerprint:
        return (self.size, self.mtime_ns, self.dev, self.ino)

    @property
    def inode(self) -> tuple[int, int]:
        return (self.dev, self.ino)


def entry(row: Sequence[Any]) -> Entry:
    """The entry of a catalog row that starts with (id, size, mtime_ns, dev, ino, quick_hash)."""
    qh = row[5]
    return Entry(row[0], row[1], row[2], row[3], row[4], bytes(qh) if qh is not None else None)


class Changed(MediaError):
    """The file is not the one the catalog describes (it changed since the last scan)."""

    kind = "changed"


CHANGED_MESSAGE: Final = "changed since the last scan (run `shelf scan` on it again)"


def default_jobs() -> int:
    return max(2, min(8, 2 * (os.cpu_count() or 1)))


def _fingerprint(st: os.stat_result) -> Fingerprint:
    return (st.st_size, st.st_mtime_ns, st.st_dev, st.st_ino)


def full_hash(f: BinaryIO) -> bytes:
    """xxh3-128 of every byte of the open file, read in 1 MiB blocks."""
    h = xxhash.xxh3_128()
    buf = bytearray(READ_SIZE)
    view = memoryview(buf)
    while n := f.readinto(view):  # type: ignore[attr-defined]
        h.update(view[:n])
    return h.digest()


def _audio(f: BinaryIO, size: int) -> bytes:
    from mediashelf.dupes.audio_payload import audio_hash

    return audio_hash(f, size)


def hash_file(path: bytes, kind: HashKind) -> tuple[Fingerprint, bytes]:
    """The hash of one file and the fingerprint of what was read.  Raises MediaError."""
    try:
        f = open(path, "rb", buffering=0)  # noqa: SIM115 - closed below
    except FileNotFoundError as e:
        raise Vanished("file disappeared before it could be hashed") from e
    except OSError as e:
        raise Unreadable(f"cannot open: {e.strerror or e}") from e
    with f:
        try:
            before = _fingerprint(os.fstat(f.fileno()))
            value = full_hash(f) if kind == "full" else _audio(f, before[0])
            after = _fingerprint(os.fstat(f.fileno()))
        except OSError as e:
            raise Unreadable(f"read error: {e.strerror or e}") from e
    if after != before:
        raise Changed("changed while it was being read")
    return before, value


def current(path: bytes, fingerprint: Fingerprint) -> Failure | None:
    """None when the file on disk still has the catalogued fingerprint, else why not."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return Failure(path, "dupes", "vanished", "file disappeared since the last scan")
    except OSError as e:
        return Failure(path, "dupes", "unreadable", f"cannot stat: {e.strerror or e}")
    if _fingerprint(st) != fingerprint:
        return Failure(path, "dupes", "changed", CHANGED_MESSAGE)
    return None


@dataclass
class HashStats:
    """What a run cost: files whose hash was valid in the catalog, and files read."""

    cached: dict[str, int] = field(default_factory=lambda: {"full": 0, "audio": 0})
    hashed: dict[str, int] = field(default_factory=lambda: {"full": 0, "audio": 0})
    bytes_read: int = 0


class Hasher:
    """Hashes of catalogued files: from the catalog when still valid, else read and stored."""

    def __init__(
        self,
        catalog: Catalog,
        *,
        jobs: int | None = None,
        progress: Sink | None = None,
    ) -> None:
        self.catalog = catalog
        self.jobs = jobs if jobs is not None else default_jobs()
        self.progress: Sink = progress or NullSink()
        self.failures: list[Failure] = []
        self.stats = HashStats()
        self._cache: dict[str, dict[int, bytes]] = {}

    def cached(self, kind: HashKind) -> dict[int, bytes]:
        """Every stored hash of `kind` whose fingerprint is still its item's."""
        if kind not in self._cache:
            self._cache[kind] = valid_hashes(self.catalog, kind)
        return self._cache[kind]

    def hashes(self, kind: HashKind, entries: Sequence[Entry]) -> dict[int, bytes]:
        """The hash of each entry by item id; files that cannot be hashed are left out
        (and recorded in `failures`)."""
        cache = self.cached(kind)
        out: dict[int, bytes] = {}
        todo: dict[tuple[int, int], list[Entry]] = {}
        for e in entries:
            value = cache.get(e.id)
            if value is not None:
                out[e.id] = value
                self.stats.cached[kind] += 1
            else:
                todo.setdefault(e.inode, []).append(e)
        if not todo:
            return out
        paths = item_paths(self.catalog, (links[0].id for links in todo.values()))
        work = [(links, paths[links[0].id]) for links in todo.values() if links[0].id in paths]
        self.progress.found(len(work), sum(links[0].size for links, _ in work))
        pending: list[HashRow] = []
        for (links, path), result in zip(work, self._run(kind, [p for _, p in work]), strict=True):
            self.progress.done(1)
            if isinstance(result, MediaError):
                self.failures.append(Failure(path, "dupes", result.kind, result.message))
                continue
            fingerprint, value = result
            self.stats.hashed[kind] += 1
            self.stats.bytes_read += fingerprint[0]
            # stored against what was read: a file changed since the scan gets a hash
            # that becomes valid once a rescan records its new fingerprint
            pending.extend((e.id, kind, value, *fingerprint) for e in links)
            if fingerprint != links[0].fingerprint:
                self.failures.append(Failure(path, "dupes", "changed", CHANGED_MESSAGE))
            else:
                for e in links:
                    out[e.id] = value
                    cache[e.id] = value
            if len(pending) >= WRITE_BATCH:
                store_hashes(self.catalog, pending)
                pending = []
        store_hashes(self.catalog, pending)
        return out

    def _run(
        self, kind: HashKind, paths: list[bytes]
    ) -> Iterator[tuple[Fingerprint, bytes] | MediaError]:
        """Results in the order of `paths`, hashed by `jobs` threads (1: in this thread)."""

        def one(path: bytes) -> tuple[Fingerprint, bytes] | MediaError:
            try:
                return hash_file(path, kind)
            except MediaError as e:
                return e

        if self.jobs <= 1 or len(paths) <= 1:
            yield from map(one, paths)
            return
        with ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="hash") as pool:
            yield from _bounded_map(pool, one, paths, window=4 * self.jobs)


def _bounded_map(
    pool: ThreadPoolExecutor,
    func: Callable[[bytes], tuple[Fingerprint, bytes] | MediaError],
    items: list[bytes],
    window: int,
) -> Iterator[tuple[Fingerprint, bytes] | MediaError]:
    """`pool.map` with at most `window` tasks queued, so memory stays flat."""
    queue: deque[Future[tuple[Fingerprint, bytes] | MediaError]] = deque()
    for item in items:
        queue.append(pool.submit(func, item))
        if len(queue) >= window:
            yield queue.popleft().result()
    while queue:
        yield queue.popleft().result()
