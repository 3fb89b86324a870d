"""What the commands share: settings, the catalog, its lock, confirmation."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mediashelf.catalog import Catalog
    from mediashelf.config import Settings


def settings_of(args: argparse.Namespace, **flags: object) -> Settings:
    from mediashelf.config import load_settings

    return load_settings(
        config_path=Path(args.config) if args.config else None,
        db=args.db,
        profile=getattr(args, "profile", None),
        **flags,  # type: ignore[arg-type]
    )


def open_db(settings: Settings, create: bool = False) -> Catalog:
    from mediashelf.catalog import open_catalog

    return open_catalog(settings.db, create=create)


def abspath_bytes(path: str) -> bytes:
    return os.path.abspath(os.fsencode(path))


def command_line() -> str:
    import shlex

    return "shelf " + " ".join(shlex.quote(a) for a in sys.argv[1:])


def recover_runs(catalog: Catalog) -> None:
    """Settle runs a crash left unfinished (the caller holds the catalog lock)."""
    from mediashelf.organize.recover import recover

    for rec in recover(catalog):
        print(f"shelf: {rec.message()}", file=sys.stderr)
        for line in rec.odd[:10]:
            print(f"  ! {line}", file=sys.stderr)


def locked_catalog(args: argparse.Namespace) -> Catalog:
    catalog = open_db(settings_of(args))
    catalog.acquire_scan_lock(wait=getattr(args, "wait", 0.0) or 0.0)
    catalog.db.execute("PRAGMA synchronous=FULL")  # each journal commit reaches the disk
    recover_runs(catalog)
    return catalog


def scan_roots(catalog: Catalog) -> frozenset[bytes]:
    import json

    roots: set[bytes] = set()
    for (text,) in catalog.db.execute("SELECT roots FROM scans"):
        with contextlib.suppress(ValueError, TypeError):
            roots.update(os.fsencode(r) for r in json.loads(text))
    return frozenset(roots)


def confirm(question: str, yes: bool, count: int) -> bool:
    if yes or count <= 5 or not (sys.stdin.isatty() and sys.stderr.isatty()):
        return True
    print(question + " [y/N] ", end="", file=sys.stderr, flush=True)
    try:
        answer = input()
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


def item_json(fields: dict[str, object], path: bytes) -> str:
    """One JSON object with the path first; undecodable bytes survive as \\udcXX."""
    from mediashelf.query.output import dumps

    return dumps({"path": os.fsdecode(path), **fields})
