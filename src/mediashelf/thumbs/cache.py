"""The thumbnail cache: tiles on disk under the XDG cache folder, within a size budget.

A tile's file name is a hash of what it shows (the source's item, size and mtime) and
its size, so a changed file gets a new tile and an old tile is never served for it.
"No art" is cached too, as an empty file.  Files are written to a temporary name and
renamed into place, so a reader never sees half a tile.

The cache keeps to its byte budget by evicting the tiles used longest ago: a tile's
mtime is its last use (touched when read, at most once an hour), and when the total
passes the budget the oldest tiles go until it is back under 90% of it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
import time
from pathlib import Path
from typing import Final

#: the default budget, bytes
DEFAULT_BUDGET: Final = 512 * 1024 * 1024
#: a read tile's mtime is moved forward when it is older than this (seconds)
_TOUCH_AFTER: Final = 3600
#: what eviction brings the total down to, as a share of the budget
_LOW_WATER: Final = 0.9


class ThumbCache:
    def __init__(self, folder: Path, budget: int = DEFAULT_BUDGET) -> None:
        self.folder = folder
        self.budget = budget
        self._lock = threading.Lock()
        self._total: int | None = None  # bytes on disk, counted on first use

    @staticmethod
    def key(source_key: str, size: int) -> str:
        return hashlib.blake2b(f"{source_key}@{size}".encode(), digest_size=16).hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.jpg"

    def get(self, key: str) -> bytes | None:
        """The tile stored under `key`: its bytes (b"" for "no art"), or None."""
        path = self._path(key)
        try:
            with open(path, "rb") as f:
                data = f.read()
                mtime = os.fstat(f.fileno()).st_mtime
        except FileNotFoundError:
            return None
        if time.time() - mtime > _TOUCH_AFTER:
            with contextlib.suppress(OSError):
                os.utime(path)
        return data

    def put(self, key: str, data: bytes) -> None:
        """Store a tile (b"": no art), then evict old tiles if over the budget."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
        with self._lock:
            if self._total is None:
                self._total = self.usage()
            else:
                self._total += len(data)
            if self._total > self.budget:
                self._total = self._evict()

    def usage(self) -> int:
        """Bytes the cached tiles take."""
        return sum(size for _, size, _ in self._files())

    def _files(self) -> list[tuple[float, int, Path]]:
        out: list[tuple[float, int, Path]] = []
        if not self.folder.is_dir():
            return out
        for sub in self.folder.iterdir():
            if not sub.is_dir():
                continue
            for entry in os.scandir(sub):
                with contextlib.suppress(OSError):
                    st = entry.stat()
                    out.append((st.st_mtime, st.st_size, Path(entry.path)))
        return out

    def _evict(self) -> int:
        """Remove the least recently used tiles down to the low-water mark; the new total."""
        files = sorted(self._files())
        total = sum(size for _, size, _ in files)
        target = int(self.budget * _LOW_WATER)
        for _, size, path in files:
            if total <= target:
                break
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                total -= size
        return total
