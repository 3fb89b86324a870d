"""beets' own query assertions, asked of real files through `shelf scan` and `shelf find`.

The cases come from beets' tests of its query language (test/dbcore/test_query.py,
test_queryparse.py, test_datequery.py, test_sort.py), in our own words and on our
own field names (beets' `comp` is our `compilation`, `genres` our `genre`, `comments`
our `comment`; `added`, which a scan sets, is tested as `mtime`, which a test can).
Where we answer differently on purpose, the README's "Differences from beets" table
says so, and the case here checks our answer.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from mediashelf.query.parse import Sort, Term, parse, parse_term
from tests.query.scanned import Scanned, Track, scanned

ALL = ["first", "second", "third"]


@pytest.fixture(scope="module")
def three(
    tmp_path_factory: pytest.TempPathFactory, query_engine: str, request: pytest.FixtureRequest
) -> Scanned:
    """beets' TestGet library: two tracks of an album `baz`, and a third."""
    tracks = {}
    for rel, title, artists, album, year, comp, genre, more in (
        ("baz/first.flac", "first", ["one", "eleven"], "baz", 2001, 1, "rock", {}),
        ("baz/second.ogg", "second", ["two", "twelve"], "baz", 2002, 1, "Rock", {}),
        ("foo/third.opus", "third", ["three", "one"], "foo", 2003, 0, "Hard Rock",
         {"comment": "caf\xe9", "bpm": "120"}),
    ):  # fmt: skip
        tags = dict(title=title, artist=artists[0], artists=artists, album=album, genre=genre)
        tags |= dict(date=str(year), compilation=str(comp), **more)
        tracks[rel] = Track(rel.rsplit(".", 1)[1], None, tags)
    return scanned(query_engine, request, tmp_path_factory.mktemp("three"), tracks)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ([], ALL),
        ([""], ALL),
        ([":oNE"], []),  # a bare regex: on the fields words search, with case
        ([":one"], ["first"]),
        ([":sec", ":ond"], ["second"]),
        ([":second"], ["second"]),
        (["=rock"], ["first"]),  # a bare exact value, with case
        (["=~hard rock"], ["third"]),  # exact, ignoring case
        ([":t$"], ["first"]),
        (["oNE"], ["first"]),
        (["baz"], ["first", "second"]),
        (["sec", "ond"], ["second"]),
        (["three"], ["third"]),
        (["artist::t.+r"], ["third"]),
        (["artist:thrEE"], ["third"]),
        (["artists::eleven"], ["first"]),
        (["artists::one"], ["first", "third"]),
        (["ArTiST:three"], ["third"]),
        (["comment:caf\xe9"], ["third"]),
        (["comment:cafe"], ["third"]),  # accents folded (our own, beets compares them)
        (["compilation:true"], ["first", "second"]),
        (["compilation:false"], ["third"]),
        (["genre:=rock"], ["first"]),
        (["genre:=Rock"], ["second"]),
        (["genre:=Hard Rock"], ["third"]),
        (["genre:=~hard rock"], ["third"]),
        (["genre:=~rock"], ["first", "second"]),
        (["genre:=hard rock"], []),
        (["artists:=~ELEVEN"], ["first"]),
        (["popebear"], []),
        (["title:ond"], ["second"]),
        (["title::sec"], ["second"]),
        (["year:2001"], ["first"]),
        (["year:2000..2002"], ["first", "second"]),
        (["year:2002..2000"], ["first", "second"]),  # back to front: swapped
        (["bpm:120"], ["third"]),
        (["bpm:110..125"], ["third"]),
        (["bpm:12"], []),  # numbers are never substrings
        (["title:ond", ",", "year:2003"], ["second", "third"]),
        (["title:ond,", "year:2003"], ["second", "third"]),  # `a, b` is `a , b`
        (["title:ond,year:2003"], []),  # one term: a comma inside is text
        (["title:first", ",", "title:third", ","], ALL),  # an empty group: everything
        (["-artist::t.+r"], ["first", "second"]),
        (["-:t$"], ["second", "third"]),
        (["sec", "-bar"], ["second"]),
        (["sec", "-title:bar"], ["second"]),
        (["-ond"], ["first", "third"]),
        (["^ond"], ["first", "third"]),
        (["^title:sec"], ["first", "third"]),
        (["-title:sec"], ["first", "third"]),
        (["2001"], []),  # bare words do not search the year
        (["title"], []),
    ],
)
def test_get(three: Scanned, query: list[str], expected: list[str]) -> None:
    assert sorted(three.titles(*query)) == expected


