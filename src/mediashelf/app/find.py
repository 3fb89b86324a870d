"""Finding items and albums: what `shelf find` lists, for any front end.

`prepare` checks a request (its query, its fields) before the catalog is opened;
`find` runs it and returns what it found: a count, or the matching items or albums
as they stream from the catalog, with the template of their lines and the function
that makes an item's line.  Line templates are read as beets reads them: what cannot
be evaluated (an unknown field, a `{` never closed) is shown as written, and the
template's `literal` names it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Final, Literal, NamedTuple

from mediashelf.catalog import Catalog
from mediashelf.catalog import tree as t
from mediashelf.catalog.find import (
    VALUE_COLUMNS,
    Row,
    count,
    distinct_values,
    select,
    select_page,
)
from mediashelf.catalog.roots import Placement, placement
from mediashelf.catalog.tree import Compiled
from mediashelf.errors import ConfigError
from mediashelf.query import compile_query, parse
from mediashelf.query.display import TEMPLATE_FIELDS, columns_for, row_values
from mediashelf.query.fields import suggest
from mediashelf.query.output import CSV_FIELDS, DEFAULT_ITEM_FORMAT
from mediashelf.query.parse import Query, Sort, split_query
from mediashelf.template import Template
from mediashelf.template import parse as parse_template
from mediashelf.template.engine import CONTEXT_FUNCTIONS

if TYPE_CHECKING:
    from mediashelf.catalog.albums import AlbumKey
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
    offset: int = 0  # items (or albums) skipped before the first one: a page of a listing
    missing: bool = False  # the items the last scan did not find, instead of the others
    cwd: bytes | None = None  # where relative paths in the query start
    kinds: tuple[str, ...] = ()  # only items of these kinds (audio, image, video, other)
    default_sort: tuple[Sort, ...] = ()  # the order when the query gives none


class Search(NamedTuple):
    """A checked request: its query compiled, the albums' own sort keys."""

    request: FindRequest
    compiled: Compiled
    album_sort: list[Sort]


class Found(NamedTuple):
    """What a search found: a count, items or albums (streamed), and the line template
    (with `line`, an item's line)."""

    total: int | None = None  # the number found (count mode)
    items: Iterator[Row] | None = None
    albums: Iterator[Album] | None = None
    template: Template | None = None
    line: Callable[[Row], str] | None = None


class Page(NamedTuple):
    """One page of a listing and the number of matches in all (for paging)."""

    rows: list[Any]  # catalog rows (items), albums, or (value, items) pairs
    total: int


def split(text: str) -> tuple[str, ...]:
    """A query typed as one line (a search box): its terms, split as a shell would
    without expanding anything (raises QueryError for an unclosed quote)."""
    return split_query(text)


def prepare(request: FindRequest) -> Search:
    """The request checked and its query compiled (raises QueryError or ConfigError)."""
    q = parse(request.query)
    items_q = Query(q.groups, []) if request.albums else q  # albums sort by album fields
    compiled = compile_query(
        items_q, cwd=request.cwd, missing=request.missing, default_sort=list(request.default_sort)
    )
    if request.kinds:
        kinds = t.Or(tuple(t.Equals(t.Column("kind"), k) for k in request.kinds))
        compiled = t.Compiled(
            t.And((compiled.filter, kinds)), compiled.sort, compiled.missing,
            compiled.uses_regex, compiled.fields,
        )  # fmt: skip
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
    columns = _COLUMNS.get(request.mode)
    where = placement(catalog)
    if request.mode != "lines":
        rows = select(
            catalog, search.compiled, limit=request.limit, offset=request.offset, columns=columns
        )
        return Found(items=_placed(rows, where, request.mode == "json"))
    template = _line_template(request.format, DEFAULT_ITEM_FORMAT, TEMPLATE_FIELDS)
    line = _line(catalog, template)
    # %aunique and %sunique read more of the item than the template names
    columns = None if template.calls & CONTEXT_FUNCTIONS else columns_for(template.fields)
    rows = select(
        catalog, search.compiled, limit=request.limit, offset=request.offset, columns=columns
    )
    return Found(items=_placed(rows, where, False), template=template, line=line)


def placed(catalog: Catalog, rows: Iterable[Row]) -> list[Row]:
    """Whole rows with their paths as this host sees them, and their host and root (as
    `find --json` gives them)."""
    return list(_placing(iter(rows), placement(catalog), True))


