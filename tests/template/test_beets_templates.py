"""beets' own template assertions, asked of real files through `shelf find` and `shelf organize`.

The cases come from beets' tests of its template language and of the paths and
values it makes of items (test/util/test_functemplate.py; the destination, format,
%aunique and %sunique tests of test/test_library.py), in our own words.  Lines
(`find -f`) are read as beets reads them: what cannot be evaluated is shown as
written.  Paths (`organize`) are strict.  Where we answer differently on purpose,
the README's "Differences from beets" table says so, and the case here checks ours.
"""

from __future__ import annotations

import datetime as dt
import json
import os

import pytest

from tests.query.scanned import Scanned, Track, scanned

#: the tags of beets' test item
ITEM = dict(
    title="the title", artist="the artist", albumartist="the album artist", album="the album",
    tracknumber="1", tracktotal="2", discnumber="3", disctotal="4", bpm="5",
    genre="album; ep; compilation", date="2001-02-03",
)  # fmt: skip


def _album(album: str, title: str, year: str, **more: str) -> Track:
    tags = dict(albumartist="AA", artist="AA", album=album, title=title, date=year)
    return Track("flac", None, tags | more)


def _single(artist: str, title: str, year: str, **more: str) -> Track:
    return Track.of(artist=artist, title=title, date=year, **more)


t = Track.of
#: the library's files
TRACKS = {
    "item.flac": Track("flac", "2013-05-11 20:01:01", ITEM),
    "HEY.MP3": t("mp3", title="upper case extension"),
    "dated.ogg": t("ogg", title="dated", date="0001-02-03"),
    "early.ogg": t("ogg", title="early", date="0123"),
    "slashes.flac": t(title="s", artist="a", album="one/two"),
    "dot.flac": t(title="d", artist="a", album=".something"),
    "long.flac": t(title="X" * 300, artist="Y" * 300),
    "windows.flac": t(title="one \\ two / three.mp3"),
    "noartist.flac": t(title="no artist", albumartist="something"),
    "noalbumartist.flac": t(title="no album artist", artist="trackartist"),
    "asciify.flac": t(title="ab\xa2\xbdd"),
    # %aunique: albums that share albumartist and album
    "dup1.flac": _album("dup", "dup1", "2001", genre="g1"),
    "dup2.flac": _album("dup", "dup2", "2002", genre="g2"),
    "same1.flac": _album(
        "same", "same1", "2001", musicbrainz_albumid="m1", label="foo/bar"
    ),
    "same2.flac": _album("same", "same2", "2001", musicbrainz_albumid="m2"),
    "alone.flac": _album("alone", "alone", "2001"),
    # %sunique: tracks without an album that share artist and title
    "st1.flac": _single("SA", "st", "2001"),
    "st2.flac": _single("SA", "st", "2002"),
    "tie1.flac": _single("SB", "tie", "2001", label="foo/bar"),
    "tie2.flac": _single("SB", "tie", "2001"),
    "lone.flac": _single("SC", "lone", "2001"),
    "inalbum.flac": _album("some album", "lone", "2001", artist="SC"),
}  # fmt: skip


@pytest.fixture(scope="module")
def lib(
    tmp_path_factory: pytest.TempPathFactory, query_engine: str, request: pytest.FixtureRequest
) -> Scanned:
    return scanned(query_engine, request, tmp_path_factory.mktemp("templates"), TRACKS)


def line(lib: Scanned, template: str, name: str = "item.flac") -> str:
    """`shelf find -f TEMPLATE` for one file: its one line, exactly."""
    code, out, err = lib.run("find", "-f", template, "path:" + lib.path(name))
    assert code == 0, err
    assert out.endswith("\n") and out.count("\n") == template.count("\n") + 1, out
    return out[:-1]


def dest(lib: Scanned, template: str, name: str = "item.flac", *more: str) -> str:
    """Where `shelf organize --template TEMPLATE` would put the file (relative to DEST)."""
    into = lib.root.parent / "dest"
    code, out, err = lib.run(
        "organize", "--into", str(into), "--dry-run", "--json", "--template", template,
        *more, "--", "path:" + lib.path(name),
    )  # fmt: skip
    assert code == 0, err
    (op,) = [o for o in map(json.loads, out.splitlines()) if "action" in o]
    return os.path.relpath(op["dst"], into)


