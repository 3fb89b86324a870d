"""Printing the outcome of a run and the history of runs: text for people, JSON lines
for scripts."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from typing import Any, TextIO

from mediashelf.catalog.journal import Run
from mediashelf.console import dumps, printable_path
from mediashelf.journal.results import Outcome


def outcome_object(outcome: Outcome, conflicts: int = 0) -> dict[str, Any]:
    """A run's outcome as JSON: `{run, status, counts, conflicts, failures, notes}`."""
    return {
        "run": outcome.run_id,
        "status": outcome.status,
        "counts": outcome.counts,
        "conflicts": conflicts,
        "failures": [{"path": os.fsdecode(p), "reason": r} for p, r in outcome.failures],
        "notes": outcome.notes,
    }


def _started(run: Run) -> str:
    return dt.datetime.fromtimestamp(run.started_ns / 1e9).strftime("%Y-%m-%d %H:%M:%S")


def run_object(run: Run) -> dict[str, Any]:
    """A run of the history as JSON (what `shelf history --json` prints)."""
    return {
        "id": run.id,
        "started": _started(run),
        "command": run.command,
        "mode": run.mode,
        "status": run.status,
        "counts": run.counts,
        "undo_of": run.undo_of,
        "undone_by": run.undone_by,
        "host": run.host,
    }


def print_outcome(outcome: Outcome, conflicts: int, out: TextIO, *, json_mode: bool) -> None:
    """What a run did; `conflicts`: files its plan left where they are."""
    if json_mode:
        out.write(dumps(outcome_object(outcome, conflicts)) + "\n")
        return
    done = ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in sorted(outcome.counts.items()))
    out.write(f"run {outcome.run_id} {outcome.status}: {done or 'nothing done'}\n")
    if conflicts:
        out.write(f"  {conflicts:,} conflicts left where they are (see --dry-run)\n")
    for note in outcome.notes[:20]:
        out.write(f"  note: {note}\n")
    for path, reason in outcome.failures[:20]:
        out.write(f"  ! {printable_path(path)}: {reason}\n")
    if len(outcome.failures) > 20:
        out.write(f"  … {len(outcome.failures) - 20} more failures\n")
    if outcome.status == "interrupted":
        out.write("  interrupted: run the same command again to finish\n")
    else:
        if outcome.counts.get("delete"):
            out.write(
                f"  {outcome.counts['delete']:,} deleted files cannot come back; "
                f"`shelf undo {outcome.run_id}` reverses the rest\n"
            )
        else:
            out.write(f"  `shelf undo {outcome.run_id}` reverses it\n")


def print_history(runs: Sequence[Run], out: TextIO, *, json_mode: bool) -> None:
    for run in runs:
        if json_mode:
            out.write(dumps(run_object(run)) + "\n")
            continue
        when = _started(run)
        state = run.status + (f", undone by {run.undone_by}" if run.undone_by else "")
        counts = ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in sorted(run.counts.items()))
        out.write(f"{run.id:>4}  {when}  {run.mode:<8} {state:<22} {counts}\n      {run.command}\n")
    if not runs and not json_mode:
        out.write("no runs yet\n")
