"""Opening the catalog for a use case: to read it, or to change it under the writer lease.

Every service that changes the catalog or the files in it (scan, organize, undo,
recover, dupes resolution, prune) goes through `writing()`: it takes the catalog's
writer lease and first settles any run that a crash left unfinished, so no change
starts on top of a half-done one.  What was settled is handed to the caller to show.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from mediashelf.catalog import Catalog, open_catalog

if TYPE_CHECKING:
    from mediashelf.config import Settings
    from mediashelf.journal import Recovered

#: told about each interrupted run that was settled before the work began
Settled = Callable[["Recovered"], None]


def reading(settings: Settings, *, create: bool = False) -> Catalog:
    """The catalog for reading (a missing one is an error unless `create`)."""
    return open_catalog(settings.catalog, create=create)


def settle(catalog: Catalog) -> list[Recovered]:
    """Finish or roll back every run a crash left unfinished (the caller holds the lease)."""
    from mediashelf.catalog.journal import unfinished

    if not unfinished(catalog):
        return []  # the usual case: the journal's machinery is not even imported
    from mediashelf.journal import recover

    return recover(catalog)


@contextlib.contextmanager
def writing(
    settings: Settings,
    *,
    wait: float = 0.0,
    command: str = "shelf",
    create: bool = False,
    durable: bool = False,
    settled: Settled | None = None,
    scope: Callable[[Catalog], Sequence[int]] | None = None,
) -> Iterator[Catalog]:
    """The catalog under its writer lease, with interrupted runs settled first.

    `durable` makes every commit reach the disk before it returns (the journal's
    promise to the files it moves).  `scope` gives the lock keys of the roots a scan
    changes: on a server catalog the lease then covers those roots only.
    """
    catalog = open_catalog(settings.catalog, create=create)
    try:
        keys = scope(catalog) if scope is not None and catalog.server else ()
        catalog.acquire_lease(wait=wait, command=command, keys=keys)
        if durable:
            catalog.set_durable()
        for rec in settle(catalog):
            if settled is not None:
                settled(rec)
        yield catalog
    finally:
        catalog.close()
