"""Finding duplicates among the catalogued files a query picks."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, Final, NamedTuple

from mediashelf.catalog import tree as t
from mediashelf.catalog.connect import Catalog
from mediashelf.catalog.dialect import Compiled
from mediashelf.catalog.find import count
from mediashelf.catalog.folding import fold
from mediashelf.dupes import Group, Options, Result, find_dupes
from mediashelf.dupes.audio_payload import SUPPORTED
from mediashelf.events import NullSink, Sink


def find(catalog: Catalog, compiled: Compiled, options: Options, sink: Sink) -> Result:
    """Groups of duplicates, the copy to keep first; files are hashed (and the hashes
    kept in the catalog) only where the catalog cannot settle it.  Changes no file."""
    return find_dupes(catalog, compiled, options, sink)


#: on an item's page, the same audio is looked for among files whose stream is the same:
#: the same format, sample rate and channels, the duration within this (seconds) and
#: the bit rate within ITEM_BITRATE_SLACK of the item's, so that few files are hashed
ITEM_DURATION_SLACK: Final = 0.5
ITEM_BITRATE_SLACK: Final = 0.05


def _only(*nodes: t.Node) -> Compiled:
    return Compiled(t.And(nodes), missing=False)


def _around(column: str, value: float, slack: float) -> t.Node:
    return t.Range(t.Column(column), value - slack, value + slack, high_inclusive=True)


def _same_stream(row: dict[str, Any]) -> Compiled | None:
    """The files that could hold the same audio stream as the item of `row`."""
    duration, bitrate = row.get("duration"), row.get("bitrate")
    if row["kind"] != "audio" or row["format"] not in SUPPORTED or duration is None:
        return None
    nodes: list[t.Node] = [
        t.Equals(t.Column("kind"), "audio"),  # with the format: the (kind, format) index
        t.Equals(t.Column("format"), row["format"]),
        _around("duration", duration, ITEM_DURATION_SLACK),
    ]
    for column in ("samplerate", "channels"):
        if row.get(column) is not None:
            nodes.append(t.Equals(t.Column(column), row[column]))
    if bitrate:
        nodes.append(_around("bitrate", bitrate, bitrate * ITEM_BITRATE_SLACK))
    return _only(*nodes)


class ItemGroups(NamedTuple):
    """The groups an item belongs to, and the kinds not searched (too many candidates)."""

    groups: list[Group]
    unsearched: list[str]


#: an item's page searches a kind only among at most this many candidates
ITEM_CANDIDATES: Final = 300


def of_item(catalog: Catalog, row: dict[str, Any]) -> ItemGroups:
    """The groups of every kind that the item of catalog row `row` belongs to.

    Each search looks only at the files that could be in a group with it: the same
    size (byte-identical), the same stream (the same audio), the same title (the same
    recording), or the images (look-alikes); a kind with more than ITEM_CANDIDATES of
    them is left to `shelf dupes` (and the Duplicates page), and named as unsearched.
    """
    searches: list[tuple[Options, Compiled]] = []
    if row["size"]:
        searches.append((Options("exact"), _only(t.Equals(t.Column("size"), row["size"]))))
    stream = _same_stream(row)
    if stream is not None:
        searches.append((Options("audio"), stream))
    if row["kind"] == "audio" and row.get("title"):
        searches.append((Options("similar"), _only(t.Search(("title",), fold(row["title"])))))
    elif row["kind"] == "image" and row.get("phash"):
        searches.append((Options("similar"), _only(t.Equals(t.Column("kind"), "image"))))
    found = ItemGroups([], [])
    for options, compiled in searches:
        if count(catalog, compiled) > ITEM_CANDIDATES:
            found.unsearched.append(options.mode)
            continue
        result = find_dupes(catalog, compiled, options, NullSink())
        found.groups.extend(g for g in result.groups if any(m.id == row["id"] for m in g.members))
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
