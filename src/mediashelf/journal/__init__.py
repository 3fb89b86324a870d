"""The journal: every change organize and dupes resolution make to files, recorded so
that a crash is recovered and a run can be undone.

    steps (a plan's operations) → execute: intend, perform, mark done + catalog
                                → recover: settle what a crash left intended
                                → undo: the done steps reversed, as a run of its own

Each kind of operation is one action class in a registry (actions.py) that knows how
to perform, record, settle and undo itself.  The disk primitives are in fileops.py,
the freedesktop.org trash in trash.py; the tables are `mediashelf.catalog.journal`.
"""

from __future__ import annotations

from mediashelf.catalog.journal import (
    Run,
    Step,
    finish_run,
    get_run,
    ops_of,
    runs,
    start_run,
    unfinished,
)
from mediashelf.journal.actions import ACTIONS, mkdir_steps
from mediashelf.journal.execute import execute, run
from mediashelf.journal.recover import recover
from mediashelf.journal.results import Outcome, Recovered
from mediashelf.journal.undo import UndoRefused, undo, undo_steps

__all__ = [
    "ACTIONS",
    "Outcome",
    "Recovered",
    "Run",
    "Step",
    "UndoRefused",
    "execute",
    "finish_run",
    "get_run",
    "mkdir_steps",
    "ops_of",
    "recover",
    "run",
    "runs",
    "start_run",
    "undo",
    "undo_steps",
    "unfinished",
]
