"""`shelf report --html`: the statistics as one self-contained HTML page.

The page holds everything it shows: inline CSS and inline SVG charts (see
`report_charts`), no script, no font, image or style sheet from anywhere else, so it
can be mailed or opened offline.  Every text from the catalog is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any, Final

from mediashelf.console import summary_size, total_duration
from mediashelf.stats.charts import area, columns, hbars
from mediashelf.stats.text import band_label, percent, samplerate_label

#: one colour per chart (a test finds each chart's pixels by it)
COLORS: Final[dict[str, str]] = {
    "formats": "#4e79a7",
    "bitrates": "#59a14f",
    "years": "#f28e2b",
    "growth": "#b07aa1",
    "tags": "#76b7b2",
}
GROWTH_LINE: Final = "#7b4f73"

REPORT_CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f5f7fa; color: #1f2933;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1160px; margin: 0 auto; padding: 28px 20px 40px; }
header h1 { margin: 0 0 4px; font-size: 26px; font-weight: 650; }
header p { margin: 0; color: #616e7c; }
header code { background: #e4e7eb; border-radius: 4px; padding: 1px 6px; color: #1f2933; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr));
  gap: 12px; margin: 22px 0; }
.figure { background: #fff; border-radius: 10px; padding: 12px 16px;
  box-shadow: 0 1px 2px rgba(31, 41, 51, .08); }
.figure b { display: block; font-size: 22px; font-weight: 650; }
.figure span { color: #616e7c; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(540px, 1fr)); gap: 16px; }
section { background: #fff; border-radius: 10px; padding: 16px 18px 18px;
  box-shadow: 0 1px 2px rgba(31, 41, 51, .08); min-width: 0; }
section h2 { margin: 0 0 12px; font-size: 16px; font-weight: 600; }
section h2 small { color: #616e7c; font-weight: 400; }
svg.chart { display: block; max-width: 100%; height: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { padding: 5px 8px; border-bottom: 1px solid #e4e7eb; text-align: left;
  overflow-wrap: anywhere; }
th { color: #616e7c; font-weight: 500; font-size: 12px; text-transform: uppercase; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr:last-child td { border-bottom: 0; }
p.empty { color: #616e7c; margin: 0; }
footer { margin-top: 24px; color: #616e7c; font-size: 12px; }
"""