# -- the language: beets' test_functemplate.py, as `find -f` lines ------------------------


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("", ""),
        ("hello world", "hello world"),
        ("$$", "$"),
        ("a $$ b", "a $ b"),
        ("$$ hello", "$ hello"),
        ("hello $$", "hello $"),
        ("a $% b", "a % b"),
        ("a $, b", "a , b"),
        ("a $} b", "a } b"),
        ("a $ b", "a $ b"),
        ("a % b", "a % b"),
        ("a { b", "a { b"),
        ("a } b", "a } b"),
        ("a , b", "a , b"),
        ("$title", "the title"),
        ("hello $title world", "hello the title world"),
        ("hello${title}world", "hellothe titleworld"),
        ("a ${ b", "a ${ b"),
        ("a ${} b", "a ${} b"),
        ("foo %bar", "foo %bar"),
        ("foo %bar baz", "foo %bar baz"),
        ("foo %bar{ baz", "foo %bar{ baz"),
        ("foo %bar{bar,bar baz", "foo %bar{bar,bar baz"),
        ("%lower{$title", "%lower{$title"),
        ("%lower{}", ""),
        ("%lower{BAR}", "bar"),
        ("%lower{bar$,baz}", "bar,baz"),
        ("%lower{bar$}baz}", "bar}baz"),
        ("%lower{%upper{x}}", "x"),
        ("%upper{%lower{X}}", "X"),
        ("hello, %upper{bar}", "hello, BAR"),
        ("hello,$title,$artist", "hello,the title,the artist"),
        ("$bar", "$bar"),
        ("${bar}", "${bar}"),
        ("%lower{FOO}", "foo"),
        ("A %lower{FOO} B", "A foo B"),
        ("%lower{$album}", "the album"),
        ("%bar{}", "%bar{}"),
        ("%bar{$title}", "%bar{$title}"),
        ("%lower", "%lower"),
        ("%lower{a,b,c,d,e}", "%lower{a,b,c,d,e}"),  # beets shows the error's text
        ("%lower{$bar}", "$bar"),
        ("%ifdef{bar,yes,no}", "no"),  # an unknown field is not defined
    ],
)
def test_a_line(lib: Scanned, template: str, expected: str) -> None:
    assert line(lib, template) == expected


def test_a_line_may_hold_a_line_break(lib: Scanned) -> None:
    assert line(lib, "foo\n$title") == "foo\nthe title"


# -- values: beets' test_library.py, formatted values ------------------------------------


@pytest.mark.parametrize(
    ("template", "name", "expected"),
    [
        ("$track $tracktotal $disc $disctotal $bpm", "item.flac", "01 02 03 04 5"),
        ("$year-$month-$day", "dated.ogg", "0001-02-03"),
        ("$year", "early.ogg", "0123"),
        ("$title", "windows.flac", "one \\ two / three.mp3"),  # a line keeps separators
        ("$format", "item.flac", "FLAC"),
        ("$format", "HEY.MP3", "MP3"),
        ("$format", "dated.ogg", "OGG"),
        ("$samplerate", "item.flac", "44kHz"),
        ("$composer", "item.flac", ""),
        ("$artist", "noartist.flac", "something"),  # falls back to the album artist
        ("$albumartist", "noalbumartist.flac", "trackartist"),  # and the reverse
        ("$artist", "item.flac", "the artist"),
        ("$albumartist", "item.flac", "the album artist"),
        ("%ifdef{bpm}", "item.flac", "5"),
        ("%ifdef{composer}", "item.flac", ""),
        ("%time{$mtime,%Y}", "item.flac", "2013"),
        ("%time{$date,%d.%m.%Y}", "item.flac", "03.02.2001"),
        ("%time{$title,%Y}", "item.flac", ""),  # not a time: nothing invented
        ("%capitalize{$title}", "item.flac", "The title"),
        ("%asciify{$title}", "asciify.flac", "abc1_2d"),  # beets: abC_ 1_2d
    ],
)
def test_a_value(lib: Scanned, template: str, name: str, expected: str) -> None:
    assert line(lib, template, name) == expected


