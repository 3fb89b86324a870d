"""The HTML report: self-contained, escaped, and its charts really render in Chromium.

One page is rendered once per module in headless Chromium (a screenshot and the
DOM in one run) and shared by the checks.  Each chart has its own fill colour, so the
screenshot's pixels of that colour are the chart's bars or area: their count must
match the geometry the page asked for.  Without Chromium the rendering checks are
skipped, except under CI (`CI` set), where they fail.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from mediashelf.catalog import open_catalog
from mediashelf.stats import compute_stats
from mediashelf.stats.report import COLORS, render_html
from tests.test_stats import ITEMS, JAN, build

HOSTILE_ARTIST = "<script>alert(1)</script>"
HOSTILE_GENRE = '</svg><img src=x onerror="alert(2)">'
TITLE = "Library <b>report</b> & co"
QUERY = 'artist:"<i>" year:>1990'
#: the class of each chart's filled shapes, by colour name
SHAPES = {
    "formats": "bar-formats",
    "bitrates": "bar-bitrates",
    "years": "bar-years",
    "tags": "bar-tags",
    "growth": "area-growth",
}


def chromium() -> str:
    path = "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None
    path = path or shutil.which("chromium")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed, and CI must run the HTML report test")
        pytest.skip("chromium is not installed (Debian: apt-get install chromium)")
    return path


@dataclass(frozen=True)
class Rendered:
    page: str
    dom: str
    pixels: dict[tuple[int, int, int], int]  # colour -> pixel count in the screenshot


def items_with_hostile_text() -> list[tuple[bytes, str, str | None, int, int, dict[str, Any]]]:
    return [
        *ITEMS,
        (b"/m/H/1.mp3", "audio", "mp3", 700, JAN, {
            "title": "h", "artist": HOSTILE_ARTIST, "album": "A & B", "genre": HOSTILE_GENRE,
            "year": 1987, "duration": 10.0, "bitrate": 256, "codec": "mp3", "lossless": False}),
    ]  # fmt: skip


@pytest.fixture(scope="module")
def page_stats(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    cat = open_catalog(tmp_path_factory.mktemp("catalog") / "cat.db")
    try:
        build(cat, items_with_hostile_text())
        return compute_stats(cat)
    finally:
        cat.close()


@pytest.fixture(scope="module")
def page(page_stats: dict[str, Any]) -> str:
    return render_html(page_stats, TITLE, QUERY)


@pytest.fixture(scope="module")
def rendered(page: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rendered]:
    from PIL import Image

    exe = chromium()
    work = tmp_path_factory.mktemp("chromium")
    html_file, shot = work / "report.html", work / "shot.png"
    html_file.write_text(page, encoding="utf-8")
    run = subprocess.run(
        [
            exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={work / 'profile'}", "--force-device-scale-factor=1",
            "--force-color-profile=srgb", "--hide-scrollbars", "--window-size=1280,1800",
            f"--screenshot={shot}", "--dump-dom", html_file.as_uri(),
        ],
        capture_output=True,
        timeout=120,
    )  # fmt: skip
    assert run.returncode == 0 and shot.exists(), run.stderr.decode(errors="replace")[-2000:]
    with Image.open(shot) as im:
        colors = im.convert("RGB").getcolors(maxcolors=1 << 24)
    assert colors is not None
    yield Rendered(page, run.stdout.decode("utf-8"), {rgb: n for n, rgb in colors})


def rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def shape_area(page: str, css_class: str) -> float:
    """The area the page asks for: its rects of that class, or its polygon (shoelace)."""
    total = 0.0
    for tag in re.findall(rf'<(?:rect|polygon) class="{css_class}"[^>]*>', page):
        if tag.startswith("<rect"):
            width = re.search(r' width="(\d+)"', tag)
            height = re.search(r' height="(\d+)"', tag)
            assert width and height, tag
            total += int(width[1]) * int(height[1])
        else:
            points = re.search(r' points="([^"]+)"', tag)
            assert points, tag
            xy = [tuple(map(float, p.split(","))) for p in points[1].split()]
            total += (
                abs(
                    sum(
                        x0 * y1 - x1 * y0
                        for (x0, y0), (x1, y1) in zip(xy, xy[1:] + xy[:1], strict=True)
                    )
                )
                / 2
            )
    return total


def test_every_chart_renders_as_drawn(rendered: Rendered) -> None:
    assert set(SHAPES) == set(COLORS)
    for name, css_class in SHAPES.items():
        expected = shape_area(rendered.page, css_class)
        assert expected > 500, (name, expected)  # a chart with something to show
        got = rendered.pixels.get(rgb(COLORS[name]), 0)
        # bars are drawn crisp: exactly their area; the area chart loses a little of its
        # top edge under the line drawn over it
        low = 0.9 if name == "growth" else 0.99
        assert low * expected <= got <= 1.01 * expected, (name, got, expected)


def test_page_has_no_script_and_escapes_catalog_text(rendered: Rendered) -> None:
    page, dom = rendered.page, rendered.dom
    assert "<script" not in page.lower() and "<img" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;/svg&gt;&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in page
    assert "<title>Library &lt;b&gt;report&lt;/b&gt; &amp; co</title>" in page
    assert "<code>artist:&quot;&lt;i&gt;&quot; year:&gt;1990</code>" in page
    # as the browser built it: text, not elements
    assert "<script" not in dom.lower() and "<img" not in dom.lower() and "<b>report" not in dom
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
    assert dom.count("<svg") == len(SHAPES)


class _Resources(HTMLParser):
    """Every tag name, every attribute that could load something, and the style text."""

    LOADING = frozenset(
        ("src", "href", "xlink:href", "srcset", "action", "formaction", "poster", "data",
         "background", "manifest", "ping", "icon")
    )  # fmt: skip

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.loads: list[tuple[str, str, str | None]] = []
        self.style = ""
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self._in_style = tag == "style"
        for name, value in attrs:
            if name in self.LOADING or name.startswith("on") or name == "style":
                self.loads.append((tag, name, value))

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.style += data


def test_page_references_no_external_resource(page: str) -> None:
    found = _Resources()
    found.feed(page)
    found.close()
    assert not found.tags & {
        "script", "link", "img", "iframe", "object", "embed", "video", "audio", "source",
        "base", "use", "image", "foreignobject", "meta-refresh", "frame", "track",
    }  # fmt: skip
    # only inline styling may carry attributes of that kind, and none loads anything
    assert all(name == "style" for _, name, _ in found.loads), found.loads
    for tag, _, value in found.loads:
        assert "url(" not in (value or "") and "@import" not in (value or ""), (tag, value)
    assert found.style.strip() and "url(" not in found.style and "@import" not in found.style
    assert not re.search(r"(?i)\b(?:https?|ftp|wss?|file|data):", page)
    assert "http-equiv" not in page.lower()


def test_empty_library_page() -> None:
    empty = {
        "items": 0, "size": 0, "duration": 0.0, "kinds": [], "formats": [], "codecs": [],
        "bitrates": [{"band": b, "items": 0, "size": 0, "duration": 0.0} for b in
                     ("<128", "128-191", "192-255", "256-319", ">=320", "lossless", "unknown")],
        "samplerates": [], "lossless": {"items": 0, "size": 0, "duration": 0.0, "share": None},
        "tags": {"audio_items": 0, "fields": []}, "artists": {"distinct": 0, "top": []},
        "albums": {"distinct": 0, "album_artists": 0}, "genres": {"distinct": 0, "top": []},
        "years": {"distinct": 0, "unknown": 0, "top": [], "all": []}, "growth": [],
        "failures": 0, "missing_items": 0, "last_scan": None, "top_n": 10,
        "damage": {"items": 0, "reasons": [], "verified": 0, "verified_damaged": 0},
    }  # fmt: skip
    html = render_html(empty, "Empty", None)
    assert html.count("no data") == 5  # one per chart
    assert "The whole library" in html and "last scan: never" in html
    assert html.count("Nothing to show.") == 4  # artists, genres, codecs, sample rates


def test_page_from_a_real_empty_catalog(tmp_path: Path) -> None:
    cat = open_catalog(tmp_path / "cat.db")
    try:
        html = render_html(compute_stats(cat), "Empty", "")
    finally:
        cat.close()
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert html.count("<svg") == len(SHAPES)
