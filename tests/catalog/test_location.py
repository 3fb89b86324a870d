"""Catalog locations: a file or a server URL, and a URL's password never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from mediashelf.config import load_settings
from mediashelf.dburl import is_server, masked, scrub


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://me:pw@host/db", "postgresql://me:***@host/db"),
        (
            "postgres://me:p%40ss@host:5433/db?sslmode=require",
            "postgres://me:***@host:5433/db?sslmode=require",
        ),
        (
            "postgresql://me@host/db?password=pw&sslmode=verify-full",
            "postgresql://me@host/db?password=***&sslmode=verify-full",
        ),
        ("postgresql:///db?service=media", "postgresql:///db?service=media"),
        ("postgresql://host/db", "postgresql://host/db"),
    ],
)
def test_masked(url: str, shown: str) -> None:
    assert is_server(url)
    assert masked(url) == shown


def test_scrub_takes_the_password_out_of_a_message(monkeypatch: pytest.MonkeyPatch) -> None:
    url = "postgresql://me:p%40ss@host/db"
    assert scrub(f"failed for {url} with p@ss and p%40ss", url) == (
        "failed for postgresql://me:***@host/db with *** and ***"
    )
    monkeypatch.setenv("PGPASSWORD", "from-env")
    assert scrub("bad from-env", "postgresql://me@host/db") == "bad ***"


def test_settings_take_a_file_or_a_url(tmp_path: Path) -> None:
    s = load_settings(db="postgresql://me:pw@host/db", env={})
    assert s.db_url == "postgresql://me:pw@host/db" and s.catalog == s.db_url
    assert s.catalog_name == "postgresql://me:***@host/db"
    s = load_settings(db=str(tmp_path / "c.db"), env={})
    assert s.db_url is None and s.catalog == tmp_path / "c.db"
    s = load_settings(env={"SHELF_DB": "postgres://h/d"})
    assert s.catalog == "postgres://h/d"
    assert not is_server("/home/me/postgresql://x.db")
