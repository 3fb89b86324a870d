"""Finishing runs a crash left unfinished.

`recover` looks at each operation a dead run left `intended` and asks the disk what
happened (each action knows how: actions.py): a move whose destination exists and
whose source is gone was done; one whose source is still there was not (a
half-written copy under its temporary name is deleted).  Done operations are kept and
the catalog is brought to match; the rest are marked not done.  Nothing is guessed:
where the disk holds something unexpected, the operation is reported and both files
are left alone.
"""

from __future__ import annotations

import contextlib
import os

from mediashelf.catalog import journal as tables
from mediashelf.catalog.connect import Catalog
from mediashelf.catalog.journal import Step
from mediashelf.journal.actions import ACTIONS, EFFECTS
from mediashelf.journal.fileops import stat_after, tmp_name
from mediashelf.journal.results import Recovered


def _settle(step: Step, rec: Recovered) -> None:
    """Set the state of one intended operation from the disk: done, or skipped."""
    action = ACTIONS.get(step.action)
    if action is not None and action.temporary:
        tmp = tmp_name(step.dst)
        if os.path.lexists(tmp):
            with contextlib.suppress(OSError):
                os.unlink(tmp)
                rec.partial_removed += 1
    if action is not None and action.settle(step, rec):
        step.state, step.after, step.error = "done", stat_after(step.dst), None
        rec.kept += 1
    else:
        step.state, step.after, step.error = "skipped", None, "interrupted"
        rec.not_done += 1


def recover(catalog: Catalog) -> list[Recovered]:
    """Settle every run a crash left unfinished.  The caller holds the writer lease."""
    from mediashelf.catalog.roots import this_host

    out = []
    for run in tables.unfinished(catalog, this_host()):
        rec = Recovered(run.id, run.command)
        with catalog.atomic():
            for step in tables.ops_of(catalog, run.id, "intended"):
                _settle(step, rec)
                tables.commit_steps(catalog, [step], EFFECTS)
        done = len(tables.ops_of(catalog, run.id, "done"))
        tables.finish_run(
            catalog, run.id, "recovered",
            {"done": done, "not_done": rec.not_done, "partial_removed": rec.partial_removed},
        )  # fmt: skip
        out.append(rec)
    return out