@pytest.mark.parametrize(
    "query",
    [
        ["compilation:true"],
        ["mtime:2000-01-01.."],
        ["year:2003"],
        ["year:2001..2002"],
        ["artist::^t"],
        ["album:ba"],
        ["composer:"],
        ["title:x"],
        ["genre:=~rock"],
    ],
)
def test_a_term_and_its_negation_split_the_library(three: Scanned, query: list[str]) -> None:
    """beets' test_query_logic: q and not-q are disjoint, and together are everything."""
    matched = set(three.titles(*query))
    negated = set(three.titles("-" + query[0]))
    assert matched | negated == set(ALL) and not matched & negated
    assert set(three.titles(*query, ",", "-" + query[0])) == set(ALL)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (["year:199a"], "'199a' is not a number"),
        (["year::199("], "not a valid regular expression"),
        (["pope:bear"], "unknown field 'pope'"),  # beets: no match; see the README
        (["xyzzy:nonsense"], "unknown field 'xyzzy'"),
        (["foo+"], "unknown field 'foo'"),  # beets ignores a sort by an unknown field
    ],
)
def test_what_we_refuse_is_one_line_exit_2(three: Scanned, query: list[str], message: str) -> None:
    code, out, err = three.run("find", "--", *query)
    assert code == 2 and out == "" and message in err and len(err.splitlines()) == 1


# -- one item: beets' TestMatch -----------------------------------------------------------


@pytest.fixture(scope="module")
def one(
    tmp_path_factory: pytest.TempPathFactory, query_engine: str, request: pytest.FixtureRequest
) -> Scanned:
    return scanned(
        query_engine,
        request,
        tmp_path_factory.mktemp("one"),
        {"x.mp3": Track.of("mp3", album="the album", disc="6", date="0001", genre="Classical")},
    )


@pytest.mark.parametrize(
    ("term", "matches"),
    [
        ("album::^the album$", True),
        ("album::^album$", False),
        ("disc::^6$", True),
        ("album:album", True),
        ("album:ablum", False),
        ("disc:6", True),
        ("album:=~the album", True),
        ("album:=~THE ALBUM", True),
        ("album:=~album", False),
        ("genre:=Classical", True),
        ("genre:=Neoclassical", False),
        ("genre:=~classical", True),
        ("genre:=~neoclassical", False),
        ("year:1", True),
        ("year:10", False),
        ("bitrate:100..200", True),  # kbit/s here (beets: bit/s); the file is 128 kbit/s
        ("bitrate:200..300", False),
        ("bitrate:100..", True),
        ("bitrate:200..100", True),
    ],
)
def test_match(one: Scanned, term: str, matches: bool) -> None:
    assert len(one.lines("find", "--", term)) == int(matches)
    assert len(one.lines("find", "--", "-" + term)) == int(not matches)


# -- paths: beets' TestPathQuery ----------------------------------------------------------


@pytest.fixture(scope="module")
def paths(
    tmp_path_factory: pytest.TempPathFactory, query_engine: str, request: pytest.FixtureRequest
) -> Scanned:
    t = Track.of
    return scanned(
        query_engine,
        request,
        tmp_path_factory.mktemp("paths"),
        {
            "aaa/bb/c.flac": t(title="path item"),
            "x/y/z.flac": t(title="another item"),
            "c/_/title.flac": t(title="with underscore"),
            "c/%/title.flac": t(title="with percent"),
            "c/\\x/title.flac": t(title="with backslash"),
            "A/B/C2.flac": t(title="caps path"),
        },
    )


@pytest.mark.parametrize(
    ("rel", "expected"),
    [
        ("aaa/bb/c.flac", ["path item"]),  # the file itself
        ("aaa", ["path item"]),  # a folder: what is under it
        ("aaa/", ["path item"]),
        ("aa", []),  # not a folder's prefix
        ("xyzzy/", []),
        ("x/../aaa/bb", ["path item"]),  # normalized
        ("c/_", ["with underscore"]),  # LIKE's wildcards are plain characters
        ("c/%", ["with percent"]),
        ("c/\\x", ["with backslash"]),
        ("a/b/c2.flac", []),  # case-sensitive, like the file system
    ],
)
def test_path(paths: Scanned, rel: str, expected: list[str]) -> None:
    assert paths.titles("path:" + paths.path(rel)) == expected


