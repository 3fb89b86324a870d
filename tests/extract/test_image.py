"""The image reader on files written by the test: EXIF, dates, sidecars, AI tools, bad input."""

from __future__ import annotations

import json
import os
import struct
from fractions import Fraction
from pathlib import Path

import pytest
from PIL import Image

from mediashelf.errors import Corrupt, MediaError, Unsupported
from mediashelf.extract.image.dates import date_from_name, parse_date
from mediashelf.extract.image.read import ImageInfo, read_image
from tests.extract.images import (
    DATE_DIGITIZED,
    DATE_ORIGINAL,
    DATETIME,
    EXPOSURE,
    FNUMBER,
    FOCAL,
    GPS_ALT,
    GPS_ALT_REF,
    GPS_LAT,
    GPS_LAT_REF,
    GPS_LON,
    GPS_LON_REF,
    ISO,
    LENS_MODEL,
    MAKE,
    MODEL,
    OFFSET_ORIGINAL,
    ORIENTATION,
    SUBSEC_ORIGINAL,
    USER_COMMENT,
    a1111_parameters,
    c2pa_manifest,
    comfyui_prompt,
    comfyui_workflow,
    dms,
    exif_block,
    invokeai_metadata,
    jpeg_app11,
    jpeg_photo,
    novelai_texts,
    pattern,
    png_image,
    webp_image,
)

MTIME_NS = 1_600_000_000 * 10**9


def read(path: Path) -> ImageInfo:
    with path.open("rb") as f:
        head = f.read(16384)
        f.seek(0)
        return read_image(f, os.fsencode(path), path.suffix[1:].lower(), head, MTIME_NS)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# -- photos ------------------------------------------------------------------------------------


def test_camera_exif_fields(tmp_path: Path) -> None:
    exif = exif_block(
        ifd0={MAKE: "Canon", MODEL: "Canon EOS R5\x00junk", ORIENTATION: 6},
        exif={
            DATE_ORIGINAL: "2023:04:05 10:11:12",
            SUBSEC_ORIGINAL: "250",
            OFFSET_ORIGINAL: "+02:00",
            EXPOSURE: Fraction(1, 250),
            FNUMBER: Fraction(28, 10),
            ISO: 400,
            FOCAL: Fraction(50),
            LENS_MODEL: "RF24-105mm F4 L IS USM",
        },
        gps={
            GPS_LAT_REF: "S",
            GPS_LAT: dms(33.865),
            GPS_LON_REF: "W",
            GPS_LON: dms(151.21),
            GPS_ALT_REF: b"\x01",
            GPS_ALT: Fraction(125, 10),
        },
    )
    info = read(write(tmp_path, "photo.jpg", jpeg_photo(pattern((320, 240)), exif=exif)))
    f = info.fields
    assert info.format == "jpeg"
    assert (f["width"], f["height"], f["orientation"]) == (320, 240, 6)
    assert (f["make"], f["model"], f["lens"]) == ("Canon", "Canon EOS R5", "RF24-105mm F4 L IS USM")
    assert f["taken"] == "2023-04-05T10:11:12.250+02:00"
    assert f["taken_source"] == "exif"
    assert f["exposure"] == pytest.approx(0.004)
    assert (f["fnumber"], f["iso"], f["focal_length"]) == (2.8, 400, 50.0)
    assert f["gps_lat"] == pytest.approx(-33.865, abs=1e-5)
    assert f["gps_lon"] == pytest.approx(-151.21, abs=1e-5)
    assert f["gps_alt"] == -12.5
    assert isinstance(f["phash"], str) and len(f["phash"]) == 16
    assert "ai_tool" not in f


@pytest.mark.parametrize(
    ("exif", "taken", "source"),
    [
        ({DATE_DIGITIZED: "2021:01:02 03:04:05"}, "2021-01-02T03:04:05", "exif-digitized"),
        (
            {DATE_ORIGINAL: "0000:00:00 00:00:00", DATE_DIGITIZED: "2021:01:02 03:04:05"},
            "2021-01-02T03:04:05",
            "exif-digitized",
        ),
        ({DATE_ORIGINAL: "2021:13:40 25:61:00"}, "2019-05-06T07:08:09", "exif-datetime"),
    ],
)
def test_date_fallbacks(tmp_path: Path, exif: dict[int, str], taken: str, source: str) -> None:
    block = exif_block(ifd0={DATETIME: "2019:05:06 07:08:09"}, exif=exif)
    info = read(write(tmp_path, "a.jpg", jpeg_photo(exif=block)))
    assert (info.fields["taken"], info.fields["taken_source"]) == (taken, source)