def render_html(stats: dict[str, Any], title: str, query: str | None) -> str:
    """The whole page for `stats` (from `compute_stats`), titled `title`, for `query`."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{REPORT_CSS}</style></head><body><main>",
        f"<header><h1>{escape(title)}</h1><p>",
        f"Items matching <code>{escape(query)}</code>" if query else "The whole library",
        f" · last scan: {escape(_scan_text(stats['last_scan']))}</p></header>",
        render_sections(stats),
        "<footer>Made by mediashelf.</footer>",
        "</main></body></html>",
    ]
    return "\n".join(parts) + "\n"


def render_sections(stats: dict[str, Any]) -> str:
    """The report's figures, charts and tables, for a page of its own or another's
    (styled by REPORT_CSS)."""
    audio = stats["tags"]["audio_items"]
    parts = [
        _figures(stats),
        '<div class="grid">',
        _section("Formats", _formats_chart(stats), "all kinds"),
        _section("Bit rates", _bitrates_chart(stats), "audio, kbit/s"),
        _section("Years", _years_chart(stats), _years_note(stats)),
        _section("Growth of the library", _growth_chart(stats), "items, by date added"),
        _section("Tag completeness", _tags_chart(stats), f"{audio:,} audio items"),
        _section("Top artists", _artists_table(stats), "track artist, else album artist"),
        _section("Top genres", _genres_table(stats), "audio"),
        _section("Codecs", _codecs_table(stats), "audio"),
        _section("Sample rates", _samplerates_table(stats), "audio"),
        "</div>",
    ]
    return "\n".join(parts)


def _section(heading: str, body: str, note: str = "") -> str:
    small = f" <small>{escape(note)}</small>" if note else ""
    return f"<section><h2>{escape(heading)}{small}</h2>{body}</section>"


def _figures(stats: dict[str, Any]) -> str:
    figures = [
        ("items", f"{stats['items']:,}"),
        ("size", summary_size(stats["size"])),
        ("playing time", total_duration(stats["duration"])),
        ("lossless", percent(stats["lossless"]["share"])),
        ("artists", f"{stats['artists']['distinct']:,}"),
        ("albums", f"{stats['albums']['distinct']:,}"),
        ("genres", f"{stats['genres']['distinct']:,}"),
        ("failures", f"{stats['failures']:,}"),
    ]
    figures += [(k["name"], f"{k['items']:,}") for k in stats["kinds"]]
    cells = "".join(
        f'<div class="figure"><b>{escape(value)}</b><span>{escape(name)}</span></div>'
        for name, value in figures
    )
    return f'<div class="figures">{cells}</div>'


def _of(n: int, whole: int) -> str:
    return f"{n:,} · {percent(n / whole if whole else None)}"


def _formats_chart(stats: dict[str, Any]) -> str:
    rows = [
        (str(f["name"] or "unknown"), float(f["items"]), _of(f["items"], stats["items"]))
        for f in stats["formats"][:12]
    ]
    return hbars(rows, color=COLORS["formats"], css_class="bar-formats", label="Items by format")


def _bitrates_chart(stats: dict[str, Any]) -> str:
    audio = stats["tags"]["audio_items"]
    rows = [
        (band_label(b["band"]), float(b["items"]), _of(b["items"], audio))
        for b in stats["bitrates"]
        if audio and (b["items"] or b["band"] != "unknown")
    ]
    return hbars(
        rows, color=COLORS["bitrates"], css_class="bar-bitrates", label="Audio items by bit rate"
    )


def _years_chart(stats: dict[str, Any]) -> str:
    counts = {y["year"]: y["items"] for y in stats["years"]["all"]}
    points: list[tuple[str, float]] = []
    if counts:
        first, last = min(counts), max(counts)
        points = [(str(y), float(counts.get(y, 0))) for y in range(first, last + 1)]
    span = len(points)
    every = 10 if span > 60 else 5 if span > 20 else 2 if span > 10 else 1
    return columns(
        points,
        color=COLORS["years"],
        css_class="bar-years",
        label="Audio items by year",
        axis_label=lambda name: name if int(name) % every == 0 else None,
        describe=lambda name, value: f"{name}: {int(value):,} items",
    )


def _years_note(stats: dict[str, Any]) -> str:
    unknown = stats["years"]["unknown"]
    return f"audio, {unknown:,} without a year" if unknown else "audio"


def _growth_chart(stats: dict[str, Any]) -> str:
    growth = stats["growth"]
    points = [(g["month"], float(g["total_items"])) for g in growth]
    sizes = {g["month"]: g["total_size"] for g in growth}
    years = len({g["month"][:4] for g in growth})
    step = 1 if years <= 8 else 2 if years <= 16 else 5

    def axis(month: str) -> str | None:
        if len(growth) <= 12:
            return (
                month[2:] if len(growth) <= 6 or month.endswith(("01", "04", "07", "10")) else None
            )
        if month.endswith("-01") and int(month[:4]) % step == 0:
            return month[:4]
        return None

    return area(
        points,
        color=COLORS["growth"],
        line=GROWTH_LINE,
        css_class="area-growth",
        label="Items in the library by month added",
        axis_label=axis,
        describe=lambda m, v: f"{m}: {int(v):,} items, {summary_size(sizes[m])}",
    )


def _tags_chart(stats: dict[str, Any]) -> str:
    audio = stats["tags"]["audio_items"]
    rows = [
        (
            f["name"],
            100.0 * f["present"] / audio,
            percent(f["present"] / audio),
        )
        for f in stats["tags"]["fields"]
        if audio
    ]
    return hbars(
        rows,
        color=COLORS["tags"],
        css_class="bar-tags",
        label="Share of audio items with each tag",
        maximum=100,
        label_width=110,
        tips=[
            f"{f['name']}: {f['present']:,} present, {f['missing']:,} missing"
            for f in stats["tags"]["fields"]
        ],
    )


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[bool]) -> str:
    if not rows:
        return '<p class="empty">Nothing to show.</p>'

    def cell(tag: str, text: str, n: bool) -> str:
        return f'<{tag} class="n">{escape(text)}</{tag}>' if n else f"<{tag}>{escape(text)}</{tag}>"

    head = "".join(cell("th", h, n) for h, n in zip(headers, numeric, strict=True))
    body = "".join(
        "<tr>" + "".join(cell("td", c, n) for c, n in zip(r, numeric, strict=True)) + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _artists_table(stats: dict[str, Any]) -> str:
    rows = [
        (str(i), a["name"], f"{a['items']:,}", f"{a['albums']:,}", total_duration(a["duration"]))
        for i, a in enumerate(stats["artists"]["top"], 1)
    ]
    return _table(("#", "artist", "items", "albums", "time"), rows, (True, False, True, True, True))


def _genres_table(stats: dict[str, Any]) -> str:
    audio = stats["tags"]["audio_items"]
    rows = [
        (str(i), g["name"], f"{g['items']:,}", percent(g["items"] / audio if audio else None))
        for i, g in enumerate(stats["genres"]["top"], 1)
    ]
    return _table(("#", "genre", "items", "share"), rows, (True, False, True, True))


def _samplerates_table(stats: dict[str, Any]) -> str:
    audio = stats["tags"]["audio_items"]
    rows = [
        (samplerate_label(s["hz"]), f"{s['items']:,}", percent(_ratio(s["items"], audio)))
        for s in stats["samplerates"]
    ]
    return _table(("sample rate", "items", "share"), rows, (False, True, True))


def _codecs_table(stats: dict[str, Any]) -> str:
    audio = stats["tags"]["audio_items"]
    rows = [
        (
            str(c["name"] or "unknown"),
            f"{c['items']:,}",
            summary_size(c["size"]),
            percent(_ratio(c["items"], audio)),
        )
        for c in stats["codecs"]
    ]
    return _table(("codec", "items", "size", "share"), rows, (False, True, True, True))


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _scan_text(scan: dict[str, Any] | None) -> str:
    if scan is None:
        return "never"
    when = (scan["finished"] or scan["started"] or "?").replace("T", " ").replace("+00:00", " UTC")
    return f"{when} ({scan['status']}, {scan['files']:,} files)"
