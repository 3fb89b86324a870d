"""The JSON API through an ASGI test client: shapes, pagination, errors, thumbnails,
files with ranges, duplicates resolved and undone, statistics as the CLI has them."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from PIL import Image
from starlette.testclient import TestClient

from mediashelf.console import printable_path
from tests.conftest import ENGINES, Shelf, Target, query
from tests.web import lib
from tests.web.conftest import csrf

Library = tuple[Target, Path, dict[str, Path]]


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    """Every test here runs on both catalog engines."""
    return str(request.param)


def test_items_are_find_json_objects_with_a_total_and_pages(
    client: TestClient, library: Library, shelf: Shelf
) -> None:
    db, _, _ = library
    shelf.db = db
    everything = client.get("/api/items", params={"limit": 1000}).json()
    cli = shelf.find()
    assert everything["total"] == len(cli) == len(everything["items"])
    assert everything["items"] == cli  # the same objects as `shelf find --json`, in order
    page = client.get("/api/items", params={"limit": 2, "offset": 2}).json()
    assert page["total"] == len(cli)
    assert page["items"] == cli[2:4]
    narrow = client.get("/api/items", params={"q": "artist:beatles year:1960..1969"}).json()
    assert {i["title"] for i in narrow["items"]} == {"Come Together", "Something"}
    assert narrow["total"] == 3  # the copy of Come Together has the same tags


def test_pages_of_a_broad_and_a_narrow_query_are_those_of_the_cli(
    client: TestClient, library: Library, shelf: Shelf
) -> None:
    """A query matching most of the catalog takes its page from a walk in path order
    (a probe), a narrow one from sorting its matches: both give the CLI's items."""
    db, _, _ = library
    shelf.db = db
    for q in ("kind:audio", "kind:audio ^format:flac", "format:flac", "year:1960..1969"):
        cli = shelf.find(*q.split())
        assert cli, q
        for limit, offset in ((1, 0), (2, 1), (3, max(0, len(cli) - 2)), (2, len(cli)), (50, 0)):
            page = client.get(
                "/api/items", params={"q": q, "limit": limit, "offset": offset}
            ).json()
            assert page["total"] == len(cli), (q, limit, offset)
            assert page["items"] == cli[offset : offset + limit], (q, limit, offset)


def test_a_bad_query_is_400_with_the_cli_message(
    client: TestClient, shelf: Shelf, library: Library
) -> None:
    shelf.db = library[0]
    r = client.get("/api/items", params={"q": "artst:beatles"})
    assert r.status_code == 400
    cli = shelf.run("find", "artst:beatles").stderr.decode().strip()
    assert cli == f"shelf: {r.json()['error']}"
    assert "did you mean artist" in r.json()["error"]
    assert client.get("/api/items", params={"q": "'unclosed"}).status_code == 400
    assert client.get("/api/albums", params={"q": "year:abc"}).status_code == 400
    assert client.get("/api/items", params={"limit": "many"}).json()["error"].startswith("limit")


def test_one_item_has_its_other_tags_damage_and_duplicates(client: TestClient) -> None:
    ids = lib.ids_by_name(client)
    come = client.get(f"/api/items/{ids['01 Come Together.mp3']}").json()
    assert come["title"] == "Come Together" and come["kind"] == "audio"
    assert {"extra", "damage", "failures", "duplicates"} <= set(come)
    exact = [g for g in come["duplicates"] if g["kind"] == "exact"]
    assert len(exact) == 1
    assert {os.path.basename(f["path"]) for f in exact[0]["files"]} == {
        "01 Come Together.mp3",
        "Come Together.mp3",
    }
    broken = client.get(f"/api/items/{ids['broken.mp3']}").json()
    assert broken["error"] and broken["failures"][0]["kind"] == "corrupt"
    assert client.get("/api/items/999999").status_code == 404
    assert client.get("/api/items/abc").status_code == 404


def test_albums_have_a_cover_item_and_a_total(client: TestClient) -> None:
    body = client.get("/api/albums").json()
    assert body["total"] == 2
    by_name = {a["album"]: a for a in body["albums"]}
    assert by_name["Abbey Road"]["tracks"] == 3  # the copy is tagged as the album's too
    ids = lib.ids_by_name(client)
    assert by_name["Low"]["cover_id"] == ids["01 Speed of Life.mp3"]
    assert client.get("/api/albums", params={"limit": 1, "offset": 1}).json()["total"] == 2
    artists = client.get("/api/values/artist").json()
    assert artists == {
        "values": [{"value": "David Bowie", "items": 1}, {"value": "The Beatles", "items": 3}],
        "total": 2,
    }
    assert client.get("/api/values/path").status_code == 400


