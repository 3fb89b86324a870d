"""Damage in the web application: the item page, `has:damage` in its search, the
failures page, the statistics dashboard."""

from __future__ import annotations

from pathlib import Path

from starlette.testclient import TestClient

from mediashelf.web.app import create_app
from tests.damage import files as F
from tests.web import lib


def test_damage_is_shown_and_searchable(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    root.mkdir()
    (root / "cut.mp3").write_bytes(F.cut(0.5)(F.whole("mp3")))
    (root / "whole.flac").write_bytes(F.whole("flac"))
    db = tmp_path / "catalog.db"
    lib.scan(db, root)
    app = create_app(lib.state(db, tmp_path / "thumbs"))
    with TestClient(app, base_url=lib.BASE, raise_server_exceptions=False) as client:
        found = client.get("/api/items", params={"q": "has:damage"}).json()
        assert [i["damage"] for i in found["items"]] == [["truncated"]]
        assert client.get("/api/items", params={"q": "damage:trunc"}).json()["total"] == 1
        ids = lib.ids_by_name(client)
        item = client.get(f"/api/items/{ids['cut.mp3']}").json()
        assert item["damage"] == ["truncated"]
        assert any("VBR header declares" in p for p in item["problems"])
        assert client.get(f"/api/items/{ids['whole.flac']}").json()["damage"] == []

        page = client.get(f"/items/{ids['cut.mp3']}").text
        assert 'class="damage"' in page and '<span class="reason">truncated</span>' in page
        assert 'class="damage"' not in client.get(f"/items/{ids['whole.flac']}").text
        search = client.get("/search", params={"q": "has:damage"}).text
        assert "cut.mp3" in search and "whole.flac" not in search
        failures = client.get("/failures").text
        assert "cut.mp3" in failures and "truncated" in failures
        dashboard = client.get("/stats").text
        assert "Damage" in dashboard and "truncated" in dashboard