XMP = (
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    '<rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:exif="http://ns.adobe.com/exif/1.0/" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmp:CreateDate="2018-07-08T09:10:11+01:00" '
    'exif:GPSLatitude="48,51.5N" exif:GPSLongitude="2,21.0E">'
    '<dc:description><rdf:Alt><rdf:li xml:lang="x-default">Paris &amp; friends</rdf:li></rdf:Alt></dc:description>'
    "</rdf:Description></rdf:RDF></x:xmpmeta>"
)


def test_embedded_xmp(tmp_path: Path) -> None:
    info = read(write(tmp_path, "x.jpg", jpeg_photo(xmp=XMP)))
    f = info.fields
    assert (f["taken"], f["taken_source"]) == ("2018-07-08T09:10:11+01:00", "xmp")
    assert f["description"] == "Paris & friends"
    assert f["gps_lat"] == pytest.approx(48.858333, abs=1e-5)
    assert f["gps_lon"] == pytest.approx(2.35, abs=1e-5)


@pytest.mark.parametrize(
    ("name", "taken"),
    [
        ("IMG_20230405_101112.jpg", "2023-04-05T10:11:12"),
        ("PXL_20230405_101112345.jpg", "2023-04-05T10:11:12.345"),
        ("IMG-20230405-WA0001.jpg", "2023-04-05"),
        ("Screenshot_20230405-101112.png", "2023-04-05T10:11:12"),
        ("Screenshot 2023-04-05 at 10.11.12.png", "2023-04-05T10:11:12"),
        ("20230405_101112.jpg", "2023-04-05T10:11:12"),
    ],
)
def test_file_name_dates(tmp_path: Path, name: str, taken: str) -> None:
    assert date_from_name(name) == taken
    data = png_image() if name.endswith(".png") else jpeg_photo()
    info = read(write(tmp_path, name, data))
    assert (info.fields["taken"], info.fields["taken_source"]) == (taken, "filename")


def test_mtime_is_the_last_resort(tmp_path: Path) -> None:
    info = read(write(tmp_path, "plain.png", png_image()))
    assert info.fields["taken_source"] == "mtime"
    assert str(info.fields["taken"]).startswith("2020-09-1")


def test_bogus_dates_are_skipped() -> None:
    assert parse_date("0000:00:00 00:00:00") is None
    assert parse_date("2023:02:30 10:00:00") is None
    assert parse_date("9999:01:01 00:00:00") is None
    assert parse_date("    :  :     :  :  ") is None
    assert parse_date("2023:04:05 10:11:12", "5", "-07:00") == "2023-04-05T10:11:12.5-07:00"
    assert date_from_name("IMG_20231345_101112.jpg") is None


def test_xmp_sidecar_and_takeout_json(tmp_path: Path) -> None:
    photo = write(tmp_path, "holiday.jpg", jpeg_photo())
    (tmp_path / "holiday.xmp").write_text(XMP.replace("xmp:CreateDate", "photoshop:DateCreated"))
    info = read(photo)
    assert (info.fields["taken"], info.fields["taken_source"]) == (
        "2018-07-08T09:10:11+01:00",
        "sidecar",
    )
    assert info.fields["description"] == "Paris & friends"
    assert info.extra["sidecars"] == ["holiday.xmp"]

    other = write(tmp_path, "beach.jpg", jpeg_photo())
    takeout = {
        "title": "beach.jpg",
        "description": "sunset",
        "photoTakenTime": {"timestamp": "1680689472", "formatted": "Apr 5, 2023"},
        "geoData": {"latitude": 43.7, "longitude": 7.27, "altitude": 12.0},
    }
    (tmp_path / "beach.jpg.supplemental-metadata.json").write_text(json.dumps(takeout))
    f = read(other).fields
    assert (f["taken"], f["taken_source"]) == ("2023-04-05T10:11:12+00:00", "sidecar")
    assert (f["gps_lat"], f["gps_lon"], f["gps_alt"], f["description"]) == (
        43.7,
        7.27,
        12.0,
        "sunset",
    )


def test_exif_date_beats_sidecar(tmp_path: Path) -> None:
    block = exif_block(exif={DATE_ORIGINAL: "2020:01:01 00:00:01"})
    photo = write(tmp_path, "a.jpg", jpeg_photo(exif=block))
    (tmp_path / "a.jpg.json").write_text(
        json.dumps({"photoTakenTime": {"timestamp": "1680689472"}})
    )
    assert read(photo).fields["taken_source"] == "exif"


