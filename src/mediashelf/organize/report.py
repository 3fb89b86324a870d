"""Printing an organize plan (a dry run): text for people, JSON lines for scripts."""

from __future__ import annotations

import os
from typing import TextIO

from mediashelf.console import dumps, file_size, printable_path
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
