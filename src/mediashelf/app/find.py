"""Finding items and albums: what `shelf find` lists, for any front end.

`prepare` checks a request (its query, its fields) before the catalog is opened;
`find` runs it and returns what it found: a count, or the matching items or albums
as they stream from the catalog, with the template of their lines.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Final, Literal, NamedTuple

from mediashelf.catalog import Catalog
from mediashelf.catalog.find import Row, count, select
from mediashelf.catalog.roots import Placement, placement
from mediashelf.catalog.tree import Compiled
from mediashelf.errors import ConfigError
from mediashelf.query import compile_query, parse
from mediashelf.query.display import TEMPLATE_FIELDS, columns_for
from mediashelf.query.fields import suggest
from mediashelf.query.output import CSV_FIELDS, DEFAULT_ITEM_FORMAT
from mediashelf.query.parse import Query, Sort
from mediashelf.template import Template
from mediashelf.template import parse as parse_template

if TYPE_CHECKING:
    from mediashelf.query.albums import Album

#: how the found items are shown: template lines, JSON lines, CSV, paths (one a line or
#: NUL-separated), an M3U playlist, or only their number
Mode = Literal["lines", "json", "csv", "paths", "null", "m3u", "count"]
#: the columns each mode reads (None: every column; lines: what the template names)
_COLUMNS: Final[dict[str, list[str] | None]] = {
    "json": None,
    "csv": None,
    "paths": ["path"],
    "null": ["path"],
    "m3u": ["path", "duration", "artist", "title"],
}
_ALBUM_MODES: Final = frozenset(("lines", "json", "count"))


class FindRequest(NamedTuple):
    query: tuple[str, ...] = ()
    mode: Mode = "lines"
    albums: bool = False
    format: str | None = None  # the template of a line (lines mode)
    fields: tuple[str, ...] | None = None  # the fields of JSON and CSV (none given: all)
    limit: int | None = None
    missing: bool = False  # the items the last scan did not find, instead of the others
    cwd: bytes | None = None  # where relative paths in the query start


class Search(NamedTuple):
    """A checked request: its query compiled, the albums' own sort keys."""

    request: FindRequest
    compiled: Compiled
    album_sort: list[Sort]


class Found(NamedTuple):
    """What a search found: a count, items or albums (streamed), and the line template."""

    total: int | None = None  # the number found (count mode)
    items: Iterator[Row] | None = None
    albums: Iterator[Album] | None = None
    template: Template | None = None


def prepare(request: FindRequest) -> Search:
    """The request checked and its query compiled (raises QueryError or ConfigError)."""
    q = parse(request.query)
    items_q = Query(q.groups, []) if request.albums else q  # albums sort by album fields
    compiled = compile_query(items_q, cwd=request.cwd, missing=request.missing)
    for name in request.fields or ():
        if name not in CSV_FIELDS:
            raise ConfigError(f"--fields: unknown field {name!r}{suggest(name)}")
    return Search(request, compiled, q.sort)


def find(catalog: Catalog, search: Search) -> Found:
    request = search.request
    if request.albums:
        return _albums(catalog, search)
    if request.mode == "count":
        return Found(total=count(catalog, search.compiled))
    template = None
    columns = _COLUMNS.get(request.mode)
    if request.mode == "lines":
        template = parse_template(request.format or DEFAULT_ITEM_FORMAT, TEMPLATE_FIELDS)
        columns = columns_for(template.fields)
    rows = select(catalog, search.compiled, limit=request.limit, columns=columns)
    where = placement(catalog)
    if where.trivial and request.mode != "json":
        return Found(items=rows, template=template)
    return Found(items=_placed(rows, where, request.mode == "json"), template=template)


def _placed(rows: Iterator[Row], where: Placement, json_mode: bool) -> Iterator[Row]:
    """Rows with their paths as this host sees them (and, in JSON, their host and root)."""
    for row in rows:
        if "path" in row:
            row["path"], host, root = where.place(bytes(row["path"]))
            if json_mode:
                row["host"], row["root"] = host, root
        yield row


def _albums(catalog: Catalog, search: Search) -> Found:
    from mediashelf.catalog.albums import select_albums
    from mediashelf.query.albums import (
        ALBUM_TEMPLATE_FIELDS,
        DEFAULT_ALBUM_FORMAT,
        album,
        album_order,
    )

    request = search.request
    if request.mode not in _ALBUM_MODES or request.fields is not None:
        raise ConfigError("--albums works with --format, --json and --count")
    template = None
    if request.mode == "lines":
        template = parse_template(request.format or DEFAULT_ALBUM_FORMAT, ALBUM_TEMPLATE_FIELDS)
    rows = select_albums(catalog, search.compiled, album_order(search.album_sort))
    albums = (album(row) for row in rows)
    if request.mode == "count":
        return Found(total=sum(1 for _ in albums))
    return Found(albums=albums, template=template)
