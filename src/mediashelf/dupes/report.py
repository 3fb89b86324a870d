"""`shelf dupes` output: a text table, or one JSON object per group; and the plan of a
resolution (`--resolve` without `--apply`)."""

from __future__ import annotations

import os
from typing import Any, TextIO

from mediashelf.console import dumps, file_size, printable_path, summary_size
from mediashelf.dupes import Group, Result
from mediashelf.dupes.resolve import Resolution


def group_object(group: Group) -> dict[str, Any]:
    """`{kind, reclaimable, files: [{path, size, keep}]}`; hard links as `links` of a file."""
    files: list[dict[str, Any]] = []
    for m in group.members:
        obj: dict[str, Any] = {"path": os.fsdecode(m.path), "size": m.size, "keep": m.keep}
        if m.links:
            obj["links"] = [os.fsdecode(link) for link in m.links]
        files.append(obj)
    return {"kind": group.kind, "reclaimable": group.reclaimable, "files": files}


def write_json(result: Result, out: TextIO) -> None:
    for group in result.groups:
        out.write(dumps(group_object(group)) + "\n")


def write_text(result: Result, out: TextIO) -> None:
    """One block per group: a heading, then `keep`, size and path of each file."""
    for group in result.groups:
        n = len(group.members)
        out.write(
            f"{group.kind}: {n} files, {summary_size(group.size)}, "
            f"reclaimable {summary_size(group.reclaimable)}\n"
        )
        width = max(len(summary_size(m.size)) for m in group.members)
        for m in group.members:
            mark = "keep" if m.keep else "    "
            out.write(f"  {mark}  {summary_size(m.size):>{width}}  {os.fsdecode(m.path)}\n")
            for link in m.links:
                out.write(
                    f"  {'':4}  {'':>{width}}  = {os.fsdecode(link)} (hard link, same file)\n"
                )
        out.write("\n")
    files = sum(len(g.members) for g in result.groups)
    out.write(
        f"{len(result.groups):,} group{'s' if len(result.groups) != 1 else ''}, "
        f"{files:,} files, {summary_size(result.reclaimable)} reclaimable\n"
    )


def print_resolution(res: Resolution, out: TextIO, *, json_mode: bool) -> None:
    """The plan of a resolution (a dry run): each duplicate, what is done with it, and
    the file kept in its place."""
    counts = {
        "files": len(res.ops),
        "groups": res.groups,
        "bytes": res.bytes,
        "skipped": len(res.skipped),
    }
    if json_mode:
        for op in res.ops:
            obj: dict[str, object] = {"action": op.action, "path": printable_path(op.path)}
            if op.dst is not None:
                obj["dst"] = printable_path(op.dst)
            obj |= {"keep": printable_path(op.keep), "size": op.size}
            out.write(dumps(obj) + "\n")
        for path, reason in res.skipped:
            out.write(dumps({"skipped": reason, "path": printable_path(path)}) + "\n")
        out.write(dumps({"plan": counts, "action": res.action, "keep": res.keep}) + "\n")
        return
    for op in res.ops:
        out.write(f"{op.action:<8} {printable_path(op.path)}\n")
        if op.dst is not None:
            out.write(f"      -> {printable_path(op.dst)}\n")
        elif op.action == "hardlink":
            out.write(f"      -> a hard link to {printable_path(op.keep)}\n")
        if op.action != "hardlink":
            out.write(f"         (kept: {printable_path(op.keep)})\n")
    for path, reason in res.skipped:
        out.write(f"skip     {printable_path(path)}: {reason}\n")
    verb = {"move-to": "move", "hardlink": "hard-link"}.get(res.action, res.action)
    out.write(
        f"Would {verb} {len(res.ops):,} duplicate files of {res.groups:,} groups; "
        f"{file_size(res.bytes)} (keep: {res.keep})\n"
    )
