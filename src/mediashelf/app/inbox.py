"""The inbox: files that settled in a watched folder, organized into DEST as one run.

`shelf watch INBOX --into DEST` calls this once per batch, after the batch's folders
were rescanned: the catalogued files in those folders (and below) are planned with
the user's organize options and applied through the journal, so each batch is one
run in `shelf history` that `shelf undo` reverses.  Files whose metadata could not be
read, and files the plan cannot place (a conflict under `--on-conflict skip`, no
template for them), stay in the inbox and are listed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from mediashelf.app import organize
from mediashelf.catalog.connect import Catalog
from mediashelf.config import Settings
from mediashelf.events import Sink
from mediashelf.organize.plan import Request


@dataclass
class Filed:
    """What organizing one batch did."""

    run_id: int | None = None  # None: nothing to do, no run
    status: str = "done"  # done, interrupted
    counts: dict[str, int] = field(default_factory=dict)
    #: files left in the inbox, with the reason
    left: list[tuple[bytes, str]] = field(default_factory=list)
    unmatched: int = 0  # catalogued files no template applies to (left too)


def file_settled(
    settings: Settings,
    catalog: Catalog,
    request: Request,
    folders: Sequence[bytes],
    *,
    command: str,
    sink: Sink,
) -> Filed:
    """Organize the readable catalogued files in `folders` (the catalog under the
    writer lease, durable) as `request` says; one journaled run if there is anything."""
    req = replace(request, within=tuple(folders), skip_failed=True)
    plan = organize.plan(catalog, settings, req)
    out = Filed(unmatched=plan.unmatched)
    out.left += [(c.src, c.reason) for c in plan.conflicts]
    if not plan.ops:
        return out
    outcome = organize.apply(catalog, plan, command=command, sink=sink)
    out.run_id, out.status, out.counts = outcome.run_id, outcome.status, dict(outcome.counts)
    out.left += outcome.failures
    return out
