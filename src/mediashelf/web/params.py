"""Reading a request: bounded numbers, the query, paths as bytes, form and JSON bodies
(size-limited and CSRF-checked).  A bad value is a ConfigError, answered with 400."""

from __future__ import annotations

import json
from typing import Any, Final
from urllib.parse import parse_qsl, unquote_to_bytes

from starlette.requests import Request

from mediashelf.errors import ConfigError
from mediashelf.web.security import CSRF_HEADER, MAX_BODY, bearer_ok, csrf_ok

MAX_QUERY_TEXT: Final = 4000


class CsrfError(Exception):
    """A change was asked for without this page's CSRF token (answered with 403)."""


def state(request: Request) -> Any:
    return request.app.state.shelf


def number(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw[:40]!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}")
    return value


def path_id(request: Request, name: str = "id") -> int:
    """A catalog id from the URL's path (the route admits digits only)."""
    return int(request.path_params[name])


def query_text(request: Request, name: str = "q") -> str:
    text = request.query_params.get(name, "")
    if len(text) > MAX_QUERY_TEXT:
        raise ConfigError(f"the query is too long (at most {MAX_QUERY_TEXT:,} characters)")
    return text


def raw_path(request: Request, name: str = "path") -> bytes | None:
    """A path from the query string as the bytes it names (percent-encoded bytes kept)."""
    for pair in request.scope.get("query_string", b"").split(b"&"):
        key, _, value = pair.partition(b"=")
        if unquote_to_bytes(key.replace(b"+", b" ")) == name.encode():
            return unquote_to_bytes(value.replace(b"+", b" "))
    return None


def choice(request: Request, name: str, options: tuple[str, ...]) -> str:
    value = request.query_params.get(name) or options[0]
    if value not in options:
        raise ConfigError(f"{name} must be one of {', '.join(options)}")
    return value


async def _body(request: Request) -> bytes:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise ConfigError("the request body is too large")
    return body


async def form(request: Request) -> dict[str, list[str]]:
    """The fields of a posted form (URL-encoded), once its CSRF token is checked."""
    text = (await _body(request)).decode("utf-8", "replace")
    fields: dict[str, list[str]] = {}
    for key, value in parse_qsl(text, keep_blank_values=True, max_num_fields=2000):
        fields.setdefault(key, []).append(value)
    given = (fields.get("csrf") or [""])[0] or request.headers.get(CSRF_HEADER)
    if not csrf_ok(state(request).policy, given):
        raise CsrfError
    return fields


async def json_body(request: Request) -> Any:
    """A posted JSON body, once the CSRF token of its header is checked (a bearer
    token stands in for it: browsers never send one on their own)."""
    policy = state(request).policy
    bearer = bearer_ok(policy, request.headers.get("authorization"))
    if not bearer and not csrf_ok(policy, request.headers.get(CSRF_HEADER)):
        raise CsrfError
    body = await _body(request)
    if not body:
        return {}
    try:
        return json.loads(body)
    except ValueError:
        raise ConfigError("the request body is not valid JSON") from None
