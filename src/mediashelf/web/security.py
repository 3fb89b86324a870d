"""What stands between the network and the catalog: host names, the access token,
CSRF, size limits and the headers every response carries.

- Bound to a loopback address, the server answers only requests whose Host is a
  loopback name (a DNS-rebinding page cannot reach it through its own name).
- Bound anywhere else, every request needs the access token (unless `--no-auth`): an
  `Authorization: Bearer` header, or the cookie a first `?token=` visit sets.
- Every request that changes something is a POST that carries the page's CSRF token
  (a form field or the `X-CSRF-Token` header) and, when the browser names one, an
  Origin that is this server.
- Bodies and query strings are size-limited; every response gets a strict
  Content-Security-Policy and its friends.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import secrets
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Final
from urllib.parse import parse_qsl, urlencode

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mediashelf.errors import ConfigError

#: the policy of every page: only this server's own scripts, styles, images and media
CSP: Final = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "media-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)
#: the policy of a catalogued file served as it is: nothing in it may run
FILE_CSP: Final = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox"
MAX_BODY: Final = 64 * 1024
MAX_QUERY: Final = 16 * 1024
TOKEN_COOKIE: Final = "shelf_token"
CSRF_HEADER: Final = "x-csrf-token"
_LOOPBACK_NAMES: Final = frozenset(("localhost", "127.0.0.1", "[::1]", "::1"))
_SAFE_METHODS: Final = frozenset(("GET", "HEAD"))


def is_loopback(host: str) -> bool:
    if host in ("localhost", "::1", "[::1]"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def load_token(path: Path) -> tuple[str, bool]:
    """The access token stored at `path`, made (mode 0600) when there is none; and
    whether it was made now (it is shown once, then)."""
    try:
        with open(path, encoding="ascii") as f:
            token = f.read().strip()
        if len(token) >= 32:
            return token, False
    except FileNotFoundError:
        pass
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(
            f"cannot read the access token {path}: {e}; remove it to make a new one"
        ) from None
    token = secrets.token_urlsafe(32)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(token + "\n")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return token, True


@dataclass(frozen=True)
class Policy:
    """Who may ask what: the access token (None: no token needed), the CSRF token of
    this run of the server, and the Host names answered (empty: any)."""

    token: str | None
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    hosts: frozenset[str] = frozenset()

    @classmethod
    def for_bind(cls, host: str, port: int, token: str | None) -> Policy:
        if not is_loopback(host):
            return cls(token)
        names = {host, *_LOOPBACK_NAMES}
        return cls(token, hosts=frozenset({*names, *(f"{n}:{port}" for n in names)}))


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


class Guard:
    """ASGI middleware enforcing a Policy and adding the security headers."""

    def __init__(self, app: ASGIApp, policy: Policy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self._check(scope)
        if refusal is not None:
            await _plain(send, *refusal)
            return
        if self.policy.token and _login_token(scope) is not None:
            await self._login(scope, send)
            return

        started = time.perf_counter()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                # how long the server took to the first byte (browsers show it)
                took = (time.perf_counter() - started) * 1000
                headers.setdefault("server-timing", f"app;dur={took:.2f}")
                headers.setdefault("content-security-policy", CSP)
                headers.setdefault("x-content-type-options", "nosniff")
                headers.setdefault("x-frame-options", "DENY")
                # (with no-referrer, browsers send `Origin: null` on a form's POST)
                headers.setdefault("referrer-policy", "same-origin")
                headers.setdefault("cross-origin-opener-policy", "same-origin")
                headers.setdefault("cross-origin-resource-policy", "same-origin")
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _check(self, scope: Scope) -> tuple[int, str] | None:
        """(status, reason) when the request is refused before it reaches the app."""
        policy = self.policy
        if len(scope.get("query_string", b"")) > MAX_QUERY:
            return 414, "the query string is too long"
        host = (_header(scope, b"host") or "").lower()
        if policy.hosts and host not in policy.hosts:
            return 421, "this server answers to localhost only"
        if policy.token and not self._authorized(scope):
            if _login_token(scope) is not None:
                return None  # checked by _login
            return 401, "the access token is missing or wrong: open the link `shelf serve` printed"
        if scope["method"] not in _SAFE_METHODS:
            origin = _header(scope, b"origin")
            if origin is not None and origin.split("://", 1)[-1].lower() != host:
                return 403, "a request from another site was refused"
            if _header(scope, b"sec-fetch-site") in ("cross-site", "same-site"):
                return 403, "a request from another site was refused"
            length = _header(scope, b"content-length")
            if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
                return 413, "the request body is too large"
        return None

    def _authorized(self, scope: Scope) -> bool:
        token = self.policy.token
        assert token is not None
        if bearer_ok(self.policy, _header(scope, b"authorization")):
            return True
        cookie = SimpleCookie()
        try:
            cookie.load(_header(scope, b"cookie") or "")
        except Exception:  # a malformed cookie header: no token from it
            return False
        sent = cookie.get(TOKEN_COOKIE)
        return sent is not None and hmac.compare_digest(sent.value.encode(), token.encode())

    async def _login(self, scope: Scope, send: Send) -> None:
        """`?token=…`: a right token sets the cookie and sends the browser on without it."""
        pairs = _pairs(scope)
        given = _login_token(scope) or ""
        token = self.policy.token
        assert token is not None
        if not hmac.compare_digest(given.encode(), token.encode()):
            await _plain(send, 401, "the access token is wrong")
            return
        rest = urlencode([(k, v) for k, v in pairs if k != "token"])
        location = scope.get("root_path", "") + scope["path"] + (f"?{rest}" if rest else "")
        cookie = f"{TOKEN_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=31536000"
        await send(
            {
                "type": "http.response.start",
                "status": 303,
                "headers": [
                    (b"location", location.encode("latin-1", "replace")),
                    (b"set-cookie", cookie.encode("ascii")),
                    (b"content-length", b"0"),
                    (b"cache-control", b"no-store"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": b""})


def _pairs(scope: Scope) -> list[tuple[str, str]]:
    return parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)


def _login_token(scope: Scope) -> str | None:
    """The `token` of a GET's query string, if it has one."""
    if scope["method"] not in _SAFE_METHODS or b"token=" not in scope.get("query_string", b""):
        return None
    return next((v for k, v in _pairs(scope) if k == "token"), None)


def bearer_ok(policy: Policy, header: str | None) -> bool:
    """An `Authorization: Bearer` header with the access token."""
    if policy.token is None or header is None or not header.startswith("Bearer "):
        return False
    return hmac.compare_digest(header[7:].strip().encode(), policy.token.encode())


def csrf_ok(policy: Policy, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), policy.csrf.encode())


async def _plain(send: Send, status: int, text: str) -> None:
    body = (text + "\n").encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"content-security-policy", CSP.encode()),
                (b"x-content-type-options", b"nosniff"),
                (b"cache-control", b"no-store"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
