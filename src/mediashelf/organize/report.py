"""Printing plans, run results and the history: text for people, JSON lines for scripts."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from typing import TextIO

from mediashelf.console import dumps, file_size, printable_path
from mediashelf.organize.apply import Outcome
from mediashelf.organize.journal import Run
from mediashelf.organize.plan import Plan


def _rel(path: bytes, root: bytes) -> str:
    if path.startswith(root.rstrip(b"/") + b"/"):
        return printable_path(path[len(root.rstrip(b"/")) + 1 :])
    return printable_path(path)


def _counts_line(counts: dict[str, int]) -> str:
    parts = [f"{counts['files']:,} files"]
    for key, label in (
        ("sidecars", "sidecars"),
        ("replaced", "replacing existing files"),
        ("in_place", "already in place"),
        ("identical", "identical at the destination"),
        ("conflicts", "conflicts (left where they are)"),
        ("unmatched", "matched no template"),
        ("folders", "new folders"),
    ):
        if counts.get(key):
            parts.append(f"{counts[key]:,} {label}")
    return ", ".join(parts) + f"; {file_size(counts['bytes'])}"


def print_plan(plan: Plan, out: TextIO, *, json_mode: bool, summary_only: bool = False) -> None:
    counts = plan.counts
    if json_mode:
        if not summary_only:
            for op in plan.ops:
                obj = {
                    "action": op.action, "src": os.fsdecode(op.src), "dst": os.fsdecode(op.dst),
                    "size": op.size, "sidecar": op.sidecar,
                }  # fmt: skip
                if op.aside:
                    obj["existing_moved_to"] = os.fsdecode(op.aside)
                out.write(dumps(obj) + "\n")
            for c in plan.conflicts:
                out.write(
                    dumps(
                        {"conflict": c.reason, "src": os.fsdecode(c.src), "dst": os.fsdecode(c.dst)}
                    )
                    + "\n"
                )
        out.write(dumps({"plan": counts, "dest": os.fsdecode(plan.dest), "mode": plan.mode}) + "\n")
        return
    if not summary_only:
        for op in plan.ops:
            tag = " (sidecar)" if op.sidecar else ""
            out.write(
                f"{op.action:<8} {printable_path(op.src)}\n      -> {_rel(op.dst, plan.dest)}{tag}\n"
            )
            if op.aside:
                out.write(f"         (the file there goes to {_rel(op.aside, plan.dest)})\n")
        for c in plan.conflicts:
            out.write(
                f"conflict {printable_path(c.src)}\n      -> {_rel(c.dst, plan.dest)}: {c.reason}\n"
            )
    verb = "Would" if not summary_only else "Nothing to do:"
    if summary_only:
        out.write(f"{verb} {_counts_line(counts)}\n")
    else:
        out.write(f"{verb} {plan.mode} {_counts_line(counts)} into {printable_path(plan.dest)}\n")


def print_outcome(outcome: Outcome, plan: Plan | None, out: TextIO, *, json_mode: bool) -> None:
    if json_mode:
        out.write(
            dumps(
                {
                    "run": outcome.run_id,
                    "status": outcome.status,
                    "counts": outcome.counts,
                    "conflicts": len(plan.conflicts) if plan else 0,
                    "failures": [
                        {"path": os.fsdecode(p), "reason": r} for p, r in outcome.failures
                    ],
                    "notes": outcome.notes,
                }
            )
            + "\n"
        )
        return
    done = ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in sorted(outcome.counts.items()))
    out.write(f"run {outcome.run_id} {outcome.status}: {done or 'nothing done'}\n")
    if plan is not None and plan.conflicts:
        out.write(f"  {len(plan.conflicts):,} conflicts left where they are (see --dry-run)\n")
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
        when = dt.datetime.fromtimestamp(run.started_ns / 1e9).strftime("%Y-%m-%d %H:%M:%S")
        if json_mode:
            out.write(
                dumps(
                    {
                        "id": run.id,
                        "started": when,
                        "command": run.command,
                        "mode": run.mode,
                        "status": run.status,
                        "counts": run.counts,
                        "undo_of": run.undo_of,
                        "undone_by": run.undone_by,
                    }
                )
                + "\n"
            )
            continue
        state = run.status + (f", undone by {run.undone_by}" if run.undone_by else "")
        counts = ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in sorted(run.counts.items()))
        out.write(f"{run.id:>4}  {when}  {run.mode:<8} {state:<22} {counts}\n      {run.command}\n")
    if not runs and not json_mode:
        out.write("no runs yet\n")