def test_path_regex_relative_and_bare(paths: Scanned, monkeypatch: pytest.MonkeyPatch) -> None:
    assert paths.titles("path::c\\.flac$") == ["path item"]
    monkeypatch.chdir(paths.root)
    assert paths.titles("path:aaa/bb/c.flac") == ["path item"]  # from the current folder
    assert paths.titles("aaa/bb") == ["path item"]  # a bare path that exists
    assert paths.titles("aaa/bb", ",", "aaa") == ["path item"]
    assert paths.titles("c.flac") == []  # no slash: a word
    assert paths.titles("title:aaa/bb") == []  # a field: never a path


# -- parsing: beets' test_queryparse.py ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("test", Term(None, "bare", "test")),
        ("test:val", Term("test", "contains", "val")),
        ("test:", Term("test", "empty", "")),  # beets: a substring "": see the README
        (":regexp", Term(None, "regex", "regexp")),
        ("test::regexp", Term("test", "regex", "regexp")),
        ("test\\:val", Term(None, "bare", "test:val")),
        ("title:a\\:b", Term("title", "contains", "a:b")),
        ("=exact", Term(None, "exact", "exact")),
        ("=~Exact", Term(None, "iexact", "Exact")),
        ("year:1999", Term("year", "contains", "1999")),
        ("year:1999..2010", Term("year", "range", "1999", high="2010")),
        ("-year:..2010", Term("year", "range", "", True, "2010")),
    ],
)
def test_parse_term(text: str, term: Term) -> None:
    assert parse_term(text) == term


@pytest.mark.parametrize(
    ("text", "groups", "terms"),
    [
        ("foo bar", 1, 2),
        ("foo , bar", 2, 2),
        ("foo, bar", 2, 2),
        ("foo,bar", 1, 1),
        ("foo , bar ,", 3, 2),
        (", foo , bar", 3, 2),
        ("-", 1, 1),  # a lone `-` is a word, not a sort
        ("", 1, 0),
    ],
)
def test_parse_groups(text: str, groups: int, terms: int) -> None:
    q = parse(text.split())
    assert (len(q.groups), len(q.terms), q.sort) == (groups, terms, [])


def test_parse_sort() -> None:
    assert parse(["field+"]).sort == [Sort("field", False)]
    assert parse(["field+", "another_field-"]).sort == [
        Sort("field", False),
        Sort("another_field", True),
    ]


# -- dates: beets' test_datequery.py, on mtime --------------------------------------------

#: every time the date cases below ask about, each the mtime of one file
MOMENTS = (
    "2000-01-01T00:00:00", "2001-06-20T14:15:16", "2001-12-31T23:59:59",
    "1999-12-31T23:59:59", "2002-01-01T00:00:00", "2099-10-11T00:00:00",
    "2000-06-20T10:20:30", "2000-06-20T23:59:59", "2000-06-19T23:59:59",
    "2000-06-21T00:00:00", "1999-12-01T00:00:00", "2000-02-15T05:06:07",
    "2000-02-29T23:59:59", "1999-11-30T23:59:59", "2000-03-01T00:00:00",
    "2000-01-01T11:59:59", "2000-01-01T12:00:00", "2000-01-01T12:30:00",
    "2000-01-01T13:30:00", "2000-01-01T13:59:59", "2000-01-01T14:00:00",
    "2000-01-01T14:30:00", "2008-12-01T22:30:00", "2008-12-01T23:30:00",
    "2000-01-01T12:29:59", "2000-01-01T12:30:30", "2000-01-01T12:31:59",
    "2000-01-01T12:32:00", "2000-01-01T12:30:49", "2000-01-01T12:30:50",
    "2000-01-01T12:30:55", "2000-01-01T12:30:56", "2000-06-20T00:00:00",
    "2013-03-30T22:21:00", "2017-12-31T22:55:00",
)  # fmt: skip


@pytest.fixture(scope="module")
def moments(
    tmp_path_factory: pytest.TempPathFactory, query_engine: str, request: pytest.FixtureRequest
) -> Scanned:
    now = dt.datetime.now().replace(microsecond=0).isoformat()
    tracks = {f"{m}.flac": Track.of(mtime=m, title=m) for m in MOMENTS}
    tracks["now.flac"] = Track.of(mtime=now, title="now")
    return scanned(query_engine, request, tmp_path_factory.mktemp("moments"), tracks)


