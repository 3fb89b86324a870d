"""The library's pages: albums, artists, genres, years, folders, photos, search and an
item's own page.  Each calls the services through `views`, as its API twin does."""

from __future__ import annotations

import itertools
import math
import os
import shlex
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from mediashelf.app import folders as folder_service
from mediashelf.errors import QueryError
from mediashelf.query.albums import album_json
from mediashelf.query.display import row_values
from mediashelf.query.output import item_object
from mediashelf.query.parse import Sort
from mediashelf.web import params, views

GRID: Final = 60
TABLE: Final = 100
VALUES: Final = 200
PHOTOS: Final = 120
#: album orders offered: name → sort terms
ALBUM_ORDERS: Final = {
    "artist": "albumartist+ year+ album+",
    "album": "album+ albumartist+",
    "year": "year- albumartist+",
    "added": "added- albumartist+",
}
#: the values pages: path → (field, heading, order by count first)
VALUE_PAGES: Final = {
    "artists": ("artist", "Artists", False),
    "albumartists": ("albumartist", "Album artists", False),
    "genres": ("genre", "Genres", False),
    "years": ("year", "Years", False),
}
#: the table's columns: field → heading (each sorts by its field)
COLUMNS: Final = {
    "title": "Title", "artist": "Artist", "album": "Album", "year": "Year",
    "duration": "Length", "format": "Format", "bitrate": "Bitrate", "size": "Size",
}  # fmt: skip


def _render(request: Request, name: str, **context: Any) -> Response:
    return request.app.state.pages.render(request, name, **context)  # type: ignore[no-any-return]


def _pages(total: int, size: int) -> int:
    return max(1, math.ceil(total / size)) if size else 1


def _bad_query(
    request: Request, template: str, q: str, error: QueryError, **context: Any
) -> Response:
    """The page with the query's one-line error, as the command line prints it (400)."""
    response = _render(
        request, template, q=q, error=str(error), total=0, page=1, pages=1, **context
    )
    response.status_code = 400
    return response


def albums(request: Request) -> Response:
    q = params.query_text(request)
    order = params.choice(request, "order", tuple(ALBUM_ORDERS))
    page = params.number(request, "page", 1, 1, 10**7)
    context: dict[str, Any] = {"order": order, "orders": list(ALBUM_ORDERS), "albums": []}
    try:
        found = views.page(params.state(request), album_request(q, order, page))
    except QueryError as e:
        return _bad_query(request, "albums.html", q, e, **context)
    context["albums"] = [dict(album_json(a), tracks_query=_album_tracks(a)) for a in found.rows]
    return _render(
        request,
        "albums.html",
        q=q,
        total=found.total,
        page=page,
        pages=_pages(found.total, GRID),
        **context,
    )


DEFAULT_ORDER: Final = "artist"


def album_request(q: str, order: str, page: int) -> Any:
    """The request of one page of the album grid."""
    return views.request(
        q, albums=True, limit=GRID, offset=(page - 1) * GRID, sort=ALBUM_ORDERS[order]
    )


def _album_tracks(album: dict[str, Any]) -> str:
    """The query for an album's tracks: its folder and its title."""
    return shlex.join([f"path:{os.fsdecode(album['path'])}", f"album:={album['album']}"])


def values(request: Request) -> Response:
    field, heading, by_count = VALUE_PAGES[request.url.path.strip("/")]
    q = params.query_text(request)
    page = params.number(request, "page", 1, 1, 10**7)
    by_count = request.query_params.get("order", "count" if by_count else "name") == "count"
    context: dict[str, Any] = {
        "field": field,
        "heading": heading,
        "by_count": by_count,
        "values": [],
    }
    try:
        found = views.values(
            params.state(request),
            q,
            field,
            limit=VALUES,
            offset=(page - 1) * VALUES,
            by_count=by_count,
        )
    except QueryError as e:
        return _bad_query(request, "values.html", q, e, **context)
    context["values"] = found.rows
    return _render(
        request,
        "values.html",
        q=q,
        total=found.total,
        page=page,
        pages=_pages(found.total, VALUES),
        **context,
    )


