"""Finding duplicates among the catalogued files a query picks."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from mediashelf.catalog import tree as t
from mediashelf.catalog.connect import Catalog
from mediashelf.catalog.dialect import Compiled
from mediashelf.catalog.folding import fold
from mediashelf.dupes import Group, Options, Result, find_dupes
from mediashelf.dupes.audio_payload import SUPPORTED
from mediashelf.dupes.groups import AUDIO_DURATION_SLACK
from mediashelf.events import NullSink, Sink


def find(catalog: Catalog, compiled: Compiled, options: Options, sink: Sink) -> Result:
    """Groups of duplicates, the copy to keep first; files are hashed (and the hashes
    kept in the catalog) only where the catalog cannot settle it.  Changes no file."""
    return find_dupes(catalog, compiled, options, sink)


def _only(*nodes: t.Node) -> Compiled:
    return Compiled(t.And(nodes), missing=False)


def of_item(catalog: Catalog, row: dict[str, Any]) -> list[Group]:
    """The groups of every kind that the item of catalog row `row` belongs to.

    Each search looks only at the files that could be in a group with it: the same
    size (byte-identical), the same format and about the same duration (the same
    audio), the same title (the same recording), or every image (look-alikes), so it
    costs a fraction of a search of the whole library.
    """
    searches: list[tuple[Options, Compiled]] = []
    if row["size"]:
        searches.append((Options("exact"), _only(t.Equals(t.Column("size"), row["size"]))))
    duration = row.get("duration")
    if row["kind"] == "audio" and row["format"] in SUPPORTED and duration is not None:
        span = t.Range(
            t.Column("duration"),
            duration - AUDIO_DURATION_SLACK,
            duration + AUDIO_DURATION_SLACK,
            high_inclusive=True,
        )
        searches.append(
            (Options("audio"), _only(t.Equals(t.Column("format"), row["format"]), span))
        )
    if row["kind"] == "audio" and row.get("title"):
        searches.append((Options("similar"), _only(t.Search(("title",), fold(row["title"])))))
    elif row["kind"] == "image" and row.get("phash"):
        searches.append((Options("similar"), _only(t.Equals(t.Column("kind"), "image"))))
    found: list[Group] = []
    for options, compiled in searches:
        result = find_dupes(catalog, compiled, options, NullSink())
        found += [g for g in result.groups if any(m.id == row["id"] for m in g.members)]
    return found


def keeping(group: Group, item_id: int) -> Group:
    """`group` with the file of item `item_id` as the one to keep (first), the others in
    their order; the group as it is when that item is not one of its files."""
    chosen = [m for m in group.members if m.id == item_id]
    if not chosen:
        return group
    others = [m for m in group.members if m.id != item_id]
    members = [dataclasses.replace(m, keep=(m.id == item_id)) for m in (*chosen, *others)]
    return Group(group.kind, tuple(members))


def group_of(groups: Sequence[Group], item_id: int) -> Group | None:
    """The group item `item_id` is a file of, else None."""
    return next((g for g in groups if any(m.id == item_id for m in g.members)), None)
