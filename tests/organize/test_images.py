"""Organizing photos, AI-generated images and their sidecars by date."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from tests.conftest import Shelf
from tests.extract.images import (
    DATE_ORIGINAL,
    MAKE,
    a1111_parameters,
    exif_block,
    jpeg_photo,
    png_image,
)
from tests.media import make_tree


def plan(shelf: Shelf, dest: Path, *args: Any) -> dict[str, str]:
    r = shelf.run("organize", "--into", dest, "--dry-run", "--json", *args)
    assert r.returncode == 0, r.stderr
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    return {
        os.path.basename(o["src"]): os.path.relpath(o["dst"], dest) for o in lines if "action" in o
    }


def test_photos_and_ai_images_by_date_with_sidecars(shelf: Shelf, tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    make_tree(
        lib,
        {
            "camera/DSC01.JPG": jpeg_photo(
                exif=exif_block(ifd0={MAKE: "Canon"}, exif={DATE_ORIGINAL: "2023:04:05 10:11:12"})
            ),
            "camera/DSC01.JPG.xmp": "<x:xmpmeta xmlns:x='adobe:ns:meta/'/>",
            "sd-project/00001-1234.png": png_image(texts={"parameters": a1111_parameters()}),
            "downloads/IMG_20220101_120000.jpg": jpeg_photo(),
        },
    )
    shelf.scan(lib)
    dest = tmp_path / "sorted"
    ops = plan(shelf, dest)
    assert ops["DSC01.JPG"] == "Photos/2023/2023-04-05/DSC01.jpg"
    assert ops["DSC01.JPG.xmp"] == "Photos/2023/2023-04-05/DSC01.jpg.xmp"  # follows its photo
    assert ops["IMG_20220101_120000.jpg"] == "Photos/2022/2022-01-01/IMG_20220101_120000.jpg"
    assert ops["00001-1234.png"].startswith("AI/automatic1111/")
    ops = plan(shelf, dest, "--preset", "ai-dated")
    assert ops["00001-1234.png"].endswith("/sd-project/automatic1111/00001-1234.png")
    assert ops["DSC01.JPG"] == "2023-04-05/camera/camera/DSC01.jpg"
    r = shelf.run("organize", "--into", dest, "--yes", "--preset", "ai-dated")
    assert r.returncode == 0, r.stderr
    assert (dest / "2023-04-05/camera/camera/DSC01.jpg.xmp").exists()


def test_ai_dated_keeps_each_project_folder(shelf: Shelf, tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    png = png_image(texts={"parameters": a1111_parameters()})
    made = make_tree(lib, {"castle/00001.png": png, "forest/00002.png": png + b"\0"})
    for path in made.values():
        os.utime(path, ns=(1_700_000_000 * 10**9, 1_700_000_000 * 10**9))  # the same day
    shelf.scan(lib)
    ops = plan(shelf, tmp_path / "sorted", "--preset", "ai-dated")
    assert ops["00001.png"].split("/")[1] == "castle"
    assert ops["00002.png"].split("/")[1] == "forest"
