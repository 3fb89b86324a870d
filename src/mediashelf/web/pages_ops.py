"""The operations' pages: duplicates (review, plan, resolve), scans with live progress,
the history with undo, failures and damaged files, and the statistics dashboard.

Every change is a POST of a form that carries the page's CSRF token; a resolution is
shown as its plan first, and applied only if planning again gives the same plan.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Final

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from mediashelf.app import items as item_service
from mediashelf.app import stats as stats_service
from mediashelf.errors import ConfigError, QueryError
from mediashelf.web import params, views

if TYPE_CHECKING:
    from mediashelf.dupes import Group

GROUPS: Final = 20
#: files of a group shown on the list; the group's own page shows them all, by pages
MEMBERS: Final = 12
MEMBER_PAGE: Final = 100
KINDS: Final = ("exact", "audio", "similar")


def _render(request: Request, name: str, status: int = 200, **context: Any) -> Response:
    return request.app.state.pages.render(request, name, status=status, **context)  # type: ignore[no-any-return]


def _facts(
    state: Any, groups: list[Group], limit: int, offset: int = 0
) -> dict[int, dict[str, Any]]:
    """The catalog rows of the files shown, for the facts that decide which to keep."""
    from mediashelf.dupes.rank import tag_completeness

    ids = [m.id for g in groups for m in g.members[offset : offset + limit]]
    with state.catalogs.reading() as catalog:
        rows = item_service.rows(catalog, ids)
    for row in rows.values():
        row["tags"] = tag_completeness(row)
    return rows


def dupes(request: Request) -> Response:
    state = params.state(request)
    kind = params.choice(request, "kind", KINDS)
    page = params.number(request, "page", 1, 1, 10**7)
    result = views.dupes_of(state, kind, refresh=bool(request.query_params.get("refresh")))
    groups = result.groups[(page - 1) * GROUPS : page * GROUPS]
    return _render(
        request, "dupes.html", kind=kind, kinds=KINDS, groups=groups, facts=_facts(state, groups, MEMBERS),
        members=MEMBERS, total=len(result.groups), reclaimable=result.reclaimable, page=page,
        pages=max(1, math.ceil(len(result.groups) / GROUPS)), actions=views.ACTIONS,
    )  # fmt: skip


def dupes_group(request: Request) -> Response:
    """One group, every file of it by pages (a group may hold thousands)."""
    state = params.state(request)
    kind = params.choice(request, "kind", KINDS)
    item_id = params.number(request, "id", 0, 0, 2**62)
    page = params.number(request, "page", 1, 1, 10**7)
    group = views.group_of(state, kind, item_id)
    if group is None:
        return _render(
            request,
            "error.html",
            404,
            message="that file is in no group of duplicates now",
            status_code=404,
        )
    offset = (page - 1) * MEMBER_PAGE
    return _render(
        request, "dupes_group.html", kind=kind, group=group, offset=offset,
        shown=group.members[offset : offset + MEMBER_PAGE], facts=_facts(state, [group], MEMBER_PAGE, offset),
        page=page, pages=max(1, math.ceil(len(group.members) / MEMBER_PAGE)), actions=views.ACTIONS,
    )  # fmt: skip


def _choices(fields: dict[str, list[str]]) -> list[views.Choice]:
    """The groups ticked on the form (`group` = an item of each), with their `keep-ID`."""
    out = []
    for raw in fields.get("group", []):
        if not raw.isdigit():
            raise ConfigError("bad group on the form")
        keep = (fields.get(f"keep-{raw}") or [raw])[0]
        if not keep.isdigit():
            raise ConfigError("bad choice of the file to keep")
        out.append(views.Choice(int(raw), int(keep)))
    return out


async def dupes_plan(request: Request) -> Response:
    fields = await params.form(request)
    kind = (fields.get("kind") or ["exact"])[0]
    action = (fields.get("action") or ["trash"])[0]
    choices = _choices(fields)
    resolved = await run_in_threadpool(
        views.resolve_groups, params.state(request), kind, choices, action, apply=False
    )
    return _render(
        request, "dupes_plan.html", kind=kind, action=action, choices=choices,
        plan=resolved.plan, digest=resolved.digest,
    )  # fmt: skip


async def dupes_apply(request: Request) -> Response:
    fields = await params.form(request)
    kind = (fields.get("kind") or ["exact"])[0]
    action = (fields.get("action") or ["trash"])[0]
    if action == "delete" and (fields.get("confirm") or [""])[0] != "yes":
        raise ConfigError("deleting cannot be undone: tick the box that says so to delete")
    resolved = await run_in_threadpool(
        views.resolve_groups, params.state(request), kind, _choices(fields), action,
        apply=True, digest=(fields.get("plan") or [""])[0],
    )  # fmt: skip
    return _render(
        request, "outcome.html", outcome=resolved.outcome, what=f"Resolved {kind} duplicates"
    )


def scans(request: Request) -> Response:
    state = params.state(request)
    return _render(request, "scans.html", roots=views.known_roots(state), jobs=state.scans.all())


async def scan_start(request: Request) -> Response:
    fields = await params.form(request)
    job = await run_in_threadpool(views.start_scan, params.state(request), fields.get("root", []))
    return RedirectResponse(f"/scans/{job.id}", status_code=303)


def scan_page(request: Request) -> Response:
    snap = params.state(request).scans.snapshot(params.path_id(request))
    if snap is None:
        return _render(request, "error.html", 404, message="no such scan", status_code=404)
    return _render(request, "scan.html", job=snap)


async def scan_stop(request: Request) -> Response:
    await params.form(request)
    job_id = params.path_id(request)
    params.state(request).scans.stop(job_id)
    return RedirectResponse(f"/scans/{job_id}", status_code=303)


def history(request: Request) -> Response:
    return _render(request, "history.html", runs=views.runs(params.state(request))[:200])


async def undo(request: Request) -> Response:
    await params.form(request)
    run_id = params.path_id(request)
    outcome = await run_in_threadpool(views.undo, params.state(request), run_id)
    return _render(request, "outcome.html", outcome=outcome, what=f"Undid run {run_id}")


def failures(request: Request) -> Response:
    state = params.state(request)
    with state.catalogs.reading() as catalog:
        rows = item_service.failures(catalog)
        damaged, total = item_service.damaged(catalog, limit=500)
    return _render(request, "failures.html", failures=rows, damaged=damaged, damaged_total=total)


def stats(request: Request) -> Response:
    q = params.query_text(request)
    try:
        figures = views.library_stats(params.state(request), q)
    except QueryError as e:
        return _render(request, "stats.html", 400, q=q, error=str(e), sections="")
    from markupsafe import Markup

    # the report's own renderer escapes every value it puts in its HTML
    sections = Markup(stats_service.report_sections(figures))
    return _render(request, "stats.html", q=q, sections=sections, figures=figures.figures)


def report_css(request: Request) -> Response:
    return Response(
        stats_service.report_css(),
        media_type="text/css",
        headers={"cache-control": "public, max-age=3600"},
    )


def routes() -> list[Route]:
    return [
        Route("/dupes", dupes),
        Route("/dupes/group", dupes_group),
        Route("/dupes/plan", dupes_plan, methods=["POST"]),
        Route("/dupes/apply", dupes_apply, methods=["POST"]),
        Route("/scans", scans),
        Route("/scans", scan_start, methods=["POST"]),
        Route("/scans/{id:int}", scan_page),
        Route("/scans/{id:int}/stop", scan_stop, methods=["POST"]),
        Route("/history", history),
        Route("/history/{id:int}/undo", undo, methods=["POST"]),
        Route("/failures", failures),
        Route("/stats", stats),
        Route("/report.css", report_css),
    ]