@pytest.mark.parametrize(
    ("pattern", "moment", "included"),
    [
        ("2000..2001", "2000-01-01T00:00:00", True),
        ("2000..2001", "2001-06-20T14:15:16", True),
        ("2000..2001", "2001-12-31T23:59:59", True),
        ("2000..2001", "1999-12-31T23:59:59", False),
        ("2000..2001", "2002-01-01T00:00:00", False),
        ("2000..", "2000-01-01T00:00:00", True),
        ("2000..", "2099-10-11T00:00:00", True),
        ("2000..", "1999-12-31T23:59:59", False),
        ("..2001", "2001-12-31T23:59:59", True),
        ("..2001", "2002-01-01T00:00:00", False),
        ("-1d..1d", "now", True),
        ("-2d..-1d", "now", False),
        ("2000-06-20..2000-06-20", "2000-06-20T00:00:00", True),
        ("2000-06-20..2000-06-20", "2000-06-20T10:20:30", True),
        ("2000-06-20..2000-06-20", "2000-06-20T23:59:59", True),
        ("2000-06-20..2000-06-20", "2000-06-19T23:59:59", False),
        ("2000-06-20..2000-06-20", "2000-06-21T00:00:00", False),
        ("1999-12..2000-02", "1999-12-01T00:00:00", True),
        ("1999-12..2000-02", "2000-02-15T05:06:07", True),
        ("1999-12..2000-02", "2000-02-29T23:59:59", True),
        ("1999-12..2000-02", "1999-11-30T23:59:59", False),
        ("1999-12..2000-02", "2000-03-01T00:00:00", False),
        ("2000-01-01T12..2000-01-01T13", "2000-01-01T11:59:59", False),
        ("2000-01-01T12..2000-01-01T13", "2000-01-01T12:00:00", True),
        ("2000-01-01T12..2000-01-01T13", "2000-01-01T12:30:00", True),
        ("2000-01-01T12..2000-01-01T13", "2000-01-01T13:30:00", True),
        ("2000-01-01T12..2000-01-01T13", "2000-01-01T13:59:59", True),
        ("2000-01-01T12..2000-01-01T13", "2000-01-01T14:00:00", False),
        ("2000-01-01T12..2000-01-01T13", "2000-01-01T14:30:00", False),
        ("2008-12-01T22", "2008-12-01T22:30:00", True),
        ("2008-12-01T22", "2008-12-01T23:30:00", False),
        ("2008-12-01t22", "2008-12-01T22:30:00", True),
        ("2008-12-01 22", "2008-12-01T22:30:00", True),
        ("2000-01-01T12:30..2000-01-01T12:31", "2000-01-01T12:29:59", False),
        ("2000-01-01T12:30..2000-01-01T12:31", "2000-01-01T12:30:00", True),
        ("2000-01-01T12:30..2000-01-01T12:31", "2000-01-01T12:30:30", True),
        ("2000-01-01T12:30..2000-01-01T12:31", "2000-01-01T12:31:59", True),
        ("2000-01-01T12:30..2000-01-01T12:31", "2000-01-01T12:32:00", False),
        ("2000-01-01T12:30:50..2000-01-01T12:30:55", "2000-01-01T12:30:49", False),
        ("2000-01-01T12:30:50..2000-01-01T12:30:55", "2000-01-01T12:30:50", True),
        ("2000-01-01T12:30:50..2000-01-01T12:30:55", "2000-01-01T12:30:55", True),
        ("2000-01-01T12:30:50..2000-01-01T12:30:55", "2000-01-01T12:30:56", False),
        ("..", "2000-01-01T00:00:00", True),
        ("2013-03", "2013-03-30T22:21:00", True),
        ("2013-04", "2013-03-30T22:21:00", False),
        ("2013-03-30", "2013-03-30T22:21:00", True),
        ("2013-03-31", "2013-03-30T22:21:00", False),
        ("2014..2013", "2013-03-30T22:21:00", True),
        ("2012..2011", "2013-03-30T22:21:00", False),
        ("2017-12", "2017-12-31T22:55:00", True),
        ("2018-01", "2017-12-31T22:55:00", False),
        ("2017-12-31", "2017-12-31T22:55:00", True),
        ("2018-01-01", "2017-12-31T22:55:00", False),
    ],
)
def test_date(moments: Scanned, pattern: str, moment: str, included: bool) -> None:
    assert (moment in moments.titles("mtime:" + pattern)) is included