def test_broken_sidecar_is_a_warning(tmp_path: Path) -> None:
    photo = write(tmp_path, "a.jpg", jpeg_photo())
    (tmp_path / "a.jpg.json").write_text("{not json")
    info = read(photo)
    assert any("bad JSON" in w for w in info.extra["_warnings"])  # type: ignore[union-attr]


# -- AI tools ------------------------------------------------------------------------------------


def test_automatic1111_png(tmp_path: Path) -> None:
    info = read(write(tmp_path, "00001.png", png_image(texts={"parameters": a1111_parameters()})))
    f = info.fields
    assert f["ai_tool"] == "automatic1111"
    assert f["prompt"] == "a lighthouse at dusk, <lora:film_grain:0.6> oil painting"
    assert f["negative_prompt"] == "blurry, lowres"
    assert (f["steps"], f["sampler"], f["cfg_scale"], f["seed"]) == (
        28,
        "DPM++ 2M",
        6.5,
        1234567890,
    )
    assert (f["ai_model"], f["ai_model_hash"]) == ("sd_xl_base_1.0", "31e35c80fc")
    assert f["loras"] == ["film_grain"]
    assert info.extra["ai_scheduler"] == "Karras"
    assert "Steps: 28" in info.extra["ai_raw"]["parameters"]  # type: ignore[index]


def test_forge_version(tmp_path: Path) -> None:
    params = a1111_parameters(version="f2.0.1v1.10.1-previous-313-g8a042934")
    info = read(write(tmp_path, "f.png", png_image(texts={"parameters": params})))
    assert info.fields["ai_tool"] == "forge"


@pytest.mark.parametrize("encoding", ["utf-16-be", "utf-16-le", "ascii"])
def test_a1111_user_comment_in_jpeg(tmp_path: Path, encoding: str) -> None:
    text = a1111_parameters(prompt="ein Schloß am See")
    if encoding == "ascii":
        comment = b"ASCII\x00\x00\x00" + text.encode("ascii", "replace")
    else:
        comment = b"UNICODE\x00" + text.encode(encoding)
    block = exif_block(exif={USER_COMMENT: comment})
    info = read(write(tmp_path, "gen.jpg", jpeg_photo(exif=block)))
    assert info.fields["ai_tool"] == "automatic1111"
    assert info.fields["seed"] == 1234567890
    if encoding != "ascii":
        assert info.fields["prompt"] == "ein Schloß am See"


def test_a1111_user_comment_in_webp(tmp_path: Path) -> None:
    block = exif_block(exif={USER_COMMENT: b"UNICODE\x00" + a1111_parameters().encode("utf-16-be")})
    info = read(write(tmp_path, "gen.webp", webp_image(exif=block)))
    assert info.format == "webp"
    assert info.fields["ai_tool"] == "automatic1111"
    assert info.fields["steps"] == 28


def test_comfyui_prompt_graph(tmp_path: Path) -> None:
    texts = {"prompt": json.dumps(comfyui_prompt()), "workflow": json.dumps(comfyui_workflow())}
    info = read(write(tmp_path, "ComfyUI_00001_.png", png_image(texts=texts)))
    f = info.fields
    assert f["ai_tool"] == "comfyui"
    assert f["ai_model"] == "juggernautXL_v9"
    assert f["prompt"] == "a red fox in the snow"  # through ConditioningCombine and a string node
    assert f["negative_prompt"] == "text, watermark"
    assert (f["seed"], f["steps"], f["cfg_scale"], f["sampler"]) == (987654321, 30, 7.0, "dpmpp_2m")
    assert f["loras"] == ["watercolor", "detail_tweaker"]


def test_comfyui_workflow_only(tmp_path: Path) -> None:
    texts = {"workflow": json.dumps(comfyui_workflow())}
    f = read(write(tmp_path, "w.png", png_image(texts=texts))).fields
    assert (f["ai_tool"], f["ai_model"], f["prompt"], f["negative_prompt"]) == (
        "comfyui",
        "dreamshaper_8",
        "a castle on a hill",
        "ugly",
    )
    assert (f["seed"], f["steps"], f["cfg_scale"], f["sampler"]) == (42, 25, 5.5, "euler")


def test_comfyui_huge_seed_goes_to_extra(tmp_path: Path) -> None:
    texts = {"prompt": json.dumps(comfyui_prompt(seed=2**64 - 1))}
    info = read(write(tmp_path, "s.png", png_image(texts=texts)))
    assert "seed" not in info.fields
    assert info.extra["ai_seed"] == str(2**64 - 1)