def test_bitrate_and_added(lib: Scanned) -> None:
    assert line(lib, "$bitrate").endswith("kbps") and line(lib, "$bitrate")[:-4].isdigit()
    assert line(lib, "$added").startswith(str(dt.date.today().year))


def test_an_empty_format_is_an_empty_line(lib: Scanned) -> None:
    code, out, _ = lib.run("find", "-f", "", "title:dup")
    assert code == 0 and out == "\n\n"


# -- paths: beets' destination tests, through `shelf organize` ----------------------------


@pytest.mark.parametrize(
    ("template", "name", "expected"),
    [
        ("two", "item.flac", "two.flac"),
        ("$album/$artist $title", "item.flac", "the album/the artist the title.flac"),
        ("$title", "HEY.MP3", "upper case extension.mp3"),  # the extension lower-cased
        ("$track $tracktotal $disc $disctotal $bpm", "item.flac", "01 02 03 04 5.flac"),
        ("$year-$month-$day", "dated.ogg", "0001-02-03.ogg"),
        ("$artist/$album/$title", "slashes.flac", "a/one_two/s.flac"),
        ("$artist/$album/$title", "dot.flac", "a/_something/d.flac"),
        ("$artist/$album ($format)/$title", "item.flac", "the artist/the album (FLAC)/the title.flac"),
        ("$artist", "noartist.flac", "something.flac"),
        ("$albumartist", "noalbumartist.flac", "trackartist.flac"),
        ("$artist", "item.flac", "the artist.flac"),
        ("$albumartist", "item.flac", "the album artist.flac"),
        ("%asciify{$title}", "asciify.flac", "abc1_2d.flac"),  # beets: abC_ 1_2d
        ("%upper{foo}", "item.flac", "FOO.flac"),
        ("%upper{$title}", "item.flac", "THE TITLE.flac"),
        ("%capitalize{$title}", "item.flac", "The title.flac"),
        ("%title{$title}", "item.flac", "The Title.flac"),
        ("%title{I can't}", "item.flac", "I Can't.flac"),
        ("%left{$title, 3}", "item.flac", "the.flac"),
        ("%right{$title,3}", "item.flac", "tle.flac"),
        ("x%if{,foo}", "item.flac", "x.flac"),
        ("x%if{false,foo}", "item.flac", "x.flac"),
        ("%if{bar,foo}", "item.flac", "foo.flac"),
        ("%if{,foo,baz}", "item.flac", "baz.flac"),
        ("%if{false,foo,baz}", "item.flac", "baz.flac"),
        ("%if{0,foo,baz}", "item.flac", "baz.flac"),
        ("%ifdef{bpm}", "item.flac", "5.flac"),
        ("%ifdef{artist,cool}", "item.flac", "cool.flac"),
        ("%ifdef{label,$label Series,Albums}/$album", "item.flac", "Albums/the album.flac"),
        ("%ifdef{composer,$composer,not_played}", "item.flac", "not_played.flac"),
        ("$artist/%ifdef{composer}x", "item.flac", "the artist/x.flac"),
        ("%first{$genre}", "item.flac", "album.flac"),
        ("%first{$genre,1,2}", "item.flac", "compilation.flac"),
        ("%first{Alice / Bob / Eve,2,0, / , & }", "item.flac", "Alice & Bob.flac"),
        ("%time{$date,%Y/%m}", "item.flac", "2001/02.flac"),  # the template's own `/`
        ("%time{$title,%Y}x", "item.flac", "x.flac"),
    ],
)  # fmt: skip
def test_a_destination(lib: Scanned, template: str, name: str, expected: str) -> None:
    assert dest(lib, template, name) == expected


def test_long_names_are_cut_and_keep_their_extension(lib: Scanned) -> None:
    got = dest(lib, "$artist/$title", "long.flac")
    assert all(len(part.encode()) <= 255 for part in got.split("/"))
    assert got.endswith(".flac") and got.count("/") == 1


def test_no_separator_of_a_tag_survives(lib: Scanned) -> None:
    got = dest(lib, "$title", "windows.flac")
    assert "/" not in got and "\\" not in got and "two" in got


