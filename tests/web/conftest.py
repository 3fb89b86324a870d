"""Fixtures: a scanned library, and the web app over it through an ASGI test client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from mediashelf.web.app import create_app
from tests.web import lib
from tests.web.browser import browser, serve

__all__ = ["browser", "serve"]  # the real-browser fixtures


@pytest.fixture
def library(tmp_path: Path) -> tuple[Path, Path, dict[str, Path]]:
    """(catalog, root, files) of the test library, scanned."""
    root = tmp_path / "lib"
    files = lib.make_library(root)
    db = tmp_path / "catalog.db"
    summary = lib.scan(db, root)
    assert summary.failure_count == 1, summary.failures  # the broken file
    return db, root, files


@pytest.fixture
def client(library: tuple[Path, Path, dict[str, Path]], tmp_path: Path) -> Iterator[TestClient]:
    db, _, _ = library
    app = create_app(lib.state(db, tmp_path / "thumbs"))
    with TestClient(app, base_url=lib.BASE, raise_server_exceptions=False) as c:
        yield c


def csrf(client: TestClient) -> dict[str, str]:
    return {"X-CSRF-Token": client.get("/api/session").json()["csrf"]}
