"""`shelf stats` as an aligned plain-text report (the figures come from figures.py)."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

from mediashelf.catalog.stats import UNKNOWN_BAND
from mediashelf.console import printable, summary_size, total_duration
from mediashelf.stats.figures import share_of


def percent(share: float | None) -> str:
    return "-" if share is None else f"{share * 100:.1f}%"


def band_label(band: str) -> str:
    """A bit rate band as people read it: an en dash for a range, "≥" for ">="."""
    return band.replace(">=", "\u2265").replace("-", "\u2013")


def samplerate_label(hz: int | None) -> str:
    if hz is None:
        return "unknown"
    return f"{hz / 1000:g} kHz"


def _width(s: str) -> int:
    """Terminal columns taken by `s` (East Asian wide characters take two)."""
    if s.isascii():
        return len(s)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], align: str) -> list[str]:
    """Aligned columns, two spaces apart; `align` has one `l` or `r` per column."""
    widths = [max([_width(h), *(_width(r[i]) for r in rows)]) for i, h in enumerate(headers)]
    out = []
    for cells in (headers, *rows):
        parts = []
        for cell, w, a in zip(cells, widths, align, strict=True):
            pad = " " * (w - _width(cell))
            parts.append(cell + pad if a == "l" else pad + cell)
        out.append(("  " + "  ".join(parts)).rstrip())
    return out


def _dur(seconds: float) -> str:
    return total_duration(seconds) if seconds else "-"


def _n(value: int) -> str:
    return f"{value:,}"


def render_text(stats: dict[str, Any]) -> str:
    """`shelf stats` as aligned plain text (no colours: fine piped or in a terminal)."""
    lines = ["Library"]
    if not stats["items"]:
        lines.append("  no items")
    lines += _table(("", ""), _summary(stats), "ll")[1:]
    for title, headers, rows, align in _sections(stats):
        if rows:
            lines.append("")
            lines.append(title)
            lines.extend(_table(headers, rows, align))
    return "\n".join(lines) + "\n"


def _summary(stats: dict[str, Any]) -> list[tuple[str, str]]:
    lossless = stats["lossless"]
    return [
        (
            "items",
            f"{_n(stats['items'])}  ({summary_size(stats['size'])}, "
            f"{total_duration(stats['duration'])})",
        ),
        (
            "lossless",
            f"{_n(lossless['items'])} audio items ({percent(lossless['share'])}),"
            f" {summary_size(lossless['size'])}",
        ),
        (
            "names",
            f"{_n(stats['artists']['distinct'])} artists, "
            f"{_n(stats['albums']['album_artists'])} album artists, "
            f"{_n(stats['albums']['distinct'])} albums, "
            f"{_n(stats['genres']['distinct'])} genres, {_n(stats['years']['distinct'])} years",
        ),
        ("failures", f"{_n(stats['failures'])} failing, {_n(stats['missing_items'])} missing"),
        ("damage", _damage_line(stats["damage"])),
        ("last scan", _scan_line(stats["last_scan"])),
    ]


def _damage_line(d: dict[str, Any]) -> str:
    """`3 damaged files (truncated 2, bad-header 1); verified 120, damaged 1`."""
    line = f"{_n(d['items'])} damaged files"
    if d["reasons"]:
        line += " (" + ", ".join(f"{r['reason']} {_n(r['items'])}" for r in d["reasons"]) + ")"
    return line + f"; verified {_n(d['verified'])}, damaged {_n(d['verified_damaged'])}"


#: one section of the report: title, column headers, rows, alignment (`l`/`r` per column)
Section = tuple[str, Sequence[str], Sequence[Sequence[str]], str]


def _share(n: int, whole: int) -> str:
    return percent(share_of(n, whole))


def _figures(g: dict[str, Any], whole: int) -> tuple[str, str, str, str]:
    """items, share of `whole`, size, duration: the columns every breakdown shows"""
    return _n(g["items"]), _share(g["items"], whole), summary_size(g["size"]), _dur(g["duration"])


def _sections(stats: dict[str, Any]) -> list[Section]:
    return [*_breakdowns(stats), *_audio(stats), *_tops(stats)]


def _breakdowns(stats: dict[str, Any]) -> list[Section]:
    total, audio = stats["items"], stats["tags"]["audio_items"]
    return [
        (
            "Kinds",
            ("kind", "items", "%", "size", "duration"),
            [(g["name"], *_figures(g, total)) for g in stats["kinds"]],
            "lrrrr",
        ),
        (
            "Formats",
            ("format", "kind", "items", "%", "size", "duration"),
            [
                (printable(g["name"] or "unknown"), g["kind"], *_figures(g, total))
                for g in stats["formats"]
            ],
            "llrrrr",
        ),
        (
            "Audio codecs",
            ("codec", "items", "%", "size", "duration"),
            [(printable(g["name"] or "unknown"), *_figures(g, audio)) for g in stats["codecs"]],
            "lrrrr",
        ),
    ]


def _audio(stats: dict[str, Any]) -> list[Section]:
    audio = stats["tags"]["audio_items"]
    bitrates = [
        (band_label(g["band"]), _n(g["items"]), _share(g["items"], audio), summary_size(g["size"]))
        for g in stats["bitrates"]
        if g["items"] or g["band"] != UNKNOWN_BAND
    ]
    tags = [
        (f["name"], _n(f["present"]), _n(f["missing"]), percent(f["missing_share"]))
        for f in stats["tags"]["fields"]
    ]
    return [
        (
            "Bit rates (audio, kbit/s)",
            ("band", "items", "%", "size"),
            bitrates if audio else [],
            "lrrr",
        ),
        (
            "Sample rates (audio)",
            ("rate", "items", "%"),
            [
                (samplerate_label(g["hz"]), _n(g["items"]), _share(g["items"], audio))
                for g in stats["samplerates"]
            ],
            "lrr",
        ),
        (
            f"Tag completeness ({_n(audio)} audio items)",
            ("tag", "present", "missing", "missing %"),
            tags if audio else [],
            "lrrr",
        ),
    ]


def _tops(stats: dict[str, Any]) -> list[Section]:
    audio = stats["tags"]["audio_items"]
    years = stats["years"]
    unknown = years["unknown"]
    return [
        (
            "Top artists",
            ("#", "artist", "items", "albums", "duration"),
            [
                (
                    str(i),
                    printable(a["name"]),
                    _n(a["items"]),
                    _n(a["albums"]),
                    total_duration(a["duration"]),
                )
                for i, a in enumerate(stats["artists"]["top"], 1)
            ],
            "rlrrr",
        ),
        (
            "Top genres",
            ("#", "genre", "items", "%"),
            [
                (str(i), printable(g["name"]), _n(g["items"]), _share(g["items"], audio))
                for i, g in enumerate(stats["genres"]["top"], 1)
            ],
            "rlrr",
        ),
        (
            "Top years" + (f" ({_n(unknown)} audio items without one)" if unknown else ""),
            ("#", "year", "items", "%"),
            [
                (str(i), str(y["year"]), _n(y["items"]), _share(y["items"], audio))
                for i, y in enumerate(years["top"], 1)
            ],
            "rrrr",
        ),
    ]


def _scan_line(scan: dict[str, Any] | None) -> str:
    if scan is None:
        return "never"
    when = (scan["finished"] or scan["started"] or "?").replace("T", " ").replace("+00:00", " UTC")
    took = f" in {scan['seconds']:.1f} s" if scan["seconds"] is not None else ""
    return (
        f"#{scan['id']} {scan['status']} {when}: {_n(scan['files'])} files{took}; "
        f"added {_n(scan['added'])}, changed {_n(scan['changed'])}, moved {_n(scan['moved'])}, "
        f"missing {_n(scan['missing'])}, failed {_n(scan['failed'])}"
    )
