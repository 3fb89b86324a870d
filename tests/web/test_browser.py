"""The pages in a real browser: Debian's Chromium, driven by Playwright, against a real
`shelf serve` process.  Each test keeps its screenshots under its pytest folder and
checks pixels in them, not only that the page loaded."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ENGINES
from tests.web import lib
from tests.web.browser import centre, near, shot

Library = tuple[Any, Path, dict[str, Path]]


def _page(browser: Any, server: Any) -> Any:
    """A page whose scripts may run whatever the test evaluates: the Content-Security-
    Policy is bypassed, so the hostile library stays inert by escaping alone."""
    context = browser.new_context(
        viewport={"width": 1200, "height": 900}, base_url=server.url, bypass_csp=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def _ids(page: Any) -> dict[str, int]:
    items = page.request.get("/api/items?limit=1000").json()["items"]
    return {Path(i["path"]).name: i["id"] for i in items}


def test_the_album_grid_shows_thumbnails(
    browser: Any, serve: Any, library: Library, tmp_path: Path
) -> None:
    page = _page(browser, serve(library[0]))
    page.goto("/albums")
    page.wait_for_function(
        "[...document.querySelectorAll('#albums img')].every(i => i.complete && i.naturalWidth > 0)"
    )
    image = shot(page, tmp_path / "screenshots", "albums")
    tiles = {t.inner_text().split("\n")[0]: t for t in page.locator("#albums a.tile").all()}
    assert set(tiles) == {"Abbey Road", "Low"}
    abbey = centre(image, tiles["Abbey Road"].locator("img").bounding_box())
    low = centre(image, tiles["Low"].locator("img").bounding_box())
    assert near(abbey, lib.RED), abbey  # the folder's cover.jpg
    assert near(low, lib.BLUE), low  # the picture embedded in the track
    tiles["Abbey Road"].click()  # the album's own tracks
    page.wait_for_url("**/search?**")
    titles = page.locator("#results .caption").all_inner_texts()
    assert titles == ["Come Together", "Come Together", "Something"], titles  # and the copy


@pytest.mark.parametrize("engine", ENGINES, indirect=True)  # a real server on either catalog
def test_a_search_narrows_the_results_and_a_bad_query_shows_its_error(
    browser: Any, serve: Any, library: Library, tmp_path: Path
) -> None:
    page = _page(browser, serve(library[0]))
    page.goto("/search")
    everything = page.locator("#results tbody tr").count()
    assert everything == 8
    page.fill("input[name=q]", "artist:bowie")
    page.press("input[name=q]", "Enter")
    page.wait_for_url("**/search?q=artist%3Abowie")
    assert page.locator("#results tbody tr").count() == 1
    assert page.locator("#results tbody tr").inner_text().startswith("Speed of Life")
    shot(page, tmp_path / "screenshots", "search")
    page.fill("input[name=q]", "artst:bowie")
    page.press("input[name=q]", "Enter")
    error = page.locator("#query-error")
    error.wait_for()
    assert (
        error.inner_text()
        == "unknown field 'artst' (did you mean artist or artists or mb_artistid?)"
    )
    image = shot(page, tmp_path / "screenshots", "bad-query")
    box = error.bounding_box()
    # the error box's own background, just inside its left edge
    assert near(
        image.getpixel((int(box["x"]) + 3, int(box["y"] + box["height"] / 2))), (254, 243, 242), 6
    )


def test_the_item_page_plays_the_track(
    browser: Any, serve: Any, library: Library, tmp_path: Path
) -> None:
    page = _page(browser, serve(library[0]))
    ids = _ids(page)
    page.goto(f"/items/{ids['01 Speed of Life.mp3']}")
    page.wait_for_function("document.querySelector('img.cover').naturalWidth > 0")
    page.evaluate("document.getElementById('player').play()")
    page.wait_for_function(
        "(() => { const a = document.getElementById('player');"
        " return a.ended || a.currentTime > 0.05; })()"
    )
    assert page.evaluate("document.getElementById('player').error") is None
    image = shot(page, tmp_path / "screenshots", "item")
    assert near(centre(image, page.locator("img.cover").bounding_box()), lib.BLUE)
    assert "Speed of Life" in page.locator("h1").inner_text()


def test_a_group_of_duplicates_is_resolved_then_undone(
    browser: Any, serve: Any, library: Library, tmp_path: Path
) -> None:
    _, _, files = library
    page = _page(browser, serve(library[0]))
    page.goto("/dupes")
    group = page.locator("section.group")
    assert group.count() == 1
    image = shot(page, tmp_path / "screenshots", "dupes")
    best = page.locator("table.dupes tr.best td").first.bounding_box()
    assert near(image.getpixel((int(best["x"]) + 2, int(best["y"]) + 2)), (236, 253, 243), 6)
    page.check("input.pick")
    # the copy with the shorter path is ranked first: keep the album's track instead
    assert "Copies/Come Together.mp3" in page.locator("table.dupes tr.best").inner_text()
    page.locator("table.dupes tr:not(.best) input[type=radio]").check()
    page.select_option("#action", "trash")
    page.click("text=Show the plan")
    page.locator("#plan").wait_for()
    rows = page.locator("#plan tbody tr")
    assert rows.count() == 1
    trashed, kept = rows.locator("td").nth(1).inner_text(), rows.locator("td").nth(2).inner_text()
    assert trashed.endswith("Copies/Come Together.mp3") and kept.endswith("01 Come Together.mp3")
    assert files["copy"].exists()  # the plan alone changes nothing
    shot(page, tmp_path / "screenshots", "plan")
    page.click("#apply")
    page.locator("#outcome").wait_for()
    assert "trash 1" in page.locator("#outcome").inner_text()
    assert not files["copy"].exists() and files["come"].exists()
    page.goto("/history")
    page.click("button.undo")
    page.locator("#outcome").wait_for()
    assert "done" in page.locator("#outcome").inner_text()
    assert files["copy"].exists() and files["come"].exists()
    shot(page, tmp_path / "screenshots", "undone")


def test_a_scan_started_from_the_page_shows_live_progress_then_its_summary(
    browser: Any, serve: Any, library: Library, tmp_path: Path
) -> None:
    _, root, files = library
    new = root / "New"
    new.mkdir()
    for i in range(1000):  # enough files to watch the count go up
        shutil.copyfile(files["something"], new / f"{i:04d}.flac")
    page = _page(browser, serve(library[0], SHELF_PROFILE="low-memory"))
    page.goto("/scans")
    page.click("button.scan-root")
    page.wait_for_url("**/scans/*")
    page.evaluate(
        """window.__seen = [];
        new MutationObserver(() => window.__seen.push([
            document.getElementById('scan-state').textContent,
            document.getElementById('scan-done').textContent,
            document.getElementById('scan-rate').textContent,
        ])).observe(document.getElementById('scan-progress'),
                    {subtree: true, characterData: true, childList: true});"""
    )
    page.locator("#scan-summary").wait_for(state="visible", timeout=60_000)
    seen = page.evaluate("window.__seen")
    running = [s for s in seen if s[0] == "running"]
    assert running, seen
    done = [int(s[1].replace(",", "")) for s in running]
    assert any(0 < d < 1000 for d in done), seen  # counted up while it ran
    assert page.locator("#scan-state").inner_text() == "done"
    summary = page.locator("#summary-table").inner_text()
    assert "added\t1,000" in summary or "added 1,000" in summary, summary
    image = shot(page, tmp_path / "screenshots", "scan")
    bar = page.locator("#scan-bar").bounding_box()
    filled = image.getpixel((int(bar["x"] + bar["width"] * 0.9), int(bar["y"] + bar["height"] / 2)))
    empty_track = (239, 239, 239)
    assert not near(filled, empty_track, 4), filled  # the bar is full at the end


def test_a_library_of_hostile_tags_stays_inert(browser: Any, serve: Any, tmp_path: Path) -> None:
    root = tmp_path / "hostile"
    lib.make_hostile_library(root)
    db = tmp_path / "hostile.db"
    lib.scan(db, root)
    page = _page(browser, serve(db))
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    ids = _ids(page)
    urls = ["/albums", "/artists", "/genres", "/albumartists", "/search", "/search?view=grid",
            f"/folders?path={root}", "/dupes?kind=similar", "/stats", "/photos"]  # fmt: skip
    urls += [f"/items/{i}" for i in ids.values()]
    urls += [f"/search?q={lib.HOSTILE[1]}"]
    for url in urls:
        page.goto(url)
        page.wait_for_load_state("load")
        assert page.evaluate("window.__xss") is None, url
        scripts = page.evaluate("[...document.scripts].map(s => s.src)")
        assert all(s.endswith("/static/app.js") for s in scripts), (url, scripts)
        assert page.locator("[onerror]").count() == 0, url
        assert page.locator("a[href^='javascript:']").count() == 0, url
    page.goto("/search")
    text = page.locator("#results").inner_text()
    for hostile in lib.HOSTILE:
        assert hostile in text  # shown as text, as it is
    shot(page, tmp_path / "screenshots", "hostile")
    assert dialogs == []
