"""Organize: plan where the files a query picks go, then move (copy, link) them there
through the journal, as one run that `undo` reverses."""

from __future__ import annotations

import os

from mediashelf import journal
from mediashelf.catalog.connect import Catalog
from mediashelf.catalog.organize import scan_roots
from mediashelf.config import Settings
from mediashelf.events import Sink
from mediashelf.journal import Outcome
from mediashelf.organize.plan import Plan, Request, make_plan, plan_steps


def plan(catalog: Catalog, settings: Settings, request: Request) -> Plan:
    """Every operation of the run, decided before any is done (a dry run prints it).
    Reads the catalog and looks at the disk; changes nothing."""
    return make_plan(catalog, request, settings.organize)


def apply(
    catalog: Catalog,
    plan: Plan,
    *,
    command: str,
    sink: Sink,
    prune: bool = True,
    fail_after: int | None = None,
) -> Outcome:
    """Carry out `plan` as one journaled run (the catalog under the writer lease).

    `prune`: remove the source folders a move emptied, up to a scan root or DEST.
    `command` is what the history shows; `fail_after` stops the run as a crash would
    (crash-safety tests).
    """
    steps = plan_steps(plan)
    sink.found(len(steps), 0)
    sources = sorted({os.path.dirname(op.src) for op in plan.ops})
    return journal.run(
        catalog, command, plan.mode, plan.dest, steps,
        sink=sink,
        fail_after=fail_after,
        prune_from=(lambda: sources) if plan.mode == "move" and prune else None,
        stop_at=scan_roots(catalog) | {plan.dest},
        dest=plan.dest,
    )  # fmt: skip