def test_comfyui_cyclic_and_malformed_graphs(tmp_path: Path) -> None:
    cyclic = {
        "1": {
            "class_type": "KSampler",
            "inputs": {"seed": 5, "model": ["2", 0], "positive": ["3", 0]},
        },
        "2": {
            "class_type": "LoraLoader",
            "inputs": {"lora_name": "a.safetensors", "model": ["2", 0]},
        },
        "3": {"class_type": "ConditioningCombine", "inputs": {"conditioning_1": ["3", 0]}},
    }
    f = read(write(tmp_path, "c.png", png_image(texts={"prompt": json.dumps(cyclic)}))).fields
    assert (f["ai_tool"], f["seed"], f["loras"]) == ("comfyui", 5, ["a"])
    info = read(write(tmp_path, "m.png", png_image(texts={"prompt": "{broken", "workflow": "[1,"})))
    assert info.fields["ai_tool"] == "comfyui"
    assert any("malformed JSON" in w for w in info.extra["_warnings"])  # type: ignore[union-attr]


def test_invokeai(tmp_path: Path) -> None:
    f = read(
        write(tmp_path, "i.png", png_image(texts={"invokeai_metadata": invokeai_metadata()}))
    ).fields
    assert (f["ai_tool"], f["prompt"], f["negative_prompt"]) == (
        "invokeai",
        "a misty forest",
        "people",
    )
    assert (f["seed"], f["steps"], f["cfg_scale"], f["sampler"]) == (
        3141592653,
        30,
        7.5,
        "dpmpp_2m_k",
    )
    assert (f["ai_model"], f["ai_model_hash"], f["loras"]) == (
        "juggernaut-xl",
        "blake3:abcdef",
        ["add-detail"],
    )


def test_invokeai_legacy(tmp_path: Path) -> None:
    legacy = {
        "model_weights": "stable-diffusion-1.5",
        "model_hash": "cc6cb27103",
        "image": {
            "prompt": [{"prompt": "a cat [dog, blurry]", "weight": 1}],
            "steps": 50,
            "cfg_scale": 7.5,
            "seed": 42,
            "sampler": "k_lms",
        },
    }
    f = read(write(tmp_path, "l.png", png_image(texts={"sd-metadata": json.dumps(legacy)}))).fields
    assert (f["ai_tool"], f["prompt"], f["negative_prompt"], f["seed"]) == (
        "invokeai",
        "a cat",
        "dog, blurry",
        42,
    )
    dream = '"a dog [cat]" -s 40 -S 77 -W 512 -H 512 -C 8.0 -A k_euler'
    f = read(write(tmp_path, "d.png", png_image(texts={"Dream": dream}))).fields
    assert (
        f["prompt"],
        f["negative_prompt"],
        f["steps"],
        f["seed"],
        f["cfg_scale"],
        f["sampler"],
    ) == ("a dog", "cat", 40, 77, 8.0, "k_euler")


def test_novelai(tmp_path: Path) -> None:
    f = read(write(tmp_path, "n.png", png_image(texts=novelai_texts()))).fields
    assert (f["ai_tool"], f["prompt"], f["negative_prompt"]) == (
        "novelai",
        "1girl, cherry blossoms",
        "lowres, bad anatomy",
    )
    assert (f["seed"], f["steps"], f["cfg_scale"], f["sampler"]) == (
        2718281,
        28,
        5.0,
        "k_euler_ancestral",
    )
    assert (f["ai_model"], f["ai_model_hash"]) == ("NovelAI Diffusion V3", "C1E7DB6")


def test_midjourney_text_and_file_name(tmp_path: Path) -> None:
    texts = {
        "Description": "a koi pond, ukiyo-e --ar 3:2 --v 6.1 --seed 1234 Job ID: 0b2c7e1a-1111-2222-3333-444455556666",
        "Author": "someone",
    }
    info = read(write(tmp_path, "m.png", png_image(texts=texts)))
    f = info.fields
    assert (f["ai_tool"], f["ai_model"], f["seed"]) == ("midjourney", "v6.1", 1234)
    assert f["prompt"] == "a koi pond, ukiyo-e --ar 3:2 --v 6.1 --seed 1234"
    assert info.extra["ai_job_id"] == "0b2c7e1a-1111-2222-3333-444455556666"
    name = "jdoe_a_koi_pond_in_spring_0b2c7e1a-1111-2222-3333-444455556666.png"
    info = read(write(tmp_path, name, png_image()))
    assert (info.fields["ai_tool"], info.fields["prompt"]) == ("midjourney", "a koi pond in spring")