def test_an_empty_folder_name_is_an_underscore(lib: Scanned) -> None:
    # (beets drops the folder; see the README)
    assert dest(lib, " %ifdef{composer}/$artist") == "_/the artist.flac"


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("%foo{bar}", "unknown template function %foo{}"),  # beets: literal
        ("$artist $foo", "unknown field $foo"),  # beets: literal
        ("%ifdef{bar}", "unknown field $bar"),
        ("$album%aunique{albumartist album,flex}", "unknown field $flex"),
    ],
)
def test_a_path_refuses_what_it_cannot_evaluate(lib: Scanned, template: str, message: str) -> None:
    code, _, err = lib.run(
        "organize", "--into", str(lib.root.parent / "dest"), "--dry-run", "--template", template
    )
    assert code == 2 and message in err


# -- %aunique and %sunique: beets' TestDisambiguation and TestSingletonDisambiguation -----


@pytest.mark.parametrize(
    ("template", "name", "expected"),
    [
        ("foo%aunique{albumartist album,year}/$title", "dup1.flac", "foo [2001]/dup1.flac"),
        ("foo%aunique{}/$title", "dup1.flac", "foo [2001]/dup1.flac"),
        ("foo%aunique{albumartist album,year}/$title", "alone.flac", "foo/alone.flac"),
        ("foo%aunique{albumartist album,month year}/$title", "dup1.flac", "foo [2001]/dup1.flac"),
        ("foo%aunique{albumartist album,year,()}/$title", "dup1.flac", "foo (2001)/dup1.flac"),
        ("foo%aunique{albumartist album,year,}/$title", "dup1.flac", "foo 2001/dup1.flac"),
        ("foo%aunique{albumartist album genre,year}/$title", "dup1.flac", "foo/dup1.flac"),
        # the same year: numbers tell the albums (told apart by their ids) apart
        ("foo%aunique{albumartist album,year}/$title", "same1.flac", "foo [1]/same1.flac"),
        ("foo%aunique{albumartist album,year}/$title", "same2.flac", "foo [2]/same2.flac"),
        ("foo%aunique{albumartist album,label}/$title", "same1.flac", "foo [foo_bar]/same1.flac"),
        ("foo%aunique{albumartist album,label}/$title", "same2.flac", "foo/same2.flac"),
        ("foo/$title%sunique{artist title,year}", "st1.flac", "foo/st [2001].flac"),
        ("foo/$title%sunique{}", "st1.flac", "foo/st [2001].flac"),
        ("foo/$title%sunique{}", "lone.flac", "foo/lone.flac"),  # the other is on an album
        ("foo/$title%sunique{albumartist album,month year}", "st1.flac", "foo/st [2001].flac"),
        ("foo/$title%sunique{artist title,label}", "tie1.flac", "foo/tie [foo_bar].flac"),
        ("foo/$title%sunique{artist title,label}", "tie2.flac", "foo/tie.flac"),
        ("foo/$title%sunique{artist title,year,()}", "st1.flac", "foo/st (2001).flac"),
        ("foo/$title%sunique{artist title,year,}", "st1.flac", "foo/st 2001.flac"),
        ("foo/$title%sunique{artist title genre,year}", "st1.flac", "foo/st [2001].flac"),
        ("foo/$title%sunique{}", "inalbum.flac", "foo/lone.flac"),  # not a singleton
    ],
)  # fmt: skip
def test_disambiguation(lib: Scanned, template: str, name: str, expected: str) -> None:
    assert dest(lib, template, name) == expected


def test_singletons_alike_get_their_catalog_ids(lib: Scanned) -> None:
    for name in ("tie1.flac", "tie2.flac"):
        item_id = line(lib, "$id", name)
        assert dest(lib, "$title%sunique{}", name) == f"tie [{item_id}].flac"


def test_a_line_disambiguates_too(lib: Scanned) -> None:
    assert line(lib, "$album%aunique{}", "dup2.flac") == "dup [2002]"
    assert line(lib, "$title%sunique{}", "st2.flac") == "st [2002]"
    assert line(lib, "$album%aunique{}") == "the album"
