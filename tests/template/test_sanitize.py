"""Destination paths from hostile tags: values, components, whole paths, containment."""

from __future__ import annotations

import os
import random
import unicodedata
from pathlib import Path
from typing import Literal

import pytest
import regex

from mediashelf.errors import EXIT_USAGE, ConfigError, PathEscape, PlanError
from mediashelf.template.destination import PathTooLong, build_destination, ensure_inside
from mediashelf.template.sanitize import (
    DEFAULT_REPLACEMENTS,
    build_replacements,
    check_normalization,
    sanitize_component,
    sanitize_extension,
    sanitize_value,
    truncate_utf8,
)

CONTROLS = [chr(c) for c in (*range(0x20), 0x7F)]
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # one cluster, 25 bytes
FLAG = "\U0001f1fa\U0001f1f8"  # two regional indicators, one cluster, 8 bytes
THUMB = "\U0001f44d\U0001f3fd"  # emoji + skin tone modifier, 8 bytes


@pytest.fixture
def dest(tmp_path: Path) -> bytes:
    root = tmp_path / "dest"
    root.mkdir()
    return os.fsencode(root)


def assert_safe_name(name: str, max_bytes: int = 255) -> None:
    raw = name.encode("utf-8")  # raises on lone surrogates
    assert name not in ("", ".", "..")
    assert "/" not in name and "\\" not in name and "\x00" not in name
    assert not any(ch in CONTROLS for ch in name)
    assert len(raw) <= max_bytes
    assert not name.endswith((".", " "))


# -- values ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("../../etc/passwd", "_._.._etc_passwd"),
        ("..", "_"),
        (".", "_"),
        ("....", "_"),
        ("/root", "_root"),
        ("\\\\server\\share", "__server_share"),
        ("C:\\Windows", "C__Windows"),
        ("AC/DC", "AC_DC"),
        ('What? <Now> "quoted" a*b|c', "What_ _Now_ _quoted_ a_b_c"),
        ("M.I.A.", "M.I.A"),
        ("Vol. 2 . . ", "Vol. 2"),
        ("  padded  ", "padded"),
        ("-rf", "_rf"),
        ("--help", "_-help"),
        (".hidden", "_hidden"),
        ("Title\x00\x00\x00", "Title"),  # NUL-padded ID3 text
        ("Line\r\nbreak\ttab", "Line break tab"),
        ("del\x7fete", "delete"),
        ("c1\x85\x9fcontrols", "c1controls"),
        ("CON", "CON_"),
        ("con.txt", "con_.txt"),
        ("Con Air", "Con Air"),
        ("~", "~"),
        ("~root/$HOME/${PATH}/%APPDATA%/*.mp3", "~root_$HOME_${PATH}_%APPDATA%__.mp3"),
        ("", ""),
        ("\x00\x01", ""),
        ("bad\udcffbyte", "bad\ufffdbyte"),  # surrogate-escaped junk is never written
    ],
)
def test_value_hostile(value: str, expected: str) -> None:
    assert sanitize_value(value, DEFAULT_REPLACEMENTS) == expected


@pytest.mark.parametrize("ch", CONTROLS, ids=lambda c: f"0x{ord(c):02x}")
def test_every_control_character(ch: str) -> None:
    value = sanitize_value(f"a{ch}b")
    assert value in ("ab", "a b")
    assert value == ("a b" if ch in "\t\n\v\f\r" else "ab")
    assert sanitize_component(f"{ch}{ch}") == "_"
    assert sanitize_component(f"a{ch}b", build_replacements({})) == "ab"  # even with no table


def test_separators_in_a_value_never_make_folders(dest: bytes) -> None:
    values = {"artist": "../../etc", "album": "/root", "title": "a/b\\c"}
    clean = {k: sanitize_value(v) for k, v in values.items()}
    path = build_destination(dest, f"{clean['artist']}/{clean['album']}/{clean['title']}", "mp3")
    assert path == dest + b"/_._.._etc/_root/a_b_c.mp3"