def test_dalle_file_name(tmp_path: Path) -> None:
    name = "DALL·E 2024-01-01 10.11.12 - An astronaut riding a horse.png"
    f = read(write(tmp_path, name, png_image())).fields
    assert (f["ai_tool"], f["prompt"]) == ("dall-e", "An astronaut riding a horse")
    assert (f["taken"], f["taken_source"]) == ("2024-01-01T10:11:12", "filename")


def test_c2pa_in_png_and_jpeg(tmp_path: Path) -> None:
    manifest = c2pa_manifest("ChatGPT")
    info = read(write(tmp_path, "a.png", png_image(chunks=[(b"caBX", manifest)])))
    assert info.extra["c2pa"] == {"claim_generator": "ChatGPT"}
    assert info.fields["ai_tool"] == "chatgpt"
    photo = jpeg_photo(app11=[jpeg_app11(c2pa_manifest("Adobe_Firefly/1.0"))])
    info = read(write(tmp_path, "b.jpg", photo))
    assert info.fields["ai_tool"] == "firefly"
    plain = read(
        write(
            tmp_path, "c.jpg", jpeg_photo(app11=[jpeg_app11(c2pa_manifest("Adobe Photoshop 25.0"))])
        )
    )
    assert plain.extra["c2pa"] == {"claim_generator": "Adobe Photoshop 25.0"}
    assert "ai_tool" not in plain.fields


# -- formats and bad input ---------------------------------------------------------------------


def test_heic(tmp_path: Path) -> None:
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    path = tmp_path / "IMG_0001.heic"
    exif = Image.Exif()
    exif[MAKE] = "Apple"
    try:
        pattern((128, 96)).save(path, "HEIF", exif=exif.tobytes())
    except Exception as e:  # no HEVC encoder in this build
        pytest.skip(f"cannot write HEIC: {e}")
    info = read(path)
    assert (info.format, info.fields["width"], info.fields["make"]) == ("heic", 128, "Apple")


