"""A real server process and Debian's Chromium driven by Playwright, for the page tests.

Browser downloads do not work here: Playwright drives the system's Chromium through
`executable_path`.  Without it the tests are skipped, except under CI, where they fail.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.conftest import Shelf

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]


def chromium_path() -> str:
    path = "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None
    path = path or shutil.which("chromium")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed, and CI must run the browser tests")
        pytest.skip("chromium is not installed (Debian: apt-get install chromium)")
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield b
        b.close()


@dataclass
class Server:
    """`shelf serve` as a real process; what it wrote to stderr is kept."""

    proc: subprocess.Popen[bytes]
    url: str
    log: list[str] = field(default_factory=list)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def serve(shelf: Shelf) -> Iterator[Any]:
    servers: list[Server] = []

    def start(db: Path, **env: str) -> Server:
        shelf.db = db
        shelf.env = {**shelf.env, **env}
        proc = shelf.popen("serve", "--port", "0")
        assert proc.stderr is not None
        first = proc.stderr.readline().decode()
        assert " at http://" in first, first
        server = Server(proc, first.split(" at ", 1)[1].split()[0].rstrip("/"))

        def drain() -> None:  # keep its stderr pipe from filling up
            assert proc.stderr is not None
            for line in proc.stderr:
                server.log.append(line.decode(errors="replace"))

        threading.Thread(target=drain, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
        assert not any("Traceback" in line for line in server.log), "".join(server.log)


def shot(page: Any, folder: Path, name: str) -> Image.Image:
    """A screenshot kept under the test's folder, as an image to read pixels from."""
    folder.mkdir(parents=True, exist_ok=True)
    data = page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    return Image.open(io.BytesIO(data)).convert("RGB")


def centre(image: Image.Image, box: dict[str, float]) -> tuple[int, int, int]:
    """The colour at the centre of an element's box (page coordinates, scale 1)."""
    x, y = int(box["x"] + box["width"] / 2), int(box["y"] + box["height"] / 2)
    return image.getpixel((x, y))  # type: ignore[return-value]


def near(a: tuple[int, ...], b: tuple[int, ...], tolerance: int = 30) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=True))
