"""The query language over a catalog with known items: each query and what it returns."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mediashelf import query
from mediashelf.catalog import Catalog, open_catalog
from mediashelf.catalog.dialect import QueryFunctions, RegexTimeout, SQLiteDialect
from mediashelf.catalog.find import select
from mediashelf.errors import QueryError
from tests.conftest import pg_schema_url
from tests.query.library import ITEMS, MISSING, build

ALL = set(ITEMS) - MISSING
AUDIO = {n for n, spec in ITEMS.items() if spec[1] == "audio"} - MISSING


@pytest.fixture(scope="module")
def lib(
    tmp_path_factory: pytest.TempPathFactory, query_engine: str, request: pytest.FixtureRequest
) -> Iterator[tuple[Path, Any, dict[bytes, str]]]:
    """The query library in a catalog of each engine: (root, connection, path → name)."""
    base = tmp_path_factory.mktemp("querylib")
    target: Path | str = base / "cat.db"
    if query_engine == "postgresql":
        target = pg_schema_url(request.getfixturevalue("pg_server"))
    names = build(base / "lib", target)
    cat = open_catalog(target)
    lib_cat[base / "lib"] = cat
    yield base / "lib", cat.db, names
    cat.close()


#: the catalog of each library, by its root
lib_cat: dict[Path, Catalog] = {}


def run(lib: tuple[Path, Any, dict[bytes, str]], *args: str) -> list[str]:
    root, _, names = lib
    compiled = query.build(list(args), cwd=os.fsencode(root))
    rows = select(lib_cat[root], compiled, columns=["path"])
    return [names[row["path"]] for row in rows]


CASES: list[tuple[list[str], set[str]]] = [
    ([], ALL),
    # bare words: title, artist, album, albumartist; case- and accent-insensitive
    (["beatles"], {"a", "b"}),
    (["BEATLES"], {"a", "b"}),
    (["beyonce"], {"c", "d"}),
    (["BEYONCÉ"], {"c", "d"}),
    (["deja"], {"d"}),
    (["déjà", "vu"], {"d"}),
    (["opera"], {"f"}),
    (["beatles", "help"], {"a", "b"}),
    (["yesterday", "beyonce"], set()),
    # field:value contains, := exact, :: regex
    (["artist:beyonce"], {"c", "d"}),
    (["artist:=Beyonce"], {"d"}),
    (["artist:=beyonce"], set()),
    (["artist::^The"], {"a", "b"}),
    (["title::(?i)^h"], {"b"}),
    (["album:love"], {"c"}),
    (["title:100%"], {"e"}),
    (["artist:under_score"], {"e"}),
    (["title:Help!"], {"b"}),
    (["album:B'Day"], {"d"}),
    # numbers, sizes, durations, bitrates, dates
    (["year:1965"], {"a", "b"}),
    (["year:1990..1999"], {"e", "n", "g", "h"}),
    (["year:..1970"], {"a", "b"}),
    (["year:2000.."], {"c", "d"}),
    (["track:13"], {"a"}),
    (["bitrate:..192"], {"b", "d", "e", "n"}),
    (["bitrate:900"], {"c"}),
    (["bitrate:320k"], {"a"}),
    (["size:10M.."], {"c", "f"}),
    (["size:2.5M"], {"e"}),
    (["size:..2M", "kind:audio"], {"n", "l"}),
    (["duration:3:00.."], {"c", "d", "e", "n", "f", "g", "h"}),
    (["duration:3:00"], {"e"}),
    (["duration:..2:10"], {"a"}),
    (["duration:5m.."], {"f"}),
    (["added:2026-01.."], {"c", "d", "e", "n", "f", "g", "h", "i", "j"}),
    (["added:2026-01"], {"c", "f", "g", "h"}),
    (["added:..2025"], {"a", "b", "l", "m"}),
    (["mtime:..2024-06-30"], {"a", "b", "d", "e", "n", "f", "g", "h", "i", "l", "m"}),
    (["mtime:2024-06-30"], {"d"}),
    (["taken:2023"], {"i"}),
    (["taken:2023-04-05"], {"i"}),
    (["taken:2023-05.."], set()),
    (["date:1965-08"], {"a", "b"}),
    # negation, empty fields, OR groups
    (["-artist:beatles"], ALL - {"a", "b"}),
    (["^beatles"], ALL - {"a", "b"}),
    (["-year:1965", "kind:audio"], AUDIO - {"a", "b"}),
    (["albumartist:"], ALL - {"a", "b", "c", "f"}),
    (["genre:", "kind:audio"], AUDIO - {"a", "b", "c"}),
    (["-genre:", "kind:audio"], {"a", "b", "c"}),
    (["artist:queen", ",", "artist:beyonce"], {"f", "c", "d"}),
    (["artist:queen", ",", "beyonce", "year:2003"], {"f", "c"}),
    # convenient fields
    (["kind:image"], {"i", "j"}),
    (["kind:AUDIO"], AUDIO),
    (["format:flac"], {"c", "f"}),
    (["lossless:true"], {"c", "f"}),
    (["lossless:no", "kind:audio"], AUDIO - {"c", "f"}),
    (["compilation:yes"], {"g", "h"}),
    (["has:cover"], {"a"}),
    (["has:gps"], {"i"}),
    (["has:mbid"], {"a"}),
    (["-has:cover", "kind:audio"], AUDIO - {"a"}),
    (["has:albumartist"], {"a", "b", "c", "f"}),
    (["path:music/Beatles"], {"a", "b"}),
    (["path:music/Beat"], set()),
    (["music/Beatles"], {"a", "b"}),
    (["photos"], set()),  # a bare word without a slash is a word
    (["./photos"], {"i"}),
    (["filename:IMG"], {"i"}),
    (["ext:ogg"], {"e", "n"}),
    # images and AI metadata
    (["ai_tool:comfyui", "prompt:castle"], {"j"}),
    (["loras:=detail"], {"j"}),
    (["loras:sty"], {"j"}),
    (["seed:123"], {"j"}),
    (["cfg_scale:7.5"], {"j"}),
    (["width:4000", "height:3000"], {"i"}),
    (["make:canon"], {"i"}),
    # catalog state
    (["missing:true"], MISSING),
    (["failed:true"], {"l"}),
    (["has:error"], {"l"}),
]


@pytest.mark.parametrize(
    ("args", "expected"), CASES, ids=[" ".join(a) or "(all)" for a, _ in CASES]
)
def test_query_returns_exactly(
    lib: tuple[Path, sqlite3.Connection, dict[bytes, str]], args: list[str], expected: set[str]
) -> None:
    got = run(lib, *args)
    assert len(got) == len(set(got)), f"duplicates in {got}"
    assert set(got) == expected


def test_default_order_is_by_path(lib: tuple[Path, sqlite3.Connection, dict[bytes, str]]) -> None:
    _, _, names = lib
    by_name = {v: k for k, v in names.items()}
    got = run(lib)
    assert got == sorted(got, key=lambda n: by_name[n])


def test_sorting(lib: tuple[Path, sqlite3.Connection, dict[bytes, str]]) -> None:
    assert run(lib, "kind:audio", "year-", "title+")[:5] == ["d", "c", "e", "n", "h"]
    assert run(lib, "artist:beatles", "track+") == ["b", "a"]
    assert run(lib, "artist:beatles", "track-") == ["a", "b"]
    assert run(lib, "format:flac", "duration-") == ["f", "c"]
    # unknown values sort last either way
    assert run(lib, "kind:audio", "year+")[-1] == "l"
    assert run(lib, "kind:audio", "year-")[-1] == "l"
    # case-insensitive text order: Beyonce, Beyoncé, Queen, The Beatles, Under_Score ...
    artists = run(lib, "kind:audio", "-failed:true", "artist+")
    assert artists.index("d") < artists.index("f") < artists.index("a") < artists.index("n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["artst:x"], "unknown field 'artst' (did you mean artist"),
        (["year:abc"], "'abc' is not a number"),
        (["year:19.5"], "not a whole number"),
        (["size:10Q"], "is not a size"),
        (["duration:3:xx"], "is not a duration"),
        (["added:2026-13"], "not a valid date"),
        (["added:soon"], "is not a date"),
        (["lossless:maybe"], "is not true or false"),
        (["title::("], "not a valid regular expression"),
        (["has:covr"], "did you mean cover"),
        (["has:"], "`has:` needs a name"),
    ],
)
def test_malformed_terms_are_one_clear_error(
    lib: tuple[Path, sqlite3.Connection, dict[bytes, str]], args: list[str], message: str
) -> None:
    with pytest.raises(QueryError) as e:
        run(lib, *args)
    assert message in str(e.value)
    assert "\n" not in str(e.value)
    assert e.value.exit_code == 2


HOSTILE = [
    "'; DROP TABLE items; --",
    "title:'; DROP TABLE items; --",
    "artist:x' OR '1'='1",
    'artist:x" OR "1"="1',
    "title:\\",
    "title:%",
    "title:_",
    "artist:=) OR 1=1 --",
    "album::.*'\\); DELETE FROM items; --",
    "genre:\x00",
    "album::.*'); DELETE FROM items; --",
    "path:../../../../etc",
]


@pytest.mark.parametrize("term", HOSTILE)
def test_hostile_terms_match_literally_and_change_nothing(
    lib: tuple[Path, sqlite3.Connection, dict[bytes, str]], term: str
) -> None:
    _, db, _ = lib
    before = db.execute("SELECT count(*) FROM items").fetchone()[0]
    try:
        got = run(lib, term)
    except QueryError as e:  # a clean refusal is fine too
        assert "\n" not in str(e)
        got = []
    assert set(got) <= ALL
    assert len(got) < len(ALL)
    assert db.execute("SELECT count(*) FROM items").fetchone()[0] == before


def test_like_wildcards_are_literal(lib: tuple[Path, sqlite3.Connection, dict[bytes, str]]) -> None:
    assert run(lib, "title:%") == ["e"]
    assert run(lib, "artist:_") == ["e"]


def test_a_catastrophic_regex_is_stopped(tmp_path: Path) -> None:
    from mediashelf.catalog import open_catalog
    from mediashelf.catalog.writer import Writer
    from mediashelf.model import Extracted, FileStat
    from tests.conftest import upsert

    cat = open_catalog(tmp_path / "c.db", create=True)
    w = Writer(cat, 1, 100)
    for i in range(50):
        fs = FileStat(f"/x/{i}.mp3".encode(), 1, 1, 1, i)
        upsert(
            w,
            [
                (
                    Extracted(fs, "audio", "mp3", {"title": "x" * 40 + str(i)}, None, None),
                    w.folder_id(b"/x"),
                )
            ],
        )
    w.commit()
    compiled = query.build(["title::(x|xx)+y"])  # exponential backtracking on x*40
    start = time.monotonic()
    with pytest.raises(RegexTimeout, match="took more than"):
        list(_select_with_budget(cat, compiled, 0.5))
    assert time.monotonic() - start < 5
    cat.close()


def _select_with_budget(cat: Catalog, compiled: query.Compiled, budget: float) -> Iterator[object]:
    with cat.querying(compiled, regex_budget=budget) as q:
        yield from cat.db.execute(f"SELECT id FROM items WHERE {q.where}", q.params)


def test_query_size_limits() -> None:
    with pytest.raises(QueryError, match="too long"):
        query.build(["a" * 100_000])
    with pytest.raises(QueryError, match="more than 200 terms"):
        query.build(["x"] * 201)
    query.build(["x"] * 200)


# -- the plans use the catalog's indexes -----------------------------------------------------


def plan(lib: tuple[Path, sqlite3.Connection, dict[bytes, str]], *args: str) -> str:
    root, db, _ = lib
    c = SQLiteDialect().render(query.build(list(args), cwd=os.fsencode(root)))
    QueryFunctions(db)
    rows = db.execute(
        f"EXPLAIN QUERY PLAN SELECT id FROM items WHERE {c.where} ORDER BY {c.order}", c.params
    )
    return "\n".join(r[3] for r in rows)


@pytest.mark.sqlite_only("SQLite's query plans")
@pytest.mark.parametrize(
    ("args", "index"),
    [
        (["artist:beatles"], "COVERING INDEX items_artist"),
        (["artist:=Queen"], "INDEX items_artist (artist=?)"),
        (["beatles"], "COVERING INDEX items_title"),
        (["album:help"], "COVERING INDEX items_album"),
        (["genre:rock"], "COVERING INDEX items_genre"),
        (["year:1990..1999"], "INDEX items_year (year>? AND year<?)"),
        (["kind:image"], "INDEX items_kind (kind=?)"),
        (["path:music"], "INDEX items_path"),
        (["taken:2023"], "INDEX items_taken (taken>? AND taken<?)"),
        (["ai_tool:comfyui"], "INDEX items_ai_tool (ai_tool=?)"),
        (["size:10M.."], "INDEX items_dupes (size>?)"),
        ([], "COVERING INDEX items_path"),
        (["missing:true"], "INDEX items_missing"),
    ],
)
def test_common_queries_use_an_index(
    lib: tuple[Path, sqlite3.Connection, dict[bytes, str]], args: list[str], index: str
) -> None:
    p = plan(lib, *args)
    assert index in p, p
    # missing items are excluded through their partial index, never by a table scan
    assert "SCAN items\n" not in p + "\n" or "COVERING" in p, p