# -- components --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("component", "expected"),
    [
        ("..", "_"),
        (".", "_"),
        ("", "_"),
        ("   ", "_"),
        ("...", "_"),
        ("name. . .", "name"),
        ("trailing ", "trailing"),
        ("CON", "CON_"),
        ("con.txt", "con_.txt"),
        ("LPT9", "LPT9_"),
        ("Aux", "Aux_"),
        ("nul.tar.gz", "nul_.tar.gz"),
        ("COM1 .txt", "COM1_ .txt"),
        ("com¹", "com¹_"),
        ("LPT10", "LPT10"),
        ("CONSOLE", "CONSOLE"),
        ("prn_", "prn_"),
    ],
)
def test_component(component: str, expected: str) -> None:
    assert sanitize_component(component) == expected


@pytest.mark.parametrize("name", ["CON", "con", "Aux", "LPT9", "nul", "COM3"])
def test_reserved_names_with_an_extension(name: str, dest: bytes) -> None:
    assert sanitize_component(name, keep_ext="flac") == f"{name}_.flac"
    assert build_destination(dest, f"{name}/{name}", "TXT") == (
        dest + f"/{name}_/{name}_.txt".encode()
    )


def test_hard_rules_hold_with_an_empty_table() -> None:
    none = build_replacements({})
    assert sanitize_value("a/b\\c\x00", none) == "a_b_c"
    for bad, fixed in [("..", "_"), (".", "_"), ("", "_"), ("CON", "CON_"), ("x. ", "x")]:
        assert sanitize_component(bad, none) == fixed
    # what the table decides is left alone
    assert sanitize_component('-a:b?"', none) == '-a:b?"'


# -- Unicode -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("composed", "decomposed"),
    [
        ("Beyoncé", "Beyonce\u0301"),
        ("Ångström", "A\u030angstro\u0308m"),
        ("한국어", unicodedata.normalize("NFD", "한국어")),
        ("Ệ", "E\u0323\u0302"),
    ],
)
def test_nfc_and_nfd_input_give_the_same_output(composed: str, decomposed: str) -> None:
    assert composed != decomposed
    for form in ("NFC", "NFD"):
        want = unicodedata.normalize(form, composed)
        assert sanitize_value(composed, normalization=form) == want
        assert sanitize_value(decomposed, normalization=form) == want
        assert sanitize_component(decomposed, normalization=form) == want


def test_normalization_setting() -> None:
    assert check_normalization("nfd") == "NFD"
    assert check_normalization("none") == "none"
    assert sanitize_value("Beyonce\u0301", normalization="none") == "Beyonce\u0301"
    assert sanitize_value("Beyoncé", normalization="none") == "Beyoncé"
    with pytest.raises(ConfigError, match="NFX"):
        check_normalization("NFX")
    with pytest.raises(ConfigError):
        sanitize_value("x", normalization="latin-1")
    # compatibility forms may turn a fullwidth solidus into `/`: still no separator
    assert sanitize_value("a\uff0fb", normalization="NFKC") == "a_b"


@pytest.mark.parametrize(
    ("value", "cluster"),
    [
        (FAMILY * 20, FAMILY),
        (FLAG * 40, FLAG),
        (THUMB * 40, THUMB),
        ("e\u0301" * 200, "é"),
        ("\U0001f600" * 100, "\U0001f600"),
        ("日本語" * 100, "日"),
    ],
)
def test_truncation_keeps_whole_clusters(value: str, cluster: str) -> None:
    out = sanitize_component(value)
    raw = out.encode("utf-8")
    assert len(raw) <= 255
    assert raw.decode("utf-8") == out
    clusters = regex.findall(r"\X", out)
    assert all(c in regex.findall(r"\X", unicodedata.normalize("NFC", value)) for c in clusters)
    # nothing more would fit
    assert len(raw) + len(unicodedata.normalize("NFC", cluster).encode()) > 255


