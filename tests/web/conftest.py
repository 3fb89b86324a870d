"""Fixtures: a scanned library, and the web app over it through an ASGI test client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from mediashelf.web.app import create_app
from tests.conftest import Target, pg_schema_url
from tests.web import lib
from tests.web.browser import browser, serve

__all__ = ["browser", "serve"]  # the real-browser fixtures


@pytest.fixture
def engine(request: pytest.FixtureRequest) -> str:
    """The catalog engine of the web tests: SQLite, unless a test asks for both (the API
    and the pages read the catalog through the same services on either; HTTP rules,
    thumbnails and the browser do not depend on the engine, and one browser test runs
    on both)."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture
def web_engine(engine: str) -> str:
    return engine


@pytest.fixture
def library(
    tmp_path: Path, web_engine: str, request: pytest.FixtureRequest
) -> tuple[Target, Path, dict[str, Path]]:
    """(catalog, root, files) of the test library, scanned."""
    root = tmp_path / "lib"
    files = lib.make_library(root)
    db: Target = tmp_path / "catalog.db"
    if web_engine == "postgresql":
        db = pg_schema_url(request.getfixturevalue("pg_server"))
    summary = lib.scan(db, root)
    assert summary.failure_count == 1, summary.failures  # the broken file
    return db, root, files


@pytest.fixture
def client(library: tuple[Target, Path, dict[str, Path]], tmp_path: Path) -> Iterator[TestClient]:
    db, _, _ = library
    app = create_app(lib.state(db, tmp_path / "thumbs"))
    with TestClient(app, base_url=lib.BASE, raise_server_exceptions=False) as c:
        yield c


def csrf(client: TestClient) -> dict[str, str]:
    return {"X-CSRF-Token": client.get("/api/session").json()["csrf"]}
