"""Pages through the ASGI test client: what each shows of the library."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from mediashelf.web.app import create_app
from tests.conftest import ENGINES, Target
from tests.web import lib

Library = tuple[Target, Path, dict[str, Path]]


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    """Every test here runs on both catalog engines."""
    return str(request.param)


def test_photos_are_grouped_by_day_and_ai_images_show_how_they_were_made(
    client: TestClient,
) -> None:
    photos = client.get("/photos").text
    days = re.findall(r"<h2>([^<]+)</h2>", photos)
    assert "2023-04-05" in days  # the photo's EXIF date
    assert len(days) == 2  # and the AI image's day
    assert "automatic1111" in photos  # its badge
    ids = lib.ids_by_name(client)
    page = client.get(f"/items/{ids['00001-123.png']}").text
    ai = page[page.index('id="ai"') :]
    for shown in ("sd_xl_base_1.0", "4242", "film_grain", "a lighthouse at dusk", "blurry"):
        assert shown in ai, shown


def test_artists_genres_and_years_lead_to_their_albums(client: TestClient) -> None:
    years = client.get("/years").text
    assert ">1969</a> <small>3</small>" in years and ">1977</a>" in years
    link = re.search(r'href="(/albums\?q=[^"]+)">The Beatles</a>', client.get("/artists").text)
    assert link is not None
    albums = client.get(link.group(1).replace("&amp;", "&")).text
    assert "Abbey Road" in albums and "Low" not in albums
    assert "Art Rock" in client.get("/genres").text


def test_a_large_group_of_duplicates_is_paged(library: Library, tmp_path: Path) -> None:
    db, root, files = library
    for i in range(130):
        shutil.copyfile(files["photo"], root / "Photos" / f"copy {i:03d}.jpg")
    lib.scan(db, root)
    with TestClient(create_app(lib.state(db, tmp_path / "thumbs")), base_url=lib.BASE) as c:
        page = c.get("/dupes?kind=exact").text
        group = re.search(r'href="(/dupes/group\?kind=exact&amp;id=\d+)">all 131 files', page)
        assert group is not None
        assert page.count('type="radio"') == 12 + 2  # the first dozen, and the other group
        url = group.group(1).replace("&amp;", "&")
        first, second = c.get(url).text, c.get(url + "&page=2").text
        assert first.count('type="radio"') == 100 and second.count('type="radio"') == 31
        assert "page 2 of 2" in second
        api = c.get("/api/dupes", params={"kind": "exact", "limit": 1}).json()
        assert api["total"] == 2 and len(api["groups"]) == 1
        assert len(api["groups"][0]["files"]) == 131  # the largest group first