def _image(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def test_thumbnails_come_from_art_covers_and_photos_upright_and_small(
    client: TestClient, tmp_path: Path
) -> None:
    ids = lib.ids_by_name(client)
    embedded = client.get(f"/api/items/{ids['01 Speed of Life.mp3']}/thumb?size=256")
    assert embedded.headers["content-type"] == "image/jpeg"
    assert _image(embedded.content).convert("RGB").getpixel((100, 100)) == _near(lib.BLUE)
    folder = client.get(f"/api/items/{ids['02 Something.flac']}/thumb")
    tile = _image(folder.content)
    assert tile.size == (256, 256) and len(folder.content) <= 30_000
    assert tile.convert("RGB").getpixel((128, 128)) == _near(lib.RED)
    photo = _image(
        client.get(f"/api/items/{ids['IMG_20230405_101112.jpg']}/thumb?size=256").content
    )
    assert photo.size == (128, 256)  # turned upright by its EXIF orientation
    top, bottom = photo.convert("RGB").getpixel((64, 20)), photo.convert("RGB").getpixel((64, 236))
    assert top == _near(lib.GREEN) and bottom == _near((255, 255, 255))  # turned clockwise
    assert (
        _image(client.get(f"/api/items/{ids['00001-123.png']}/thumb?size=100").content).size[0]
        <= 128
    )


def _near(color: tuple[int, int, int]) -> object:
    class Near:
        def __eq__(self, other: object) -> bool:
            return isinstance(other, tuple) and all(
                abs(a - b) <= 24 for a, b in zip(other, color, strict=False)
            )

        def __repr__(self) -> str:
            return f"about {color}"

    return Near()


def test_tiles_are_cached_with_etags_and_no_art_is_cached_too(
    client: TestClient, tmp_path: Path
) -> None:
    ids = lib.ids_by_name(client)
    url = f"/api/items/{ids['01 Speed of Life.mp3']}/thumb?size=256&v=1"
    first = client.get(url)
    assert first.headers["cache-control"] == "public, max-age=31536000, immutable"
    etag = first.headers["etag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(url).content == first.content
    tiles = list((tmp_path / "thumbs").rglob("*.jpg"))
    assert len(tiles) == 1
    none = client.get(f"/api/items/{ids['broken.mp3']}/thumb")  # no art, no cover: placeholder
    assert none.headers["content-type"] == "image/svg+xml" and b"<svg" in none.content
    assert any(p.stat().st_size == 0 for p in (tmp_path / "thumbs").rglob("*.jpg"))  # cached
    assert client.get("/api/items/999999/thumb").status_code == 404


def test_files_are_served_with_ranges_and_never_run(client: TestClient, library: Library) -> None:
    ids = lib.ids_by_name(client)
    _, _, files = library
    whole = client.get(f"/api/items/{ids['01 Come Together.mp3']}/file")
    assert whole.status_code == 200 and whole.content == files["come"].read_bytes()
    assert whole.headers["accept-ranges"] == "bytes"
    assert whole.headers["content-type"] == "audio/mpeg"
    assert "sandbox" in whole.headers["content-security-policy"]
    part = client.get(
        f"/api/items/{ids['01 Come Together.mp3']}/file", headers={"Range": "bytes=10-19"}
    )
    assert part.status_code == 206 and part.content == files["come"].read_bytes()[10:20]
    assert part.headers["content-range"].startswith("bytes 10-19/")
    db, root, _ = library
    (root / "Photos/notes.html").write_text("<script>window.__xss = 1</script>")
    lib.scan(db, root)
    page = client.get(f"/api/items/{lib.ids_by_name(client)['notes.html']}/file")
    assert page.headers["content-type"] == "application/octet-stream"
    assert page.headers["content-disposition"].startswith("attachment")


def test_a_path_outside_the_roots_is_never_read(
    client: TestClient, library: Library, tmp_path: Path
) -> None:
    db, root, _ = library
    secret = tmp_path / "secret.txt"
    secret.write_text("private")
    ids = lib.ids_by_name(client)
    link = root / "Photos/link.jpg"
    os.symlink(secret, link)
    # a row pointing outside every root, and one through a symlink leading out
    move = "UPDATE items SET path = ? WHERE id = ?"
    query(db, move, (os.fsencode(secret), ids["broken.mp3"]))
    query(db, move, (os.fsencode(link), ids["00001-123.png"]))
    for name in ("broken.mp3", "00001-123.png"):
        r = client.get(f"/api/items/{ids[name]}/file")
        assert r.status_code == 404 and b"private" not in r.content
        thumb = client.get(f"/api/items/{ids[name]}/thumb")
        assert thumb.headers["content-type"] == "image/svg+xml"


def test_duplicates_are_listed_planned_resolved_and_undone(
    client: TestClient, library: Library, monkeypatch: object
) -> None:
    _, _, files = library
    body = client.get("/api/dupes", params={"kind": "exact"}).json()
    assert body["total"] == 1
    group = body["groups"][0]
    assert [f["keep"] for f in group["files"]] == [True, False]
    best, other = (next(f for f in group["files"] if f["keep"] is k) for k in (True, False))
    # keep the file the ranking put second: the one it put first goes
    keep_other = {
        "kind": "exact",
        "action": "trash",
        "groups": [{"id": best["id"], "keep": other["id"]}],
    }
    headers = csrf(client)
    plan = client.post("/api/dupes/resolve", json=keep_other, headers=headers).json()
    assert [(op["path"], op["keep"]) for op in plan["ops"]] == [(best["path"], other["path"])]
    assert os.path.exists(best["path"])  # a plan changes nothing
    stale = client.post(
        "/api/dupes/resolve", json={**keep_other, "apply": True, "plan": "0" * 32}, headers=headers
    )
    assert stale.status_code == 400 and os.path.exists(best["path"])
    done = client.post(
        "/api/dupes/resolve",
        json={**keep_other, "apply": True, "plan": plan["plan"]},
        headers=headers,
    ).json()
    assert done["outcome"]["status"] == "done" and done["outcome"]["counts"] == {"trash": 1}
    assert not os.path.exists(best["path"]) and os.path.exists(other["path"])
    run = done["outcome"]["run"]
    runs = client.get("/api/runs").json()
    assert runs["total"] == 1 and runs["runs"][0]["id"] == run
    undone = client.post(f"/api/runs/{run}/undo", headers=headers).json()
    assert undone["status"] == "done" and os.path.exists(best["path"])
    assert files["come"].exists() and files["copy"].exists()
    again = client.post(f"/api/runs/{run}/undo", headers=headers)
    assert again.status_code in (400, 409) and "already" in again.json()["error"]


def test_stats_are_those_of_the_cli(client: TestClient, shelf: Shelf, library: Library) -> None:
    shelf.db = library[0]
    cli = json.loads(shelf.run("stats", "--json", "kind:audio").stdout)
    assert client.get("/api/stats", params={"q": "kind:audio"}).json() == cli
    assert client.get("/api/stats", params={"q": "year:x"}).status_code == 400


def test_the_playlist_is_the_m3u_of_the_query(
    client: TestClient, shelf: Shelf, library: Library
) -> None:
    shelf.db = library[0]
    r = client.get("/api/playlist.m3u", params={"q": "artist:bowie"})
    assert r.headers["content-disposition"].startswith("attachment")
    assert r.content == shelf.run("find", "--m3u", "artist:bowie").stdout


def test_a_scan_of_a_known_root_streams_progress_then_its_summary(
    client: TestClient, library: Library
) -> None:
    _, root, _files = library
    lib.write_audio(
        root / "Bowie/Low/02 Breaking Glass.mp3",
        "mp3",
        title="Breaking Glass",
        artist="David Bowie",
    )
    headers = csrf(client)
    refused = client.post("/api/scans", json={"roots": [str(root / "Bowie")]}, headers=headers)
    assert refused.status_code == 400 and "not a catalogued root" in refused.json()["error"]
    started = client.post("/api/scans", json={"roots": [str(root)]}, headers=headers)
    assert started.status_code == 202
    job = started.json()["id"]
    with client.stream("GET", f"/api/scans/{job}/events") as stream:
        text = "".join(stream.iter_text())
    events = [block for block in text.split("\n\n") if block.strip()]
    assert events[-1].startswith("event: summary")
    summary = json.loads(events[-1].split("data: ", 1)[1])
    assert summary["state"] == "done" and summary["summary"]["counts"]["added"] == 1
    assert client.get(f"/api/scans/{job}").json()["summary"]["known_failures"] == 1  # broken
    assert client.get("/api/items", params={"q": "breaking"}).json()["total"] == 1


def test_folders_are_browsed_from_the_roots_down_by_their_bytes(
    client: TestClient, library: Library
) -> None:
    from urllib.parse import quote

    db, root, files = library
    odd = os.fsencode(root) + b"/caf\xe9 100%"
    os.makedirs(odd)
    os.link(files["speed"], odd + b"/t.mp3")
    lib.scan(db, root)
    assert client.get("/api/folders").json() == {"roots": [str(root)]}
    top = client.get("/api/folders", params={"path": str(root)}).json()
    assert top["parent"] is None and top["total"] == 0
    assert {os.path.basename(s["path"]): s["items"] for s in top["subfolders"]}["Beatles"] == 3
    url = "/api/folders?path=" + quote(odd, safe="/")
    inside = client.get(url).json()
    assert [os.path.basename(i["path"]) for i in inside["items"]] == ["t.mp3"]
    assert os.fsencode(inside["path"]) == odd and inside["parent"] == str(root)
    page = client.get(url.replace("/api/folders", "/folders"))
    shown = printable_path(b"caf\xe9 100%")  # as the command line prints such names
    assert page.status_code == 200 and f">{shown}</a>" in page.text
    assert client.get("/api/folders", params={"path": "/etc"}).status_code == 404
    assert client.get("/folders", params={"path": "/etc"}).status_code == 404