@pytest.mark.parametrize("max_bytes", [1, 2, 3, 4, 5, 7, 16, 100, 254, 255])
def test_byte_limit_is_exact(max_bytes: int) -> None:
    assert len(sanitize_component("x" * 10_000, max_bytes=max_bytes).encode()) == max_bytes
    assert len(sanitize_component("é" * 10_000, max_bytes=max_bytes).encode()) == (
        max_bytes - max_bytes % 2 if max_bytes >= 2 else 1  # `_` when nothing fits
    )
    assert len(sanitize_component(FAMILY * 400, max_bytes=max_bytes).encode()) <= max_bytes


def test_boundary_between_fitting_and_not() -> None:
    assert sanitize_component("a" * 253 + "é") == "a" * 253 + "é"  # exactly 255 bytes
    assert sanitize_component("a" * 254 + "é") == "a" * 254
    assert sanitize_component("a" * 254 + FLAG) == "a" * 254  # never half a flag


def test_a_single_huge_cluster_is_cut_between_code_points() -> None:
    zalgo = "a" + "\u0301\u0316" * 300
    out = truncate_utf8(zalgo, 255)
    assert out and len(out.encode()) <= 255 and zalgo.startswith(out)
    assert len(sanitize_component(zalgo).encode()) <= 255


def test_cut_lands_after_a_dot_or_space() -> None:
    assert sanitize_component("a" * 254 + ". b") == "a" * 254
    assert sanitize_component("CON" + " " * 300, max_bytes=5) == "CON_"
    assert sanitize_component("LPT1.txt", max_bytes=4) == "_"


# -- extensions and long values ----------------------------------------------------------


@pytest.mark.parametrize(
    ("ext", "expected"),
    [(".FLAC", "flac"), ("mp3", "mp3"), ("m p3!", "mp3"), ("../x", "x"), ("x" * 40, "x" * 16)],
)
def test_extension(ext: str, expected: str) -> None:
    assert sanitize_extension(ext) == expected


def test_long_value_is_cut_before_the_extension(dest: bytes) -> None:
    name = sanitize_component("t" * 10_000, keep_ext="FLAC")
    assert name == "t" * 250 + ".flac"
    path = build_destination(dest, f"{'a' * 10_000}/{'t' * 10_000}", ".FLAC")
    folder, file = path[len(dest) + 1 :].split(b"/")
    assert folder == b"a" * 255
    assert file == b"t" * 250 + b".flac"
    assert len(os.path.basename(build_destination(dest, FAMILY * 500, "opus"))) <= 255


def test_no_extension(dest: bytes) -> None:
    assert build_destination(dest, "a/b", "") == dest + b"/a/b"
    assert build_destination(dest, "a/b", "...") == dest + b"/a/b"


def test_whole_path_is_kept_under_the_limit(dest: bytes) -> None:
    rendered = "/".join(["short", "m" * 200, "l" * 255, "tiny", "t" * 255])
    path = build_destination(dest, rendered, "flac", path_max=len(dest) + 400)
    assert len(path) < len(dest) + 400
    parts = path[len(dest) + 1 :].split(b"/")
    assert parts[0] == b"short" and parts[3] == b"tiny"  # the longest are cut first
    assert parts[4].endswith(b".flac")
    assert len(parts[1]) == len(parts[2]) == len(parts[4])  # levelled, extension included


def test_default_limit_with_many_long_folders(dest: bytes) -> None:
    path = build_destination(dest, "/".join(["d" * 255] * 30), "mp3")
    assert len(path) < os.pathconf(dest, "PC_PATH_MAX")
    assert path.startswith(dest + b"/") and path.endswith(b".mp3")


@pytest.mark.parametrize("limit", [20, 21, 22, 50])
def test_limit_is_exact_under_the_filesystem_root(limit: int) -> None:
    path = build_destination(b"/", "y" * 300, "", path_max=limit)
    assert path == b"/" + b"y" * (limit - 2)  # the limit counts the terminating NUL


