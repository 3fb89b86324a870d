"""`shelf find` output: template lines, JSON lines, CSV, paths, M3U playlists.

Rows stream from the catalog (catalog/find.py) straight to the output; nothing is
held in memory but the row being written.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Sequence
from typing import IO, Any, Final

from mediashelf.catalog.find import Row
from mediashelf.catalog.values import iso_utc
from mediashelf.console import dumps
from mediashelf.model import AUDIO_FIELD_NAMES, BOOL_FIELDS, LIST_FIELDS, VISUAL_FIELDS
from mediashelf.query.display import cell_values

#: every JSON object starts with these
COMMON_FIELDS: Final = ("id", "path", "kind", "format", "ext", "size", "mtime_ns", "added")
_VISUAL_NAMES: Final = tuple(n for n, _ in VISUAL_FIELDS)
#: the audio stream fields a video carries as well
_VIDEO_AUDIO: Final = (
    "title",
    "artist",
    "comment",
    "duration",
    "bitrate",
    "samplerate",
    "channels",
    "codec",
)
#: fields a JSON object lists, with null where unknown, by the item's kind
KIND_FIELDS: Final[dict[str, tuple[str, ...]]] = {
    "audio": AUDIO_FIELD_NAMES,
    "image": _VISUAL_NAMES,
    "video": (*_VIDEO_AUDIO, *_VISUAL_NAMES),
    "other": (),
}
_LISTS: Final = frozenset(LIST_FIELDS)
_BOOLS: Final = frozenset(BOOL_FIELDS)

DEFAULT_ITEM_FORMAT: Final = "%if{$title$artist,$artist - $album - $title,$path}"


def _json_value(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in _LISTS:
        return json.loads(value)
    if name in _BOOLS:
        return bool(value)
    return value


def item_object(row: Row, fields: Sequence[str] | None = None) -> dict[str, Any]:
    """One item as a JSON-ready dict: common fields, then every field of its kind."""
    obj: dict[str, Any] = {
        "id": row["id"],
        "path": os.fsdecode(row["path"]),
        "kind": row["kind"],
        "format": row["format"],
        "ext": row["ext"],
        "size": row["size"],
        "mtime_ns": row["mtime_ns"],
        "added": iso_utc(row["added_ns"]),
    }
    obj["damage"] = _json_value("damage", row["damage"]) or []
    names = KIND_FIELDS.get(row["kind"], ())
    for name in names:
        obj[name] = _json_value(name, row[name])
    for name in (*AUDIO_FIELD_NAMES, *_VISUAL_NAMES):
        if name not in obj and row.get(name) is not None:
            obj[name] = _json_value(name, row[name])
    if "host" in row:  # where the item is: the machine and the root it was scanned from
        obj["host"] = row["host"]
        obj["root"] = os.fsdecode(row["root"]) if row["root"] is not None else None
    if row["missing"]:
        obj["missing"] = True
    if row["error"]:
        obj["error"] = row["error"]
    if fields:
        return {k: obj[k] if k in obj else _json_value(k, row.get(k)) for k in fields}
    return obj


def write_lines(rows: Iterable[Row], out: IO[str], line: Callable[[Row], str]) -> int:
    """One line per row, as `line` (a template's) writes it."""
    n = 0
    for row in rows:
        out.write(line(row) + "\n")
        n += 1
    return n


def write_json(rows: Iterable[Row], out: IO[str], fields: Sequence[str] | None) -> int:
    n = 0
    for row in rows:
        out.write(dumps(item_object(row, fields)) + "\n")
        n += 1
    return n


CSV_FIELDS: Final = (*COMMON_FIELDS, *AUDIO_FIELD_NAMES, *_VISUAL_NAMES, "damage")


def write_csv(rows: Iterable[Row], out: IO[str], fields: Sequence[str] | None) -> int:
    """A header, then one row per item; cells as `show` writes them, lists joined by '; '."""
    import csv

    names = list(fields or CSV_FIELDS)
    writer = csv.writer(out)
    writer.writerow(names)
    n = 0
    for row in rows:
        values = cell_values(row)
        writer.writerow(
            [
                os.fsdecode(row["path"]) if k == "path" else row["mtime_ns"] if k == "mtime_ns"
                else iso_utc(row["added_ns"]) if k == "added" else row[k] if k in ("id", "size")
                else values(k)
                for k in names
            ]
        )  # fmt: skip
        n += 1
    return n


def write_paths(rows: Iterable[Row], out: IO[str], sep: str) -> int:
    n = 0
    for row in rows:
        out.write(os.fsdecode(row["path"]) + sep)
        n += 1
    return n


def write_m3u(rows: Iterable[Row], out: IO[str]) -> int:
    """Extended M3U: `#EXTINF:seconds,Artist - Title` before each absolute path."""
    out.write("#EXTM3U\n")
    n = 0
    for row in rows:
        duration = row["duration"]
        seconds = round(duration) if duration is not None else -1
        artist, title = row["artist"], row["title"]
        if artist and title:
            label = f"{artist} - {title}"
        else:
            label = title or os.fsdecode(os.path.splitext(os.path.basename(row["path"]))[0])
        label = " ".join(label.split())  # no line breaks inside the directive
        out.write(f"#EXTINF:{seconds},{label}\n{os.fsdecode(row['path'])}\n")
        n += 1
    return n
