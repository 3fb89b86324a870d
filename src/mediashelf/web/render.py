"""Pages from Jinja2 templates, with every value escaped, and the filters they use."""

from __future__ import annotations

import datetime as dt
import os
import shlex
from functools import cache
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from mediashelf.console import file_size, printable_path, summary_size, total_duration, track_length

#: the style sheet, script and images the pages use, shipped in the package
STATIC: Final = Path(__file__).parent / "static"


@cache
def placeholder() -> bytes:
    """The tile of an item without art."""
    return (STATIC / "placeholder.svg").read_bytes()


def _q(value: object) -> str:
    """A value for a URL's query string (undecodable file names kept as their bytes)."""
    return quote(str(value).encode("utf-8", "surrogateescape"), safe="")


def _path(value: bytes | str | None) -> str:
    if value is None:
        return ""
    return printable_path(value if isinstance(value, bytes) else os.fsencode(value))


def _path_param(value: bytes) -> str:
    """A path for a URL's query: its bytes percent-encoded (undecodable names survive)."""
    return quote(bytes(value), safe="/")


def _term(field: str, value: object) -> str:
    """A query term matching exactly this value, quoted for the search box."""
    return shlex.quote(f"{field}:={value}")


def _when(value: object) -> str:
    """An ISO 8601 time or nanoseconds since the epoch, as local time to the minute."""
    if value is None or value == "":
        return ""
    if isinstance(value, int):
        return dt.datetime.fromtimestamp(value / 1e9).strftime("%Y-%m-%d %H:%M")
    text = str(value)
    return text[:16].replace("T", " ")


def _name(value: bytes) -> str:
    return _path(os.path.basename(bytes(value).rstrip(b"/")) or value)


def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("mediashelf.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        path=_path,
        name=_name,
        dirname=lambda p: os.path.dirname(bytes(p)),
        path_param=_path_param,
        q=_q,
        term=_term,
        size=file_size,
        total_size=summary_size,
        track_length=track_length,
        total_length=total_duration,
        when=_when,
    )
    return env


class Pages:
    """Renders templates with what every page needs (the request, the CSRF token)."""

    def __init__(self, csrf: str) -> None:
        self.env = environment()
        self.csrf = csrf

    def render(
        self, request: Request, name: str, status: int = 200, **context: Any
    ) -> HTMLResponse:
        template = self.env.get_template(name)
        html = template.render(request=request, csrf=self.csrf, **context)
        return HTMLResponse(html, status_code=status, headers={"cache-control": "no-store"})
