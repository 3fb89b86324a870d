"""The JSON API under /api/: what the pages show, for scripts and other tools.

Lists are paginated (`limit`, `offset`) and give their `total`; items are the objects
of `shelf find --json`; a bad query is 400 with `{"error": "…"}`.
"""

from __future__ import annotations

import asyncio
import io
import json
import mimetypes
import os
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, Final

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from mediashelf.app import items as item_service
from mediashelf.app.thumbs import thumb as make_thumb
from mediashelf.console import dumps, printable_path
from mediashelf.query.albums import album_json
from mediashelf.query.output import item_object, write_m3u
from mediashelf.web import params, views
from mediashelf.web.render import placeholder
from mediashelf.web.security import FILE_CSP

if TYPE_CHECKING:
    from mediashelf.app.dupes import ItemGroups
    from mediashelf.dupes import Group

#: media types a browser may show inline (anything else is a download)
_INLINE: Final = ("audio/", "video/", "image/")
_NOT_INLINE: Final = frozenset(("image/svg+xml",))
#: seconds between progress messages of a scan's event stream
SSE_EVERY: Final = 0.25


class ShelfJSON(JSONResponse):
    """JSON whose undecodable file names survive as \\udcXX escapes."""

    def render(self, content: Any) -> bytes:
        return dumps(content).encode("utf-8")


def _items(request: Request) -> Response:
    req = views.request(
        params.query_text(request),
        limit=params.number(request, "limit", 100, 0, 1000),
        offset=params.number(request, "offset", 0, 0, 10**9),
        sort=request.query_params.get("sort", ""),
    )
    page = views.page(params.state(request), req)
    return ShelfJSON({"items": [item_object(r) for r in page.rows], "total": page.total})


def item_json(detail: item_service.ItemDetail, found: ItemGroups) -> dict[str, Any]:
    obj = item_object(detail.row)
    obj["extra"] = detail.extra
    obj["damage"] = detail.damage
    obj["failures"] = [
        {"stage": f.stage, "kind": f.kind, "message": f.message} for f in detail.failures
    ]
    obj["duplicates"] = [_group_json(g) for g in found.groups]
    obj["duplicates_unsearched"] = found.unsearched
    return obj


def _item(request: Request) -> Response:
    found = views.item_detail(params.state(request), params.path_id(request))
    if found is None:
        return ShelfJSON({"error": "no such item"}, status_code=404)
    return ShelfJSON(item_json(*found))


def _thumb(request: Request) -> Response:
    state = params.state(request)
    size = params.number(request, "size", 256, 16, 2048)
    with state.catalogs.reading() as catalog:
        tile = make_thumb(catalog, params.path_id(request), size, state.thumbs)
    if tile is None:
        return ShelfJSON({"error": "no such item"}, status_code=404)
    etag = f'"{tile.etag}"'
    versioned = "v" in request.query_params
    headers = {
        "etag": etag,
        # a page asks for `?v=` the item's mtime: that URL's tile never changes
        "cache-control": "public, max-age=31536000, immutable" if versioned else "no-cache",
    }
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    if not tile.data:
        return Response(placeholder(), media_type="image/svg+xml", headers=headers)
    return Response(tile.data, media_type="image/jpeg", headers=headers)


#: media types by extension of what browsers play or show (the system's table may lack some)
_MEDIA_TYPES: Final = {
    "mp3": "audio/mpeg", "flac": "audio/flac", "m4a": "audio/mp4", "m4b": "audio/mp4",
    "aac": "audio/aac", "ogg": "audio/ogg", "oga": "audio/ogg", "opus": "audio/ogg",
    "wav": "audio/wav", "mp4": "video/mp4", "m4v": "video/mp4", "webm": "video/webm",
    "mkv": "video/x-matroska", "mov": "video/quicktime", "jpg": "image/jpeg",
    "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp",
    "avif": "image/avif", "bmp": "image/bmp",
}  # fmt: skip


def _media_type(row: dict[str, Any]) -> str:
    """The type a file is served as: its media kind's, else a download."""
    kind = row["kind"]
    known = _MEDIA_TYPES.get(row["ext"]) or mimetypes.guess_type(os.fsdecode(row["path"]))[0]
    if kind in ("audio", "video", "image") and known and known.startswith((f"{kind}/", "video/")):
        return known
    return "application/octet-stream"


