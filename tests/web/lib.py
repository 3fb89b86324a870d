"""A small library for the web server's tests, and the server's state over a catalog.

Colours are chosen so a screenshot can tell the art apart: the album's cover file is
red, the picture embedded in one track is blue, the photo is green.
"""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path
from typing import Any

from PIL import Image

from mediashelf.config import load_settings
from mediashelf.thumbs import ThumbCache
from mediashelf.web.scans import ScanJobs
from mediashelf.web.security import Policy
from mediashelf.web.state import CatalogPool, State
from tests.conftest import Target, scan_in_process
from tests.extract.images import a1111_parameters, png_image
from tests.media import write_audio

RED = (220, 30, 30)
BLUE = (30, 60, 220)
GREEN = (40, 170, 60)
HOST = "127.0.0.1"
PORT = 8765
BASE = f"http://{HOST}:{PORT}"
#: tag text that would run if it were not escaped
HOSTILE = (
    "<script>window.__xss = 1</script>",
    '"><img src=x onerror="window.__xss = 2">',
    "javascript:window.__xss = 3",
)


def jpeg_bytes(
    color: tuple[int, int, int], size: tuple[int, int] = (400, 400), **save: Any
) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG", quality=90, **save)
    return out.getvalue()


def embed_cover(path: Path, data: bytes) -> None:
    """Add a front cover picture to an MP3's ID3 tag."""
    from mutagen.id3 import APIC, ID3

    tags = ID3(path)
    tags.add(APIC(encoding=3, mime="image/jpeg", type=3, desc="front", data=data))
    tags.save(path)


def portrait_photo(path: Path) -> None:
    """A landscape 600x300 JPEG whose EXIF says to turn it (orientation 6): upright it is
    300 wide and 600 high.  Its left half is green, its right half white."""
    image = Image.new("RGB", (600, 300), (255, 255, 255))
    image.paste(Image.new("RGB", (300, 300), GREEN), (0, 0))
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x9003] = "2023:04:05 10:11:12"  # DateTimeOriginal, in the Exif IFD for readers
    exif.get_ifd(0x8769)[0x9003] = "2023:04:05 10:11:12"
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, "JPEG", quality=90, exif=exif)


def make_library(root: Path) -> dict[str, Path]:
    """Two albums, a byte copy of one track, a photo, an AI image, a broken file."""
    files = {
        "come": write_audio(root / "Beatles/Abbey Road/01 Come Together.mp3", "mp3",
                            title="Come Together", artist="The Beatles", album="Abbey Road",
                            albumartist="The Beatles", year=1969, genre="Rock", track=1),
        "something": write_audio(root / "Beatles/Abbey Road/02 Something.flac", "flac",
                                 title="Something", artist="The Beatles", album="Abbey Road",
                                 albumartist="The Beatles", year=1969, genre="Rock", track=2),
        "speed": write_audio(root / "Bowie/Low/01 Speed of Life.mp3", "mp3",
                             title="Speed of Life", artist="David Bowie", album="Low",
                             year=1977, genre="Art Rock", track=1),
    }  # fmt: skip
    (root / "Beatles/Abbey Road/cover.jpg").write_bytes(jpeg_bytes(RED))
    embed_cover(files["speed"], jpeg_bytes(BLUE, (300, 300)))
    files["copy"] = root / "Copies/Come Together.mp3"
    files["copy"].parent.mkdir(parents=True)
    shutil.copyfile(files["come"], files["copy"])
    files["photo"] = root / "Photos/IMG_20230405_101112.jpg"
    portrait_photo(files["photo"])
    files["ai"] = root / "AI/00001-123.png"
    files["ai"].parent.mkdir(parents=True)
    files["ai"].write_bytes(png_image(texts={"parameters": a1111_parameters(seed=4242)}))
    files["broken"] = root / "Broken/broken.mp3"
    files["broken"].parent.mkdir(parents=True)
    files["broken"].write_bytes(b"ID3\x04\x00\x00\x00\x00\x00\x10" + b"\x00" * 200)
    return files


def make_hostile_library(root: Path) -> None:
    """Tracks and a folder whose tags and names hold markup and script."""
    for i, text in enumerate(HOSTILE):
        write_audio(root / f"x{i}/{i:02d}.mp3", "mp3", title=text, artist=text, album=text,
                    albumartist=text, genre=text, track=i + 1)  # fmt: skip
    write_audio(root / "<b>bold</b>/'quote\"/t.mp3", "mp3", title="plain", artist=HOSTILE[1])


def scan(db: Target, root: Path) -> Any:
    return scan_in_process(db, [root])


def state(db: Target, cache: Path, *, token: str | None = None, host: str = HOST) -> State:
    settings = load_settings(db=str(db), env={})
    return State(
        settings=settings,
        policy=Policy.for_bind(host, PORT, token),
        thumbs=ThumbCache(cache),
        catalogs=CatalogPool(settings),
        scans=ScanJobs(settings),
    )


def ids_by_name(client: Any) -> dict[str, int]:
    """Item ids by file name, from the API."""
    items = client.get("/api/items", params={"limit": 1000}).json()["items"]
    return {os.path.basename(i["path"]): i["id"] for i in items}
