"""Charts as inline SVG, made in Python: horizontal bars, columns and an area over time.

Every chart is a plain `<svg>` string with a fixed pixel size (scaled down by CSS on
narrow screens), no script and no external reference, so a page holding it renders
anywhere, offline.  Bars and areas are filled with the one colour given per chart,
drawn with `crispEdges`, so their pixels carry exactly that colour.  All text is
escaped here: labels come from the catalog (tags are untrusted input).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from html import escape
from typing import Final

FONT: Final = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
TEXT: Final = "#1f2933"
MUTED: Final = "#616e7c"
GRID: Final = "#e4e7eb"
TRACK: Final = "#eef1f4"

#: width of every chart, in CSS pixels
WIDTH: Final = 500


def _svg(width: int, height: int, label: str, body: list[str]) -> str:
    return (
        f'<svg class="chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}" '
        f'font-family="{escape(FONT)}" font-size="12">'
        f"<title>{escape(label)}</title>" + "".join(body) + "</svg>"
    )


def _fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def nice_ceiling(value: float) -> float:
    """A round axis maximum at least `value`, whose quarters are round too."""
    if value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    for step in (1, 1.2, 1.6, 2, 2.4, 3, 4, 5, 6, 8):
        if value <= step * power:
            return step * power
    return 10 * power


def short_number(value: float) -> str:
    """Axis labels: 950, 1.2k, 35k, 1.5M."""
    for div, unit in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= div:
            return f"{value / div:.3g}{unit}"
    return f"{value:.3g}" if value != int(value) else f"{int(value)}"


def hbars(
    rows: Sequence[tuple[str, float, str]],
    *,
    color: str,
    css_class: str,
    label: str,
    maximum: float | None = None,
    label_width: int = 130,
    tips: Sequence[str] | None = None,
) -> str:
    """Horizontal bars: (label, value, value text) per row, on a light track.

    `maximum` sets the scale (100 for percentages); by default the largest value.
    `tips` are the bars' tooltips (by default "label: value text").
    """
    bar_h, gap, top = 18, 8, 4
    value_w = 92
    bar_w = WIDTH - label_width - value_w - 12
    height = top * 2 + len(rows) * (bar_h + gap) - gap if rows else 40
    scale = maximum if maximum else max((v for _, v, _ in rows), default=0) or 1
    body: list[str] = []
    if not rows:
        body.append(
            f'<text x="{WIDTH // 2}" y="24" fill="{MUTED}" text-anchor="middle">no data</text>'
        )
    for i, (name, value, text) in enumerate(rows):
        y = top + i * (bar_h + gap)
        w = round(bar_w * max(value, 0) / scale)
        x0 = label_width + 6
        body.append(
            f'<text x="{label_width}" y="{y + 13}" fill="{TEXT}" text-anchor="end">'
            f"{escape(_fit(name, 22))}</text>"
            f'<rect x="{x0}" y="{y}" width="{bar_w}" height="{bar_h}" fill="{TRACK}" '
            f'shape-rendering="crispEdges"/>'
        )
        if w > 0:
            body.append(
                f'<rect class="{css_class}" x="{x0}" y="{y}" width="{w}" height="{bar_h}" '
                f'fill="{color}" shape-rendering="crispEdges">'
                f"<title>{escape(tips[i] if tips else f'{name}: {text}')}</title></rect>"
            )
        body.append(f'<text x="{x0 + bar_w + 6}" y="{y + 13}" fill="{MUTED}">{escape(text)}</text>')
    return _svg(WIDTH, height, label, body)


#: the frame of the charts with a value axis (columns, area)
_PLOT_HEIGHT, _LEFT, _RIGHT, _TOP, _BOTTOM = 220, 44, 16, 10, 24
_PLOT_W, _PLOT_H = WIDTH - _LEFT - _RIGHT, _PLOT_HEIGHT - _TOP - _BOTTOM


def columns(
    points: Sequence[tuple[str, float]],
    *,
    color: str,
    css_class: str,
    label: str,
    axis_label: Callable[[str], str | None],
    describe: Callable[[str, float], str] | None = None,
) -> str:
    """Vertical bars over a sequence of categories (years): value axis on the left.

    `axis_label(name)` gives the x-axis text to draw under a bar, or None.
    """
    body, top_value = _frame(points)
    if top_value is None:
        return _svg(WIDTH, _PLOT_HEIGHT, label, body)
    height, left, top, plot_w, plot_h = _PLOT_HEIGHT, _LEFT, _TOP, _PLOT_W, _PLOT_H
    step = plot_w / len(points)
    bar_w = max(1, math.floor(step * 0.8))
    for i, (name, value) in enumerate(points):
        x = left + round(i * step + (step - bar_w) / 2)
        h = round(plot_h * max(value, 0) / top_value)
        tip = describe(name, value) if describe else f"{name}: {short_number(value)}"
        if h > 0:
            body.append(
                f'<rect class="{css_class}" x="{x}" y="{top + plot_h - h}" width="{bar_w}" '
                f'height="{h}" fill="{color}" shape-rendering="crispEdges">'
                f"<title>{escape(tip)}</title></rect>"
            )
        text = axis_label(name)
        if text is not None:
            cx = left + round(i * step + step / 2)
            body.append(
                f'<text x="{cx}" y="{height - 6}" fill="{MUTED}" text-anchor="middle">'
                f"{escape(text)}</text>"
            )
    return _svg(WIDTH, height, label, body)


def area(
    points: Sequence[tuple[str, float]],
    *,
    color: str,
    line: str,
    css_class: str,
    label: str,
    axis_label: Callable[[str], str | None],
    describe: Callable[[str, float], str] | None = None,
) -> str:
    """A filled area under a line through `points` (a cumulative total over months).

    `axis_label(name)` gives the x-axis text to draw under a point, or None.
    """
    body, top_value = _frame(points)
    if top_value is None:
        return _svg(WIDTH, _PLOT_HEIGHT, label, body)
    height, left, top, plot_w, plot_h = _PLOT_HEIGHT, _LEFT, _TOP, _PLOT_W, _PLOT_H
    n = len(points)
    xs = [left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2) for i in range(n)]
    ys = [top + plot_h - plot_h * max(v, 0) / top_value for _, v in points]
    base = top + plot_h
    if n == 1:  # one month: a block, not a point
        xs = [left + plot_w * 0.25, left + plot_w * 0.75]
        ys = ys * 2
    coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
    body.append(
        f'<polygon class="{css_class}" points="{xs[0]:.1f},{base} {coords} {xs[-1]:.1f},{base}" '
        f'fill="{color}" shape-rendering="crispEdges"/>'
        f'<polyline points="{coords}" fill="none" stroke="{line}" stroke-width="2" '
        f'stroke-linejoin="round"/>'
    )
    for i, (name, value) in enumerate(points):
        x = xs[i] if n > 1 else left + plot_w / 2
        text = axis_label(name)
        if text is not None:
            body.append(
                f'<line x1="{x:.1f}" y1="{base}" x2="{x:.1f}" y2="{base + 4}" stroke="{MUTED}"/>'
                f'<text x="{x:.1f}" y="{height - 6}" fill="{MUTED}" text-anchor="middle">'
                f"{escape(text)}</text>"
            )
        tip = describe(name, value) if describe else f"{name}: {short_number(value)}"
        body.append(
            f'<circle cx="{x:.1f}" cy="{ys[i]:.1f}" r="4" fill="transparent">'
            f"<title>{escape(tip)}</title></circle>"
        )
    return _svg(WIDTH, height, label, body)


def _frame(points: Sequence[tuple[str, float]]) -> tuple[list[str], float | None]:
    """The value axis of a plot of `points` and the top of its scale (None: no data)."""
    body = _y_axis(max((v for _, v in points), default=0), _LEFT, _TOP, _PLOT_W, _PLOT_H)
    if not points:
        return [*body, _no_data(_PLOT_HEIGHT)], None
    return body, nice_ceiling(max(v for _, v in points))


def _y_axis(largest: float, left: int, top: int, plot_w: int, plot_h: int) -> list[str]:
    """Horizontal grid lines with their values, four steps from 0 to a round maximum."""
    top_value = nice_ceiling(largest)
    out = []
    for k in range(5):
        y = top + plot_h - round(plot_h * k / 4)
        out.append(
            f'<line x1="{left}" y1="{y}" x2="{left + plot_w}" y2="{y}" stroke="{GRID}" '
            f'shape-rendering="crispEdges"/>'
            f'<text x="{left - 6}" y="{y + 4}" fill="{MUTED}" text-anchor="end">'
            f"{short_number(top_value * k / 4)}</text>"
        )
    return out


def _no_data(height: int) -> str:
    return (
        f'<text x="{WIDTH // 2}" y="{height // 2}" fill="{MUTED}" text-anchor="middle">'
        "no data</text>"
    )