def _file(request: Request) -> Response:
    state = params.state(request)
    item_id = params.path_id(request)
    with state.catalogs.reading() as catalog:
        row = item_service.rows(catalog, [item_id]).get(item_id)
        path = item_service.servable(catalog, row) if row is not None else None
    if row is None or path is None:
        return ShelfJSON({"error": "no such file"}, status_code=404)
    media_type = _media_type(row)
    inline = media_type.startswith(_INLINE) and media_type not in _NOT_INLINE
    return FileResponse(
        os.fsdecode(path),
        media_type=media_type if inline else "application/octet-stream",
        filename=printable_path(os.path.basename(bytes(row["path"]))),
        content_disposition_type="inline" if inline else "attachment",
        headers={"content-security-policy": FILE_CSP, "cache-control": "private, no-cache"},
    )


def _albums(request: Request) -> Response:
    req = views.request(
        params.query_text(request),
        albums=True,
        limit=params.number(request, "limit", 100, 0, 1000),
        offset=params.number(request, "offset", 0, 0, 10**9),
        sort=request.query_params.get("sort", ""),
    )
    page = views.page(params.state(request), req)
    return ShelfJSON({"albums": [album_json(a) for a in page.rows], "total": page.total})


def _values(request: Request) -> Response:
    page = views.values(
        params.state(request),
        params.query_text(request),
        request.path_params["field"],
        limit=params.number(request, "limit", 100, 0, 10000),
        offset=params.number(request, "offset", 0, 0, 10**9),
        by_count=request.query_params.get("order") == "count",
    )
    return ShelfJSON(
        {"values": [{"value": v, "items": n} for v, n in page.rows], "total": page.total}
    )


def _folders(request: Request) -> Response:
    from mediashelf.app import folders

    state = params.state(request)
    path = params.raw_path(request)
    limit = params.number(request, "limit", 100, 0, 1000)
    offset = params.number(request, "offset", 0, 0, 10**9)
    with state.catalogs.reading() as catalog:
        if path is None:
            return ShelfJSON({"roots": [os.fsdecode(r) for r in folders.roots(catalog)]})
        folder = folders.folder(catalog, path, limit=limit, offset=offset)
    if folder is None:
        return ShelfJSON({"error": "that folder is not in a scanned root"}, status_code=404)
    return ShelfJSON(
        {
            "path": os.fsdecode(folder.path),
            "parent": os.fsdecode(folder.parent) if folder.parent is not None else None,
            "subfolders": [{"path": os.fsdecode(p), "items": n} for p, n in folder.subfolders],
            "items": [item_object(r) for r in folder.items],
            "total": folder.total,
        }
    )


def _group_json(group: Group) -> dict[str, Any]:
    from mediashelf.dupes.report import group_object

    obj = group_object(group)
    for member, file in zip(group.members, obj["files"], strict=True):
        file["id"] = member.id
    return obj


def _dupes(request: Request) -> Response:
    kind = params.choice(request, "kind", ("exact", "audio", "similar"))
    limit = params.number(request, "limit", 50, 0, 1000)
    offset = params.number(request, "offset", 0, 0, 10**9)
    result = views.dupes_of(
        params.state(request), kind, refresh=bool(request.query_params.get("refresh"))
    )
    groups = result.groups[offset : offset + limit]
    return ShelfJSON(
        {
            "groups": [_group_json(g) for g in groups],
            "total": len(result.groups),
            "reclaimable": result.reclaimable,
        }
    )


async def _resolve(request: Request) -> Response:
    body = await params.json_body(request)
    if not isinstance(body, dict):
        return ShelfJSON({"error": "expected a JSON object"}, status_code=400)
    try:
        choices = [views.Choice(int(g["id"]), int(g.get("keep", g["id"]))) for g in body["groups"]]
        kind, action = str(body["kind"]), str(body.get("action", "trash"))
    except (KeyError, TypeError, ValueError):
        return ShelfJSON(
            {"error": 'expected {"kind", "action", "groups": [{"id", "keep"}], "apply", "plan"}'},
            status_code=400,
        )
    resolved = await run_in_threadpool(
        views.resolve_groups,
        params.state(request),
        kind,
        choices,
        action,
        apply=bool(body.get("apply")),
        digest=body.get("plan"),
    )
    from mediashelf.journal.report import outcome_object

    plan = resolved.plan
    out: dict[str, Any] = {
        "plan": resolved.digest,
        "ops": [
            {"action": op.action, "path": os.fsdecode(op.path), "keep": os.fsdecode(op.keep),
             "size": op.size}
            for op in plan.ops
        ],
        "skipped": [{"path": os.fsdecode(p), "reason": r} for p, r in plan.skipped],
    }  # fmt: skip
    if resolved.outcome is not None:
        out["outcome"] = outcome_object(resolved.outcome)
    return ShelfJSON(out)


def _stats(request: Request) -> Response:
    state = params.state(request)
    text = params.query_text(request)
    return ShelfJSON(views.library_stats(state, text).figures)


