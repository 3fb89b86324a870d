"""`shelf scan` over a folder of generated images: the catalog rows carry the image fields."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.conftest import Shelf, read_items
from tests.extract.images import (
    DATE_ORIGINAL,
    GPS_LAT,
    GPS_LAT_REF,
    GPS_LON,
    GPS_LON_REF,
    MAKE,
    MODEL,
    a1111_parameters,
    comfyui_prompt,
    dms,
    exif_block,
    jpeg_photo,
    pattern,
    png_image,
    webp_image,
)


def test_scan_catalogues_image_fields(shelf: Shelf, tmp_path: Path) -> None:
    lib = tmp_path / "photos"
    (lib / "2023").mkdir(parents=True)
    exif = exif_block(
        ifd0={MAKE: "FUJIFILM", MODEL: "X-T4"},
        exif={DATE_ORIGINAL: "2023:04:05 10:11:12"},
        gps={GPS_LAT_REF: "N", GPS_LAT: dms(45.5), GPS_LON_REF: "W", GPS_LON: dms(73.25)},
    )
    (lib / "2023" / "DSCF0001.jpg").write_bytes(jpeg_photo(pattern((400, 300)), exif=exif))
    (lib / "2023" / "DSCF0001.xmp").write_text("<x:xmpmeta/>")
    (lib / "gen.png").write_bytes(png_image(texts={"parameters": a1111_parameters()}))
    (lib / "comfy.png").write_bytes(png_image(texts={"prompt": json.dumps(comfyui_prompt())}))
    (lib / "IMG_20220102_030405.webp").write_bytes(webp_image())
    (lib / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 cut")
    (lib / "meta.json").write_text("{}")

    summary = shelf.scan(lib, expect=1)  # broken.jpg is a per-file failure
    assert [os.path.basename(f["path"]) for f in summary["failures"]] == ["broken.jpg"]
    rows = {
        os.path.relpath(p, os.fsencode(lib)).decode(): r for p, r in read_items(shelf.db).items()
    }

    photo = rows["2023/DSCF0001.jpg"]
    assert (photo["kind"], photo["format"], photo["width"], photo["height"]) == (
        "image",
        "jpeg",
        400,
        300,
    )
    assert (photo["make"], photo["model"]) == ("FUJIFILM", "X-T4")
    assert (photo["taken"], photo["taken_source"]) == ("2023-04-05T10:11:12", "exif")
    assert abs(photo["gps_lat"] - 45.5) < 1e-5 and abs(photo["gps_lon"] + 73.25) < 1e-5
    assert len(photo["phash"]) == 16
    assert photo["ai_tool"] is None

    gen = rows["gen.png"]
    assert (gen["ai_tool"], gen["seed"], gen["steps"], gen["cfg_scale"]) == (
        "automatic1111",
        1234567890,
        28,
        6.5,
    )
    assert json.loads(gen["loras"]) == ["film_grain"]
    assert "ai_raw" in json.loads(gen["extra"])

    comfy = rows["comfy.png"]
    assert (comfy["ai_tool"], comfy["ai_model"], comfy["prompt"]) == (
        "comfyui",
        "juggernautXL_v9",
        "a red fox in the snow",
    )

    webp = rows["IMG_20220102_030405.webp"]
    assert (webp["format"], webp["taken"], webp["taken_source"]) == (
        "webp",
        "2022-01-02T03:04:05",
        "filename",
    )

    assert rows["broken.jpg"]["kind"] == "image" and rows["broken.jpg"]["error"].startswith(
        "corrupt"
    )
    assert rows["2023/DSCF0001.xmp"]["kind"] == "other"
    assert rows["meta.json"]["kind"] == "other"
    assert rows["meta.json"]["format"] == "json"