def test_impossible_length_is_a_plan_error(dest: bytes) -> None:
    with pytest.raises(PathTooLong, match="path limit") as info:
        build_destination(dest, "/".join(["x" * 100] * 20), "flac", path_max=len(dest) + 100)
    assert isinstance(info.value, PlanError)
    assert info.value.exit_code == EXIT_USAGE == PathEscape("x").exit_code


# -- whole destinations and containment --------------------------------------------------


@pytest.mark.parametrize(
    ("rendered", "expected"),
    [
        ("../../etc/passwd", b"/_/_/etc/passwd.flac"),
        ("..", b"/_.flac"),
        (".", b"/_.flac"),
        ("..../x", b"/_/x.flac"),
        ("/root", b"/_/root.flac"),
        ("a//b/", b"/a/_/b/_.flac"),
        ("\\\\server\\share", b"/__server_share.flac"),
        ("C:\\Windows\\System32", b"/C__Windows_System32.flac"),
        ("~/$HOME/${USER}", b"/~/$HOME/${USER}.flac"),
        ("*/?", b"/_/_.flac"),
        ("", b"/_.flac"),
    ],
)
def test_destination_stays_inside(dest: bytes, rendered: str, expected: bytes) -> None:
    path = build_destination(dest, rendered, "FLAC")
    assert path == dest + expected
    assert os.path.normpath(path) == path


def test_destination_root_with_non_utf8_bytes(tmp_path: Path) -> None:
    root = os.fsencode(tmp_path) + b"/caf\xe9-\xff"
    os.mkdir(root)
    path = build_destination(root, "Björk/Homogenic", "flac")
    assert path == root + "/Björk/Homogenic.flac".encode()


def test_destination_root_need_not_exist(tmp_path: Path) -> None:
    root = os.fsencode(tmp_path / "new" / "music")
    assert build_destination(root, "a/b", "mp3") == root + b"/a/b.mp3"


def test_symlink_inside_dest_leading_outside_is_refused(tmp_path: Path, dest: bytes) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, os.path.join(dest, b"Artist"))
    with pytest.raises(PathEscape, match="outside"):
        build_destination(dest, "Artist/Album/track", "flac")
    with pytest.raises(PathEscape):
        build_destination(dest, "Artist/track", "flac")
    os.symlink(tmp_path / "nowhere", os.path.join(dest, b"dangling"))
    with pytest.raises(PathEscape):
        build_destination(dest, "dangling/x", "flac")
    (outside / "deep").mkdir()
    os.makedirs(os.path.join(dest, b"real", b"sub"))
    os.symlink(outside / "deep", os.path.join(dest, b"real", b"sub", b"hop"))
    with pytest.raises(PathEscape):
        build_destination(dest, "real/sub/hop/x/y", "flac")
    # a symlink as the file itself: a copy would write through it
    os.symlink(outside / "file.flac", os.path.join(dest, b"leaf.flac"))
    with pytest.raises(PathEscape):
        build_destination(dest, "leaf", "flac")
    assert [p.name for p in outside.iterdir()] == ["deep"]  # nothing was created outside


def test_a_file_on_the_way_is_not_an_escape(dest: bytes) -> None:
    Path(os.fsdecode(dest), "file").write_text("x")
    assert build_destination(dest, "file/x", "mp3") == dest + b"/file/x.mp3"


def test_symlinks_that_stay_inside_are_fine(tmp_path: Path, dest: bytes) -> None:
    os.makedirs(os.path.join(dest, b"Real"))
    os.symlink(os.path.join(dest, b"Real"), os.path.join(dest, b"Alias"))
    assert build_destination(dest, "Alias/x", "mp3") == dest + b"/Alias/x.mp3"
    # DEST itself may be a symlink
    link = os.fsencode(tmp_path / "link-to-dest")
    os.symlink(dest, link)
    assert build_destination(link, "Real/x", "mp3") == link + b"/Real/x.mp3"