def _playlist(request: Request) -> Response:
    req = views.request(params.query_text(request), limit=100_000)
    page = views.page(params.state(request), req)
    out = io.StringIO()
    write_m3u(page.rows, out)
    return Response(
        out.getvalue().encode("utf-8", "surrogateescape"),
        media_type="audio/x-mpegurl",
        headers={"content-disposition": 'attachment; filename="mediashelf.m3u8"'},
    )


async def _start_scan(request: Request) -> Response:
    body = await params.json_body(request)
    roots = body.get("roots") if isinstance(body, dict) else None
    if not isinstance(roots, list) or not all(isinstance(r, str) for r in roots):
        return ShelfJSON(
            {"error": 'expected {"roots": ["/a/catalogued/root", ...]}'}, status_code=400
        )
    job = await run_in_threadpool(views.start_scan, params.state(request), roots)
    return ShelfJSON({"id": job.id}, status_code=202)


def _scans(request: Request) -> Response:
    return ShelfJSON({"scans": params.state(request).scans.all()})


def _scan(request: Request) -> Response:
    snap = params.state(request).scans.snapshot(params.path_id(request))
    if snap is None:
        return ShelfJSON({"error": "no such scan"}, status_code=404)
    return ShelfJSON(snap)


async def _stop_scan(request: Request) -> Response:
    await params.json_body(request)
    stopped = params.state(request).scans.stop(params.path_id(request))
    return ShelfJSON({"stopping": stopped}, status_code=202 if stopped else 409)


async def _scan_events(request: Request) -> Response:
    scans = params.state(request).scans
    job_id = params.path_id(request)
    if scans.snapshot(job_id) is None:
        return ShelfJSON({"error": "no such scan"}, status_code=404)

    async def events() -> AsyncIterator[str]:
        sent = None
        while True:
            snap = scans.snapshot(job_id)
            if snap is None:
                return
            running = snap["state"] == "running"
            message = json.dumps({k: v for k, v in snap.items() if k != "events"})
            if message != sent:
                sent = message
                yield f"event: {'progress' if running else 'summary'}\ndata: {message}\n\n"
            if not running:
                return
            if await request.is_disconnected():
                return
            await asyncio.sleep(SSE_EVERY)

    return StreamingResponse(
        events(), media_type="text/event-stream", headers={"cache-control": "no-store"}
    )


def _runs(request: Request) -> Response:
    limit = params.number(request, "limit", 50, 0, 1000)
    offset = params.number(request, "offset", 0, 0, 10**9)
    from mediashelf.journal.report import run_object

    runs = views.runs(params.state(request))
    return ShelfJSON(
        {"runs": [run_object(r) for r in runs[offset : offset + limit]], "total": len(runs)}
    )


async def _undo(request: Request) -> Response:
    await params.json_body(request)
    from mediashelf.journal.report import outcome_object

    outcome = await run_in_threadpool(views.undo, params.state(request), params.path_id(request))
    return ShelfJSON(outcome_object(outcome))


def _failures(request: Request) -> Response:
    state = params.state(request)
    with state.catalogs.reading() as catalog:
        rows = item_service.failures(catalog)
    return ShelfJSON(
        {
            "failures": [
                {
                    "path": os.fsdecode(f.path),
                    "stage": f.stage,
                    "kind": f.kind,
                    "message": f.message,
                }
                for f in rows
            ],
            "total": len(rows),
        }
    )


def _session(request: Request) -> Response:
    return ShelfJSON({"csrf": params.state(request).policy.csrf})


def routes() -> list[Route]:
    return [
        Route("/api/session", _session),
        Route("/api/items", _items),
        Route("/api/items/{id:int}", _item),
        Route("/api/items/{id:int}/thumb", _thumb),
        Route("/api/items/{id:int}/file", _file),
        Route("/api/albums", _albums),
        Route("/api/values/{field}", _values),
        Route("/api/folders", _folders),
        Route("/api/dupes", _dupes),
        Route("/api/dupes/resolve", _resolve, methods=["POST"]),
        Route("/api/stats", _stats),
        Route("/api/playlist.m3u", _playlist),
        Route("/api/scans", _scans),
        Route("/api/scans", _start_scan, methods=["POST"]),
        Route("/api/scans/{id:int}", _scan),
        Route("/api/scans/{id:int}/events", _scan_events),
        Route("/api/scans/{id:int}/stop", _stop_scan, methods=["POST"]),
        Route("/api/runs", _runs),
        Route("/api/runs/{id:int}/undo", _undo, methods=["POST"]),
        Route("/api/failures", _failures),
    ]
