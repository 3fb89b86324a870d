"""What the server keeps between requests: its settings, open catalog connections,
the thumbnail cache, the last duplicate searches, and the scans it started."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from mediashelf.app import session
from mediashelf.catalog import Catalog
from mediashelf.config import Settings
from mediashelf.thumbs import ThumbCache
from mediashelf.web.scans import ScanJobs
from mediashelf.web.security import Policy

if TYPE_CHECKING:
    from mediashelf.dupes import Result

#: connections open at once (more requests wait for one: memory stays bounded)
CONNECTIONS: Final = 4
#: page cache of each connection, MB
_CACHE_MB: Final = 4
#: how long a duplicate search is reused (seconds); changes made here drop it at once
DUPES_TTL: Final = 120.0


class CatalogPool:
    """Reading connections, reused across requests (opening one costs a migration check),
    at most CONNECTIONS of them."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._idle: list[Catalog] = []
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(CONNECTIONS)

    @contextlib.contextmanager
    def reading(self) -> Iterator[Catalog]:
        with self._slots:
            with self._lock:
                catalog = self._idle.pop() if self._idle else None
            if catalog is None:
                catalog = session.reading(self.settings)
                catalog.limit_cache(_CACHE_MB)
            try:
                yield catalog
            except BaseException:
                catalog.close()  # it may be mid-transaction: do not hand it on
                raise
            with self._lock:
                self._idle.append(catalog)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for catalog in idle:
            catalog.close()


class DupesCache:
    """The last duplicate search of each kind, so paging through groups does not search
    again; dropped after DUPES_TTL seconds and whenever this server changes files."""

    def __init__(self) -> None:
        self._results: dict[str, tuple[float, Result]] = {}
        self._lock = threading.Lock()

    def get(self, kind: str) -> Result | None:
        with self._lock:
            found = self._results.get(kind)
        if found is None or time.monotonic() - found[0] > DUPES_TTL:
            return None
        return found[1]

    def put(self, kind: str, result: Result) -> None:
        with self._lock:
            self._results[kind] = (time.monotonic(), result)

    def clear(self) -> None:
        with self._lock:
            self._results.clear()


class AlbumOrders:
    """The order of the albums of recent listings (query and order → every album's key),
    so that any page of a long grid costs a look-up of its own albums only.  A listing's
    order is dropped when the catalog's change mark moves."""

    def __init__(self, size: int = 8) -> None:
        self.size = size
        self._orders: dict[tuple[Any, ...], tuple[Any, list[Any]]] = {}
        self._lock = threading.Lock()

        self._making = threading.Lock()  # one order is made at a time, never twice

    def get(self, key: tuple[Any, ...], mark: Any, make: Callable[[], list[Any]]) -> list[Any]:
        """The order kept for `key` at change mark `mark`, made by `make` if need be."""
        found = self._get(key, mark)
        if found is not None:
            return found
        with self._making:
            found = self._get(key, mark)  # made by another request meanwhile
            if found is None:
                found = make()
                with self._lock:
                    self._orders.pop(key, None)
                    self._orders[key] = (mark, found)
                    while len(self._orders) > self.size:
                        del self._orders[next(iter(self._orders))]
            return found

    def _get(self, key: tuple[Any, ...], mark: Any) -> list[Any] | None:
        with self._lock:
            found = self._orders.get(key)
            if found is None or found[0] != mark:
                return None
            self._orders[key] = self._orders.pop(key)  # the most recently used last
            return found[1]


@dataclass
class State:
    settings: Settings
    policy: Policy
    thumbs: ThumbCache
    catalogs: CatalogPool
    scans: ScanJobs
    dupes: DupesCache = field(default_factory=DupesCache)
    albums: AlbumOrders = field(default_factory=AlbumOrders)
    #: what a change made through the server says it is, in the history
    command: str = "shelf serve"
