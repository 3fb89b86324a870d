"""`shelf dupes` output: a text table, or one JSON object per group."""

from __future__ import annotations

import os
from typing import Any, TextIO

from mediashelf.console import dumps, summary_size
from mediashelf.dupes import Group, Result


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


def describe_costs(result: Result) -> str:
    """One line on what the run read: hashes taken from the catalog and files hashed."""
    s = result.stats
    cached = sum(s.cached.values())
    hashed = sum(s.hashed.values())
    return f"{hashed:,} files hashed ({summary_size(s.bytes_read)} read), {cached:,} hashes cached"