def _placed(rows: Iterator[Row], where: Placement, json_mode: bool) -> Iterator[Row]:
    """Rows with their paths as this host sees them (and, in JSON, their host and root)."""
    if where.trivial and not json_mode:
        return rows
    return _placing(rows, where, json_mode)


def _placing(rows: Iterator[Row], where: Placement, json_mode: bool) -> Iterator[Row]:
    for row in rows:
        if "path" in row:
            row["path"], host, root = where.place(bytes(row["path"]))
            if json_mode:
                row["host"], row["root"] = host, root
        yield row


def _line_template(
    text: str | None, default: str, fields: frozenset[str], *, context: bool = True
) -> Template:
    """The template of a line: the default when none is given (`-f ''` is an empty line).
    `context`: %aunique and %sunique can be answered (items, not albums)."""
    return parse_template(default if text is None else text, fields, lenient=True, context=context)


def _line(catalog: Catalog, template: Template) -> Callable[[Row], str]:
    if not template.calls & CONTEXT_FUNCTIONS:
        render = template.render
        return lambda row: render(row_values(row))
    from mediashelf.template.unique import Uniques

    uniques = Uniques(catalog)

    def line(row: Row) -> str:
        return template.render(row_values(row), uniques.functions(row, _as_is))

    return line


def _as_is(text: str) -> str:
    return text


def page(catalog: Catalog, search: Search) -> Page:
    """The page of items (or albums) the request's `limit` and `offset` pick, with the
    number found in all.  Items are whole catalog rows (`query.output.item_object`
    makes them the objects of `find --json`); albums as `find --albums` streams them."""
    request = search.request
    if request.albums:
        order = album_order(catalog, search)
        end = None if request.limit is None else request.offset + request.limit
        return Page(albums_named(catalog, search, order[request.offset : end]), len(order))
    compiled, limit, offset = search.compiled, request.limit, request.offset
    if limit is not None and t.narrows(compiled.filter):
        # one pass over the matches counts them and sorts the page out of them
        found, total = select_page(catalog, compiled, limit=limit, offset=offset)
        return Page(placed(catalog, found), total)
    # the whole library: counted from an index, the page read in the index's order
    rows = select(catalog, compiled, limit=limit, offset=offset)
    return Page(placed(catalog, rows), count(catalog, compiled))


def album_order(catalog: Catalog, search: Search) -> list[AlbumKey]:
    """Every album the request finds, in its order, named only (see `albums_named`):
    what a front end keeps to page through a long listing quickly."""
    from mediashelf.catalog.albums import album_keys
    from mediashelf.query.albums import album_order as order

    return album_keys(catalog, search.compiled, order(search.album_sort))


def albums_named(catalog: Catalog, search: Search, wanted: Sequence[AlbumKey]) -> list[Album]:
    """The albums `wanted` names (a slice of `album_order`), in that order."""
    from mediashelf.catalog.albums import albums_of
    from mediashelf.query.albums import album

    rows = albums_of(catalog, search.compiled, wanted)
    return [album(rows[key]) for key, _ in wanted if key in rows]


def changed_mark(catalog: Catalog) -> tuple[Any, ...]:
    """Changes whenever what a search finds may have changed (see catalog.change_mark)."""
    from mediashelf.catalog.queries import change_mark

    return change_mark(catalog)


def values(
    catalog: Catalog,
    search: Search,
    field: str,
    *,
    by_count: bool = False,
    limit: int = 100,
    offset: int = 0,
) -> Page:
    """The values `field` takes among the matching items, each with its number of items
    (unknown and empty values left out), by value or most items first; a page of them."""
    if field not in VALUE_COLUMNS:
        known = list(VALUE_COLUMNS)
        raise ConfigError(f"cannot list the values of {field!r}{suggest(field, known)}")
    rows, total = distinct_values(
        catalog, search.compiled, field, by_count=by_count, limit=limit, offset=offset
    )
    return Page(rows, total)


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
        template = _line_template(
            request.format, DEFAULT_ALBUM_FORMAT, ALBUM_TEMPLATE_FIELDS, context=False
        )
    rows = select_albums(catalog, search.compiled, album_order(search.album_sort))
    albums = (album(row) for row in rows)
    if request.mode == "count":
        return Found(total=sum(1 for _ in albums))
    return Found(albums=albums, template=template)