@pytest.mark.parametrize(
    "path",
    [b"/etc/passwd", b"{root}", b"{root}/../x", b"{root}/a/../../x", b"{root}x/y", b"rel/x"],
)
def test_ensure_inside_refuses(dest: bytes, path: bytes) -> None:
    with pytest.raises(PathEscape):
        ensure_inside(dest, path.replace(b"{root}", dest))


def test_ensure_inside_normalizes(dest: bytes) -> None:
    assert ensure_inside(dest, dest + b"/a/./b//c") == dest + b"/a/b/c"
    assert ensure_inside(b"/", b"/x") == b"/x"


# -- replacement tables from settings ----------------------------------------------------


def test_custom_table() -> None:
    table = build_replacements({"^(The) (.*)$": r"\2, \1", "[aeiou]": "", r"\s+": "-"})
    assert sanitize_value("The Beatles", table) == "Btls,-Th"
    assert sanitize_value("a/b", table) == "_b"  # separators are replaced anyway
    assert sanitize_component("..", table) == "_"
    pairs = build_replacements([("x", "y"), ("y", "z")])
    assert sanitize_value("x", pairs) == "z"  # applied in order


@pytest.mark.parametrize(
    ("table", "named"),
    [
        ({"[unclosed": "_"}, "[unclosed"),
        ({"(a)": r"\2"}, "(a)"),
        ({"*x": ""}, "*x"),
        ({":": "/"}, ":"),
        ({":": "\x00"}, ":"),
    ],
)
def test_bad_table_is_a_config_error(table: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError) as info:
        build_replacements(table, setting="organize.replace")
    assert named in str(info.value) and "organize.replace" in str(info.value)


def test_no_table_means_the_defaults() -> None:
    assert build_replacements(None) is DEFAULT_REPLACEMENTS


def test_table_entries_must_be_text() -> None:
    with pytest.raises(ConfigError):
        build_replacements({"x": 1})  # type: ignore[arg-type]
    with pytest.raises(ConfigError):
        build_replacements([("x", "y", "z")])  # type: ignore[list-item]


# -- property: random hostile strings ----------------------------------------------------

PIECES = [
    *'/\\.:*?"<>| -_~$%',
    "..",
    "../",
    "/..",
    "CON",
    "lpt1",
    "Aux.",
    *CONTROLS,
    "\x85",
    "\udcff",
    "é",
    "e\u0301",
    "\u0301",
    "\u200d",
    "\ufeff",
    "\uff0f",
    FAMILY,
    FLAG,
    THUMB,
    "한",
    "ᄒ",
    "ᅡ",
    "ß",
    "x" * 120,
    "日本" * 40,
]


def random_text(rng: random.Random) -> str:
    return "".join(rng.choice(PIECES) for _ in range(rng.choice([0, 1, 2, 3, 8, 40, 200])))


@pytest.mark.parametrize("form", ["NFC", "NFD"])
def test_random_hostile_strings(dest: bytes, form: Literal["NFC", "NFD"]) -> None:
    rng = random.Random(20240607)
    for _ in range(1500):
        value = random_text(rng)
        clean = sanitize_value(value, normalization=form)
        assert "/" not in clean and "\\" not in clean and "\x00" not in clean
        assert unicodedata.is_normalized(form, clean)
        budget = rng.choice([255, 255, 64, 9])
        name = sanitize_component(value, normalization=form, max_bytes=budget)
        assert_safe_name(name, budget)
        assert unicodedata.is_normalized(form, name)

        other = sanitize_value(random_text(rng), normalization=form)
        path = build_destination(dest, f"{clean}/{other}", random_text(rng), normalization=form)
        assert path.startswith(dest + b"/")
        assert os.path.normpath(path) == path
        parts = path[len(dest) + 1 :].split(b"/")
        assert len(parts) == 2
        for part in parts:
            assert_safe_name(part.decode("utf-8"))
        raw_path = build_destination(dest, value, "flac", normalization=form)
        assert raw_path.startswith(dest + b"/") and raw_path.endswith(b".flac")
