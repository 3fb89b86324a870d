"""Resolving duplicates: keep one file of each group, act on the others, through the
journal (the same life as an organize run: `undo` reverses it, but a deletion)."""

from __future__ import annotations

from collections.abc import Sequence

from mediashelf.catalog.connect import Catalog
from mediashelf.dupes import Group
from mediashelf.dupes import resolve as resolution
from mediashelf.dupes.resolve import Resolution
from mediashelf.events import Sink
from mediashelf.journal import Outcome


def plan(
    catalog: Catalog, groups: Sequence[Group], keep: str, action: str, to: bytes | None
) -> Resolution:
    """What would be done with each duplicate (a dry run prints it).  Changes nothing."""
    return resolution.plan(catalog, groups, keep, action, to)


def digest(res: Resolution) -> str:
    """Names a plan: equal digests, the same files acted on the same way, the same files
    kept.  A front end shows a plan, then applies it only if planning again gives the
    same digest (nothing changed in between)."""
    import hashlib

    h = hashlib.blake2b(res.action.encode(), digest_size=16)
    for op in res.ops:
        for part in (op.path, op.dst or b"", op.keep):
            h.update(len(part).to_bytes(4, "big") + part)
    return h.hexdigest()


def apply(
    catalog: Catalog,
    res: Resolution,
    *,
    command: str,
    sink: Sink,
    fail_after: int | None = None,
) -> Outcome:
    """Carry out a resolution as one journaled run (the catalog under the writer lease).
    Each duplicate and the file kept in its place are checked again just before."""
    sink.found(len(res.steps), 0)
    return resolution.execute(catalog, res, command, sink=sink, fail_after=fail_after)
