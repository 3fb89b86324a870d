"""The perceptual hash: the same bits as imagehash.phash, cheap previews close to it."""

from __future__ import annotations

import io
import random

import pytest
from PIL import Image, ImageDraw

from mediashelf.extract.image.phash import hash_grey, phash, reduce
from tests.extract.images import pattern, preview_of

imagehash = pytest.importorskip("imagehash")


@pytest.mark.parametrize("seed", range(12))
def test_same_bits_as_imagehash(seed: int) -> None:
    img = pattern((200 + 17 * seed, 150 + 9 * seed), seed=seed)
    assert hash_grey(reduce(img)) == str(imagehash.phash(img))


def _distance(a: str, b: str) -> int:
    return bin(int(a, 16) ^ int(b, 16)).count("1")


def scene(size: tuple[int, int], seed: int) -> Image.Image:
    """Shapes on a gradient: the large structures a perceptual hash is made for."""
    rng = random.Random(seed)
    img = pattern(size, seed=seed, noise=3.0)
    draw = ImageDraw.Draw(img)
    w, h = size
    for _ in range(6):
        x0, y0 = rng.randrange(w), rng.randrange(h)
        box = (x0, y0, x0 + rng.randrange(w // 8, w // 2), y0 + rng.randrange(h // 8, h // 2))
        color = tuple(rng.randrange(256) for _ in range(3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=color)
    return img


def test_orientation_is_applied() -> None:
    img = scene((240, 160), seed=3)
    rotated = img.transpose(Image.Transpose.ROTATE_270)  # what orientation 6 displays
    buf = io.BytesIO()
    img.save(buf, "PNG")
    shown = phash(Image.open(io.BytesIO(buf.getvalue())), 6)
    unrotated = phash(Image.open(io.BytesIO(buf.getvalue())), 1)
    # transposing the 32x32 grey rather than the full image moves a few bits at most
    assert _distance(shown, str(imagehash.phash(rotated))) <= 4
    assert _distance(unrotated, str(imagehash.phash(img))) == 0
    assert _distance(shown, unrotated) > 10


@pytest.mark.parametrize("seed", range(6))
def test_preview_and_reduced_jpeg_decode_stay_close(seed: int) -> None:
    img = scene((1600, 1200), seed=seed)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90)
    full = str(imagehash.phash(img))
    drafted = phash(Image.open(io.BytesIO(buf.getvalue())), None)
    thumb = phash(Image.open(io.BytesIO(preview_of(img))), None)
    assert _distance(full, drafted) <= 6
    assert _distance(full, thumb) <= 6
    other = str(imagehash.phash(scene((1600, 1200), seed=seed + 50)))
    assert _distance(full, other) > 10


@pytest.mark.parametrize("seed", range(6))
def test_reducing_gap_stays_close(seed: int) -> None:
    img = scene((1500, 1000), seed=seed)
    exact = hash_grey(reduce(img))
    assert exact == str(imagehash.phash(img))
    assert _distance(exact, hash_grey(reduce(img, 3.0))) <= 4