def folders(request: Request) -> Response:
    state = params.state(request)
    path = params.raw_path(request)
    page = params.number(request, "page", 1, 1, 10**7)
    with state.catalogs.reading() as catalog:
        if path is None:
            return _render(
                request, "folders.html", roots=folder_service.roots(catalog), folder=None
            )
        folder = folder_service.folder(catalog, path, limit=TABLE, offset=(page - 1) * TABLE)
    if folder is None:
        response = _render(
            request, "error.html", message="that folder is not in a scanned root", status_code=404
        )
        response.status_code = 404
        return response
    crumbs = folder_service.trail(folder)
    items = [_shown(r) for r in folder.items]
    return _render(
        request, "folders.html", folder=folder, crumbs=crumbs, items=items,
        page=page, pages=_pages(folder.total, TABLE), total=folder.total,
    )  # fmt: skip


def _shown(row: dict[str, Any]) -> dict[str, Any]:
    """A row as the templates show it: `find --json`'s object, the template values."""
    obj = item_object(row)
    value = row_values(row)
    obj["shown"] = {name: value(name) for name in ("duration", "bitrate", "size", "track")}
    obj["raw_path"] = bytes(row["path"])
    return obj


def photos(request: Request) -> Response:
    q = params.query_text(request)
    page = params.number(request, "page", 1, 1, 10**7)
    try:
        req = views.request(
            q, limit=PHOTOS, offset=(page - 1) * PHOTOS, kinds=("image", "video"),
            default_sort=(Sort("taken", True),),
        )  # fmt: skip
        found = views.page(params.state(request), req)
    except QueryError as e:
        return _bad_query(request, "photos.html", q, e, days=[])
    shown = [_shown(r) for r in found.rows]
    days = [
        (day, list(group))
        for day, group in itertools.groupby(shown, key=lambda o: (o.get("taken") or "")[:10])
    ]
    return _render(
        request,
        "photos.html",
        q=q,
        days=days,
        total=found.total,
        page=page,
        pages=_pages(found.total, PHOTOS),
    )


def search(request: Request) -> Response:
    q = params.query_text(request)
    view = params.choice(request, "view", ("table", "grid"))
    sort = request.query_params.get("sort", "")
    size = TABLE if view == "table" else GRID
    page = params.number(request, "page", 1, 1, 10**7)
    context: dict[str, Any] = {"view": view, "sort": sort, "columns": COLUMNS, "items": []}
    try:
        req = views.request(q, limit=size, offset=(page - 1) * size, sort=sort)
        found = views.page(params.state(request), req)
    except QueryError as e:
        return _bad_query(request, "search.html", q, e, **context)
    context["items"] = [_shown(r) for r in found.rows]
    return _render(
        request,
        "search.html",
        q=q,
        total=found.total,
        page=page,
        pages=_pages(found.total, size),
        **context,
    )


def item(request: Request) -> Response:
    found = views.item_detail(params.state(request), params.path_id(request))
    if found is None:
        response = _render(request, "error.html", message="no such item", status_code=404)
        response.status_code = 404
        return response
    detail, groups = found[0], found[1].groups
    obj = _shown(detail.row)
    fields = [
        (k, v) for k, v in obj.items() if k not in ("shown", "raw_path") and v not in (None, "", [])
    ]
    return _render(
        request, "item.html", item=obj, fields=fields, detail=detail, groups=groups,
        unsearched=found[1].unsearched,
    )  # fmt: skip


def home(request: Request) -> Response:
    return RedirectResponse("/albums", status_code=303)


def routes() -> list[Route]:
    return [
        Route("/", home),
        Route("/albums", albums),
        *(Route(f"/{name}", values) for name in VALUE_PAGES),
        Route("/folders", folders),
        Route("/photos", photos),
        Route("/search", search),
        Route("/items/{id:int}", item),
    ]