def test_truncated_files_give_partial_metadata(tmp_path: Path) -> None:
    block = exif_block(ifd0={MAKE: "Nikon"})
    data = jpeg_photo(pattern((640, 480)), exif=block)
    info = read(write(tmp_path, "t.jpg", data[: len(data) // 2]))
    assert info.fields["make"] == "Nikon"
    assert "phash" not in info.fields
    assert any("pixel data" in w for w in info.extra["_warnings"])  # type: ignore[union-attr]
    png = png_image(pattern((256, 256)), texts={"parameters": a1111_parameters()})
    info = read(write(tmp_path, "t.png", png[: len(png) // 2]))
    assert info.fields["ai_tool"] == "automatic1111"


@pytest.mark.parametrize("cut", [0, 1, 2, 10, 30, 100])
def test_cut_headers_are_clean_errors(tmp_path: Path, cut: int) -> None:
    for name, data in (
        ("a.jpg", jpeg_photo(exif=exif_block(ifd0={MAKE: "X"}))),
        ("a.png", png_image()),
    ):
        path = write(tmp_path, name, data[:cut])
        try:
            read(path)
        except MediaError as e:
            assert isinstance(e, Corrupt | Unsupported) and e.message


def test_not_an_image(tmp_path: Path) -> None:
    with pytest.raises(Unsupported):
        read(write(tmp_path, "x.jpg", b"hello world, not an image at all" * 10))
    with pytest.raises(Corrupt):
        read(write(tmp_path, "y.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40))


def test_bogus_exif(tmp_path: Path) -> None:
    block = exif_block(
        ifd0={MAKE: "Bogus", ORIENTATION: 99},
        exif={DATE_ORIGINAL: "0000:00:00 00:00:00"},
        gps={
            GPS_LAT_REF: "N",
            GPS_LAT: [Fraction(0)] * 3,
            GPS_LON_REF: "E",
            GPS_LON: [Fraction(0)] * 3,
        },
        raw_entries=[(0x9999, 4, 0x3FFFFFFF, 0x7FFFFFF0), (0x010E, 2, 0xFFFFFFF, 12)],
    )
    info = read(write(tmp_path, "b.jpg", jpeg_photo(exif=block)))
    f = info.fields
    assert f["make"] == "Bogus"
    assert "gps_lat" not in f and "orientation" not in f
    assert f["taken_source"] == "mtime"
    nonsense = exif_block(
        gps={
            GPS_LAT_REF: "N",
            GPS_LAT: [Fraction(95), Fraction(0), Fraction(0)],
            GPS_LON_REF: "E",
            GPS_LON: dms(10.0),
        }
    )
    assert "gps_lat" not in read(write(tmp_path, "n.jpg", jpeg_photo(exif=nonsense))).fields


def test_huge_ifd_count(tmp_path: Path) -> None:
    block = bytearray(exif_block(ifd0={MAKE: "Many"}))
    block[8:10] = struct.pack("<H", 0xFFFF)  # IFD0 claims 65535 entries
    info = read(write(tmp_path, "h.jpg", jpeg_photo(exif=bytes(block))))
    assert info.fields["width"] == 320


def test_decompression_bomb_is_not_decoded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10_000)
    block = exif_block(ifd0={MAKE: "Big"})
    info = read(write(tmp_path, "big.jpg", jpeg_photo(pattern((320, 240)), exif=block)))
    assert (info.fields["width"], info.fields["make"]) == (320, "Big")
    assert "phash" not in info.fields
    assert any("decompression" in w for w in info.extra["_warnings"])  # type: ignore[union-attr]
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 50_000)  # between 1x and 2x: a warning only
    info = read(write(tmp_path, "mid.png", png_image(pattern((300, 300)))))
    assert "phash" not in info.fields and info.fields["width"] == 300


def test_png_bomb_header(tmp_path: Path) -> None:
    """A PNG that claims 100000x100000 pixels: metadata, no decode, no memory blow-up."""
    png = bytearray(png_image(pattern((8, 8)), texts={"parameters": a1111_parameters()}))
    png[16:24] = struct.pack(">II", 100_000, 100_000)
    import zlib

    png[29:33] = struct.pack(">I", zlib.crc32(bytes(png[12:29])))
    info = read(write(tmp_path, "bomb.png", bytes(png)))
    assert info.fields["width"] == 100_000
    assert info.fields["ai_tool"] == "automatic1111"
    assert "phash" not in info.fields


def test_no_pillow_warnings_on_stderr(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "big.png", png_image(pattern((300, 300))))
    old = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = 50_000
    try:
        read(path)
    finally:
        Image.MAX_IMAGE_PIXELS = old
    assert capfd.readouterr().err == ""


def test_cut_and_flipped_files_give_metadata_or_a_media_error(tmp_path: Path) -> None:
    import random

    rng = random.Random(7)
    block = exif_block(
        ifd0={MAKE: "Fuzz", ORIENTATION: 3},
        exif={DATE_ORIGINAL: "2020:01:02 03:04:05", USER_COMMENT: b"ASCII\x00\x00\x00hello"},
        gps={GPS_LAT_REF: "N", GPS_LAT: dms(10.5), GPS_LON_REF: "E", GPS_LON: dms(20.25)},
    )
    samples = {
        "f.jpg": jpeg_photo(pattern((96, 64)), exif=block, xmp=XMP),
        "f.png": png_image(
            pattern((64, 64)),
            texts={"parameters": a1111_parameters(), "prompt": json.dumps(comfyui_prompt())},
        ),
        "f.webp": webp_image(pattern((64, 64)), exif=block),
    }
    outcomes = {"info": 0, "error": 0}
    for name, data in samples.items():
        variants = [data[:cut] for cut in range(0, len(data), max(1, len(data) // 40))]
        for _ in range(40):
            flipped = bytearray(data)
            for _ in range(rng.randrange(1, 8)):
                flipped[rng.randrange(len(flipped))] = rng.randrange(256)
            variants.append(bytes(flipped))
        for variant in variants:
            path = write(tmp_path, name, variant)
            try:
                info = read(path)
            except MediaError as e:
                assert e.message
                outcomes["error"] += 1
            else:
                json.dumps(info.fields)
                json.dumps(info.extra)
                outcomes["info"] += 1
    assert outcomes["info"] > 50 and outcomes["error"] > 5


@pytest.mark.parametrize(("name", "loaded"), [("a.mp3", False), ("a.JPG", True)])
def test_preload_only_for_images(name: str, loaded: bool) -> None:
    import subprocess
    import sys

    code = (
        "import sys; from mediashelf.extract.image.read import preload; "
        f"preload([{name.encode()!r}]); print('PIL.Image' in sys.modules, 'numpy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == [str(loaded), str(loaded)]
