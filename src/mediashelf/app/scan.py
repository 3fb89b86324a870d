"""The scan use case: bring the catalog in step with folders (or files) on disk."""

from __future__ import annotations

import os
from collections.abc import Sequence

from mediashelf.catalog import Catalog
from mediashelf.config import Settings
from mediashelf.errors import ConfigError
from mediashelf.events import Sink
from mediashelf.scan import ScanSummary, run_scan


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
    accept_volume: bool = False,
) -> ScanSummary:
    """Scan `roots` (paths as the user gave them) into `catalog`, which the caller holds
    under the writer lease (see `app.session.writing`).

    New and changed files are read, moves keep their rows, files gone are marked
    missing.  `sink` hears the files found and done, and one event per file that
    failed (`failed`, detail "kind: message") or moved (`moved`, detail the old path).
    A root whose volume is not there is stopped, its rows left as they were
    (`summary.stopped`; `accept_volume`: the user vouches for what is mounted now).
    """
    return run_scan(
        catalog, settings, check_roots(roots), full=full, progress=sink, accept_volume=accept_volume
    )


def lease_keys(catalog: Catalog, roots: Sequence[str | bytes]) -> list[int]:
    """The writer lock keys of a scan of `roots`: on a server, scans of other volumes
    go on at the same time (see catalog/postgres.py)."""
    from mediashelf.catalog.roots import this_host
    from mediashelf.scan.guard import root_keys

    return root_keys(catalog, check_roots(roots), this_host())