@pytest.mark.parametrize(
    ("backwards", "forwards"),
    [
        ("2001..2000", "2000..2001"),
        ("2000-02..1999-12", "1999-12..2000-02"),
        ("2000-01-01T13..2000-01-01T12", "2000-01-01T12..2000-01-01T13"),
        ("2001..2000-06", "2000-06..2001"),  # of different precision
        ("2024..2020", "2020..2024"),
    ],
)
def test_a_date_range_back_to_front_is_swapped(
    moments: Scanned, backwards: str, forwards: str
) -> None:
    found = moments.titles("mtime:" + forwards)
    assert moments.titles("mtime:" + backwards) == found


@pytest.mark.parametrize("unit", ["d", "w", "m", "y"])
def test_relative_dates(moments: Scanned, unit: str) -> None:
    def has_now(pattern: str) -> bool:
        return "now" in moments.titles("mtime:" + pattern.replace("U", unit))

    assert has_now("-4U..+4U") and has_now("+4U..-4U")  # back to front: swapped
    assert not has_now("-2U..-1U")
    assert has_now("-4U..") and not has_now("4U..")
    assert has_now("..+4U") and not has_now("..-4U")


@pytest.mark.parametrize(
    "pattern",
    [
        "1409830085..1412422089",
        "12-34-56-78",
        "2001-01-0a",
        "2001-0a",
        "200a",
        "2001-01-01..2001-01-0a",
        "2001-0a..2001-01",
        "200a..2002",
        "20aa..",
        "..2aa",
        "2000|2001",
        "1|",
        "5|3d",
        "2000-01-01x12",
    ],
)
def test_not_a_date(moments: Scanned, pattern: str) -> None:
    code, _, err = moments.run("find", "mtime:" + pattern)
    assert code == 2 and "is not a" in err


# -- sorting: beets' test_sort.py ---------------------------------------------------------


@pytest.fixture(scope="module")
def sortable(
    tmp_path_factory: pytest.TempPathFactory, query_engine: str, request: pytest.FixtureRequest
) -> Scanned:
    t = Track.of
    return scanned(
        query_engine,
        request,
        tmp_path_factory.mktemp("sort"),
        {
            "path0.flac": t(
                title="first", artist="One", album="Album A", date="2001", tracknumber="1"
            ),
            "patH1.flac": t(
                title="second", artist="Two", album="Album A", date="2002", tracknumber="10"
            ),
            "paTH2.flac": t(
                title="third", artist="three", album="Album B", date="2003", tracknumber="2"
            ),
            "PATH3.flac": t(title="fourth", artist="Three", album="Album C", date="2004"),
        },
    )


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("year+", ["first", "second", "third", "fourth"]),
        ("year-", ["fourth", "third", "second", "first"]),
        ("path+", ["first", "second", "third", "fourth"]),  # without case, as beets
        ("path-", ["fourth", "third", "second", "first"]),
        # text without case; ties (three, Three) by path, whose bytes put PATH3 first
        ("artist+", ["first", "fourth", "third", "second"]),
        ("album- title+", ["fourth", "third", "first", "second"]),
        # numbers as numbers: 1, 2, 10; unknown values last, in both directions
        ("track+", ["first", "third", "second", "fourth"]),
        ("track-", ["second", "third", "first", "fourth"]),
    ],
)
def test_sort(sortable: Scanned, sort: str, expected: list[str]) -> None:
    assert sortable.titles(*sort.split()) == expected


def test_the_default_order_is_the_path(sortable: Scanned) -> None:
    # (beets: artist, album, disc, track; see the README)
    assert sortable.titles() == ["fourth", "third", "second", "first"]


def test_a_date_and_times_round_trip_through_a_real_scan(moments: Scanned) -> None:
    """The files' times are what the cases above assume (the scan keeps them exactly)."""
    code, out, _ = moments.run("find", "title:2013-03-30", "-f", "$mtime")
    assert code == 0 and out.strip() == "2013-03-30 22:21:00"
    assert Path(moments.path("now.flac")).exists()
