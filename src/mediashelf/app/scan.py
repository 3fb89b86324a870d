"""The scan use case: bring the catalog in step with folders (or files) on disk."""

from __future__ import annotations

import os
from collections.abc import Collection, Sequence

from mediashelf.app.session import reading
from mediashelf.catalog import Catalog
from mediashelf.config import Settings
from mediashelf.errors import ConfigError
from mediashelf.events import Sink
from mediashelf.scan import ScanSummary, run_scan
from mediashelf.scan.guard import Guard


def check_roots(paths: Sequence[str | bytes]) -> list[bytes]:
    """The scan roots as absolute paths, once each is known to exist and be readable.

    A front end may call this before it opens (or creates) the catalog, so that a
    mistyped path leaves nothing behind.
    """
    roots = [os.path.abspath(os.fsencode(p)) for p in paths]
    for raw, root in zip(paths, roots, strict=True):
        if not os.path.exists(root):
            raise ConfigError(f"scan root {raw!r} does not exist (check the path)")
        if not os.access(root, os.R_OK | (os.X_OK if os.path.isdir(root) else 0)):
            raise ConfigError(f"scan root {raw!r} cannot be read (check its permissions)")
    return roots


def scan(
    settings: Settings,
    catalog: Catalog,
    roots: Sequence[str | bytes],
    *,
    full: bool,
    sink: Sink,
    accept_missing: bool = False,
    accept_volume: bool = False,
) -> ScanSummary:
    """Scan `roots` (paths as the user gave them) into `catalog`, which the caller holds
    under the writer lease (see `app.session.writing`).

    New and changed files are read, moves keep their rows, files gone are marked
    missing.  `sink` hears the files found and done, and one event per file that
    failed (`failed`, detail "kind: message") or moved (`moved`, detail the old path).
    The mount guard holds the missing marks of a root that looks unmounted, or of
    which too much vanished at once (`summary.held`), unless `accept_missing`;
    `accept_volume`: the user vouches for what is mounted at the roots now (its files
    may all be gone; its identity is recorded afresh).
    """
    return run_scan(
        catalog,
        settings,
        check_roots(roots),
        full=full,
        progress=sink,
        accept_missing=accept_missing,
        accept_volume=accept_volume,
    )


def lease_keys(catalog: Catalog, roots: Sequence[str | bytes]) -> list[int]:
    """The writer lock keys of a scan of `roots`: on a server, scans of other volumes
    go on at the same time (see catalog/postgres.py)."""
    from mediashelf.catalog.roots import this_host
    from mediashelf.scan.volume import root_keys

    return root_keys(catalog, check_roots(roots), this_host())


def rescan(
    settings: Settings,
    catalog: Catalog,
    folders: Sequence[bytes],
    *,
    within: Sequence[bytes],
    shallow: Collection[bytes] = (),
    sink: Sink,
) -> ScanSummary:
    """An incremental scan of `folders` (absolute), each inside one of the roots
    `within`: what a watcher does with the folders it heard change.

    A folder in `shallow` is rescanned without its sub-folders; one that no longer
    exists has its files marked missing (a deleted folder).  The mount guard judges
    the roots `within`, so a root that went away marks nothing missing.
    """
    return run_scan(catalog, settings, list(folders), progress=sink, within=within, shallow=shallow)


def root_problem(settings: Settings, root: bytes) -> str | None:
    """Why the mount guard would not let a scan judge the files under `root` now
    (gone, unreadable, empty, another filesystem); None when it would."""
    from mediashelf.errors import CatalogError

    try:
        catalog = reading(settings)
    except CatalogError:  # no catalog yet: nothing catalogued to protect
        return None
    try:
        guard = Guard(
            catalog, [root], share=settings.hold_missing_share, minimum=settings.hold_missing_min
        )
        return guard.problem(root)
    finally:
        catalog.close()
