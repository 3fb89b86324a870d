"""`shelf find` output modes, `--albums`, `shelf fields`, through the real command."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest

from tests.conftest import Shelf, ready
from tests.query.library import build


@pytest.fixture
def lib(shelf: Shelf, tmp_path: Path) -> dict[bytes, str]:
    ready(shelf.db)
    return build(tmp_path / "lib", shelf.db)


def out(shelf: Shelf, *args: str, code: int = 0) -> str:
    r = shelf.run(*args)
    assert r.returncode == code, r.stderr.decode()
    return r.stdout.decode()


def test_default_lines_are_artist_album_title_or_the_path(
    shelf: Shelf, lib: dict[bytes, str]
) -> None:
    lines = out(shelf, "find", "beatles").splitlines()
    assert lines == ["The Beatles - Help! - Help!", "The Beatles - Help! - Yesterday"]
    (note,) = out(shelf, "find", "kind:other").splitlines()
    assert note.endswith("/lib/notes.txt")


def test_format_template(shelf: Shelf, lib: dict[bytes, str]) -> None:
    text = out(
        shelf,
        "find",
        "artist:beatles",
        "-f",
        "$track. ${title} [$bitrate, $duration, $size] %upper{$genre}",
    )
    assert text.splitlines() == [
        "01. Help! [192kbps, 2:19, 3.0 MiB] ROCK",
        "13. Yesterday [320kbps, 2:05, 5.0 MiB] ROCK",
    ]
    text = out(
        shelf, "find", "format:flac", "--format", "%if{$multidisc,$disc-}$title (%left{$album,5})"
    )
    assert text.splitlines() == ["Crazy in Love (Dange)", "01-Bohemian Rhapsody (A Nig)"]
    # tag values are printed as they are: never expanded, never executed
    text = out(shelf, "find", "title:100%", "-f", "$title $$HOME ~ `id` $(id)")
    assert text == "100% Pure $HOME ~ `id` $(id)\n"


def test_a_line_template_shows_what_it_cannot_evaluate_as_written(
    shelf: Shelf, lib: dict[bytes, str]
) -> None:
    # as beets does; a note on stderr says so once, and the exit code stays 0
    for fmt, line in (
        ("$titel", "$titel"),
        ("%uper{$title}", "%uper{$title}"),  # its arguments too
        ("%lower{$title", "%lower{$title"),
        ("a ${ b", "a ${ b"),
    ):
        r = shelf.run("find", "-f", fmt, "title:help")
        assert r.returncode == 0, r.stderr.decode()
        assert r.stdout.decode() == line + "\n"
        note = r.stderr.decode().strip().splitlines()
        assert len(note) == (0 if fmt in ("%lower{$title", "a ${ b") else 1), note


def test_a_path_template_is_strict_one_line_exit_2(
    shelf: Shelf, lib: dict[bytes, str], tmp_path: Path
) -> None:
    for fmt, message in (
        ("$titel", "unknown field $titel"),
        ("%uper{$title}", "unknown template function %uper{} (did you mean %upper?)"),
        ("%lower{$title", "never closed"),
        ("a ${ b", "`${` must be followed by a field name"),
        ("%lower{a,b}", "%lower{} takes at most 1 arguments"),
        ("$album%aunique{albumartist albm}", "unknown field $albm"),
    ):
        r = shelf.run("organize", "--into", tmp_path / "dest", "--template", fmt, "--dry-run")
        assert r.returncode == 2
        assert message in r.stderr.decode()
        assert len(r.stderr.decode().strip().splitlines()) == 1


def test_json_lines(shelf: Shelf, lib: dict[bytes, str]) -> None:
    objs = [
        json.loads(line)
        for line in out(shelf, "find", "--json", "kind:audio", "beyonce").splitlines()
    ]
    assert sorted(o["title"] for o in objs) == ["Crazy in Love", "Déjà Vu"]
    by_title = {o["title"]: o for o in objs}
    c = by_title["Crazy in Love"]
    assert c["artist"] == "Beyoncé" and c["lossless"] is True and c["bitrate"] == 900
    assert c["kind"] == "audio" and c["path"].endswith("Crazy in Love.flac")
    assert "width" not in c  # only the fields of its kind
    assert by_title["Déjà Vu"]["albumartist"] is None
    (img,) = [json.loads(x) for x in out(shelf, "find", "--json", "ai_tool:comfyui").splitlines()]
    assert img["loras"] == ["detail", "style"] and img["seed"] == 123 and img["taken"] is None
    assert "album" not in img
    sel = [
        json.loads(x)
        for x in out(shelf, "find", "--json", "--fields", "title,year", "beatles").splitlines()
    ]
    assert sel == [{"title": "Help!", "year": 1965}, {"title": "Yesterday", "year": 1965}]


def test_csv(shelf: Shelf, lib: dict[bytes, str]) -> None:
    rows = list(csv.reader(io.StringIO(out(shelf, "find", "--csv", "artist:beatles"))))
    header = rows[0]
    assert header[:3] == ["id", "path", "kind"]
    assert len(rows) == 3
    record = dict(zip(header, rows[2], strict=True))
    assert record["title"] == "Yesterday" and record["bitrate"] == "320kbps"
    rows = list(
        csv.reader(
            io.StringIO(out(shelf, "find", "--csv", "--fields", "title,artists", "yesterday"))
        )
    )
    assert rows == [["title", "artists"], ["Yesterday", "The Beatles"]]


def test_paths_and_nul(shelf: Shelf, lib: dict[bytes, str], tmp_path: Path) -> None:
    lines = out(shelf, "find", "--paths", "format:flac").splitlines()
    assert lines == [
        str(tmp_path / "lib/music/Beyoncé/Crazy in Love.flac"),
        str(tmp_path / "lib/music/Queen/Bohemian Rhapsody.flac"),
    ]
    r = shelf.run("find", "-0", "format:flac")
    assert r.stdout.split(b"\0")[:-1] == [os.fsencode(x) for x in lines]
    assert r.stdout.endswith(b"\0")


def test_m3u_playlist(shelf: Shelf, lib: dict[bytes, str], tmp_path: Path) -> None:
    text = out(shelf, "find", "--m3u", "artist:beatles", "track+")
    assert text.splitlines() == [
        "#EXTM3U",
        "#EXTINF:139,The Beatles - Help!",
        str(tmp_path / "lib/music/Beatles/01 Help!.mp3"),
        "#EXTINF:125,The Beatles - Yesterday",
        str(tmp_path / "lib/music/Beatles/13 Yesterday.mp3"),
    ]


def test_count(shelf: Shelf, lib: dict[bytes, str]) -> None:
    assert out(shelf, "find", "--count") == "13\n"
    assert out(shelf, "find", "--count", "kind:image") == "2\n"
    assert out(shelf, "find", "--count", "--missing") == "1\n"
    assert out(shelf, "ls", "--count", "beatles", ",", "queen") == "3\n"


def test_albums(shelf: Shelf, lib: dict[bytes, str]) -> None:
    lines = out(shelf, "find", "--albums").splitlines()
    assert lines == [
        "Beyonce - B'Day",
        "Beyoncé - Dangerously in Love",
        "Queen - A Night at the Opera",
        "The Beatles - Help!",
        "Under_Score - Percent",
        "UnderXScore - Percent",  # same title, other artist, no album artist: two albums
        "Various Artists - Hits",
    ]
    albums = [
        json.loads(x)
        for x in out(shelf, "find", "--albums", "--json", "year:1960..1999").splitlines()
    ]
    by_name = {a["album"]: a for a in albums}
    assert by_name["Help!"]["tracks"] == 2 and by_name["Help!"]["duration"] == 264.0
    assert (
        by_name["Hits"]["albumartist"] == "Various Artists"
        and by_name["Hits"]["compilation"] is True
    )
    assert by_name["Percent"]["tracks"] == 1 and by_name["Percent"]["formats"] == ["ogg"]
    assert by_name["A Night at the Opera"]["discs"] == 2
    assert by_name["Help!"]["path"].endswith("/lib/music/Beatles")
    text = out(shelf, "find", "--albums", "-f", "$album: $tracks tracks, $duration", "year-")
    assert text.splitlines()[0] == "B'Day: 1 tracks, 4:00"
    assert out(shelf, "find", "--albums", "--count", "lossless:true") == "2\n"
    r = shelf.run("find", "--albums", "titel+")
    assert r.returncode == 2 and "cannot be sorted by 'titel'" in r.stderr.decode()


def test_query_errors_exit_2_with_one_line(shelf: Shelf, lib: dict[bytes, str]) -> None:
    for args, message in (
        (["artst:beatles"], "unknown field 'artst' (did you mean artist"),
        (["year:19x0"], "'19x0' is not a number"),
        (["x" * 100_000], "query is too long"),
        (["--fields", "titel", "--json"], "--fields: unknown field 'titel'"),
    ):
        r = shelf.run("find", *args)
        assert r.returncode == 2, args
        err = r.stderr.decode()
        assert message in err and len(err.strip().splitlines()) == 1, err


def test_fields_lists_every_queryable_field(shelf: Shelf) -> None:
    text = out(shelf, "fields")
    for name in (
        "artist",
        "year",
        "bitrate",
        "taken",
        "ai_tool",
        "has:cover",
        "multidisc",
        "tracks",
    ):
        assert f"  {name} " in text, name
    rows = [json.loads(x) for x in out(shelf, "fields", "--json").splitlines()]
    types = {r["name"]: r["type"] for r in rows if r["section"] == "item"}
    assert types["size"] == "size" and types["added"] == "instant" and types["artist"] == "text"


def test_album_lines_show_aunique_as_written(shelf: Shelf, lib: dict[bytes, str]) -> None:
    # albums are not catalog rows that %aunique could tell apart: as written, with the note
    r = shelf.run("find", "--albums", "-f", "$album%aunique{}", "album:help")
    assert r.returncode == 0 and r.stdout.decode() == "Help!%aunique{}\n"
    assert "%aunique{} printed as written" in r.stderr.decode()
