"""The ASGI application: routes, the guard in front of them, errors as answers.

Errors never show a stack trace: a bad query or value is 400 with its one-line message
(`{"error": …}` under /api/), a busy catalog 409, a missing item 404, and anything
unexpected 500 with a pointer to the server's log, where the trace goes.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from mediashelf.errors import CatalogBusy, CatalogError, ConfigError, ShelfError
from mediashelf.web import api, pages, pages_ops
from mediashelf.web.params import CsrfError
from mediashelf.web.render import STATIC, Pages
from mediashelf.web.security import MAX_BODY, Guard
from mediashelf.web.state import State

log = logging.getLogger("mediashelf.web")


def create_app(state: State) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # the album grid is the first page: its order is made while the browser connects
        threading.Thread(target=_warm, args=(state,), daemon=True, name="warm").start()
        yield
        state.scans.close()
        state.catalogs.close()

    state.scans.on_finish.append(lambda job: state.dupes.clear())
    app = Starlette(
        routes=[
            *api.routes(),
            *pages.routes(),
            *pages_ops.routes(),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
        middleware=[Middleware(Guard, policy=state.policy)],
        exception_handlers={
            ShelfError: _shelf_error,
            CsrfError: _csrf_error,
            HTTPException: _http_error,
            Exception: _server_error,
        },
        lifespan=lifespan,
        max_body_size=MAX_BODY,
    )
    app.state.shelf = state
    app.state.pages = Pages(state.policy.csrf)
    return app


def _warm(state: State) -> None:
    from mediashelf.web import pages, views

    try:
        views.page(state, pages.album_request("", pages.DEFAULT_ORDER, 1))
    except Exception as e:  # the page itself will say what is wrong
        log.info("album order not made ahead: %s", e)


def _api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _answer(request: Request, status: int, message: str) -> Response:
    if _api(request):
        return JSONResponse({"error": message}, status_code=status)
    pages: Pages = request.app.state.pages
    return pages.render(request, "error.html", status=status, message=message, status_code=status)


async def _shelf_error(request: Request, exc: Exception) -> Response:
    from mediashelf.journal import UndoRefused

    if isinstance(exc, CatalogBusy | UndoRefused):
        status = 409
    elif isinstance(exc, ConfigError):
        status = 400
    elif isinstance(exc, CatalogError):
        status = 503
    else:
        status = 500
    return _answer(request, status, str(exc))


async def _csrf_error(request: Request, exc: Exception) -> Response:
    return _answer(request, 403, "the page's form token is missing or old: reload the page")


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    text = {404: "not found", 405: "method not allowed", 413: "the request is too large"}
    return _answer(request, exc.status_code, text.get(exc.status_code, exc.detail))


async def _server_error(request: Request, exc: Exception) -> Response:
    log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
    return _answer(request, 500, "internal error (the server's log has the details)")
