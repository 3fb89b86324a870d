"""Running the server: its state, the access token, uvicorn, and the first lines it prints."""

from __future__ import annotations

import socket
from typing import TextIO

from mediashelf.app.thumbs import default_cache
from mediashelf.config import Settings
from mediashelf.thumbs import ThumbCache
from mediashelf.web.scans import ScanJobs
from mediashelf.web.security import Policy, is_loopback, load_token
from mediashelf.web.state import CatalogPool, State
from mediashelf.xdg import config_home


def token_path() -> str:
    return str(config_home() / "mediashelf" / "serve-token")


def make_state(
    settings: Settings, host: str, port: int, *, auth: bool, cache_mb: int = 512
) -> tuple[State, str]:
    """The server's state for listening on `host`, and what to say about access."""
    from pathlib import Path

    token, note = None, ""
    if not is_loopback(host):
        if auth:
            path = Path(token_path())
            token, made = load_token(path)
            note = (
                f"access token (stored in {path}, shown only this once): {token}"
                if made
                else f"the access token is in {path}"
            )
        else:
            note = "no access token (--no-auth): anyone who can reach this address can change your files"
    cache = default_cache()
    state = State(
        settings=settings,
        policy=Policy.for_bind(host, port, token),
        thumbs=ThumbCache(cache.folder, budget=cache_mb * 1024 * 1024),
        catalogs=CatalogPool(settings),
        scans=ScanJobs(settings),
    )
    return state, note


def _fewer_malloc_arenas(arenas: int = 2) -> None:
    """glibc gives each thread that allocates its own malloc arena, and an arena keeps
    its peak: with a thread pool answering requests (SQLite sorts, image decoding), the
    server's memory grew to the sum of every thread's peak.  Two arenas keep it near
    what is in use.  Elsewhere than glibc, nothing to do."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if name is None:
        return
    try:
        libc = ctypes.CDLL(name)
        libc.mallopt(-8, arenas)  # M_ARENA_MAX
    except (OSError, AttributeError):
        pass


def run(state: State, host: str, port: int, token_note: str, out: TextIO) -> int:
    import uvicorn

    _fewer_malloc_arenas()
    from mediashelf.web.app import create_app

    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
        sock.listen(2048)  # connections wait in the backlog while the app starts
    except OSError as e:
        sock.close()
        from mediashelf.errors import ConfigError

        raise ConfigError(
            f"cannot listen on {host}:{port}: {e.strerror} (try another --port)"
        ) from None
    bound = sock.getsockname()[1]
    if port == 0:  # the Host names the guard answers to carry the real port
        state.policy = type(state.policy).for_bind(host, bound, state.policy.token)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{bound}/"
    print(f"shelf: serving {state.settings.catalog_name} at {url} (Ctrl-C to stop)", file=out)
    if token_note:
        print(f"shelf: {token_note}", file=out)
        if state.policy.token and state.policy.token in token_note:  # made now: shown once
            print(f"shelf: open {url}?token={state.policy.token}", file=out)
    out.flush()
    config = uvicorn.Config(
        create_app(state),
        log_level="warning",
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)
    server.run(sockets=[sock])
    return 0
