"""The journal's use cases: undo a run, recover interrupted ones, list the history."""

from __future__ import annotations

from mediashelf import journal
from mediashelf.app import session
from mediashelf.catalog.connect import Catalog
from mediashelf.config import Settings
from mediashelf.events import Sink
from mediashelf.journal import Outcome, Recovered, Run


def undo(
    catalog: Catalog,
    run_id: int | None,
    *,
    force: bool,
    command: str,
    sink: Sink,
    fail_after: int | None = None,
) -> Outcome:
    """Reverse run `run_id` (None: the last one not undone yet) as a run of its own.

    Raises UndoRefused, changing nothing, if files changed since the run (unless
    `force`: the rest is undone, those are left and noted).
    """
    return journal.undo(
        catalog, run_id, force=force, command=command, sink=sink, fail_after=fail_after
    )


def recover(settings: Settings, *, wait: float = 0.0, command: str = "shelf") -> list[Recovered]:
    """Settle every run a crash left unfinished, under the writer lease; what was found."""
    found: list[Recovered] = []
    with session.writing(settings, wait=wait, command=command, settled=found.append):
        pass  # taking the catalog to change it settles every interrupted run
    return found


def history(catalog: Catalog, limit: int | None = None) -> list[Run]:
    """The runs, the last first (`limit`: the last `limit` of them)."""
    return journal.runs(catalog, limit=limit)
