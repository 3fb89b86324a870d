"""Parsing the values of query terms: numbers, sizes, durations, bitrates, dates.

Each parser turns the text after `field:` into a half-open interval `[low, high)`
(either end may be None).  A single value matches everything that would be written
the same at the precision it was given: `year:1999` is 1999, `size:10M` is
[10 MiB, 11 MiB), `duration:3:00` is [180 s, 181 s), `added:2026-01` is January 2026.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Final


class BadValue(ValueError):
    """A value that does not parse; the message says what was expected."""


@dataclass(frozen=True, slots=True)
class Interval:
    low: float | int | str | None  # inclusive
    high: float | int | str | None  # exclusive


_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)$")


def _precision_step(text: str) -> float:
    """1 for '12', 0.1 for '1.5', 0.01 for '1.25'."""
    if "." not in text:
        return 1.0
    return 10.0 ** -len(text.split(".", 1)[1])


def number(text: str, *, integer: bool) -> Interval:
    """A number at its precision: '1999' → [1999, 2000), '29.97' → [29.965, 29.975)."""
    t = text.strip()
    if not _NUMBER.match(t):
        raise BadValue(f"{text!r} is not a number")
    if integer:
        if "." in t:
            raise BadValue(f"{text!r} is not a whole number")
        n = int(t)
        return Interval(n, n + 1)
    v = float(t)
    half = _precision_step(t) / 2
    return Interval(v - half, v + half)


def number_bound(text: str, *, integer: bool) -> float | int:
    t = text.strip()
    if not _NUMBER.match(t):
        raise BadValue(f"{text!r} is not a number")
    if integer and "." not in t:
        return int(t)
    return float(t)


_SIZE = re.compile(r"(\d+(?:\.\d*)?|\.\d+)\s*([kmgtp]?)(i?b?)$", re.IGNORECASE)
_SIZE_UNITS: Final = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40, "p": 1 << 50}


def size(text: str) -> tuple[int, int]:
    """('10M' → (10 MiB, 1 MiB step)); K, M, G, T are powers of 1024; B and iB optional."""
    m = _SIZE.match(text.strip())
    if not m:
        raise BadValue(f"{text!r} is not a size (examples: 700K, 10M, 1.5G)")
    unit = _SIZE_UNITS[m.group(2).lower()]
    value = float(m.group(1))
    step = _precision_step(m.group(1)) * unit
    return int(value * unit), max(1, int(step))


_DURATION_UNITS = re.compile(r"(\d+(?:\.\d*)?)\s*([hms])", re.IGNORECASE)


def duration(text: str) -> tuple[float, float]:
    """Seconds and step: '3:00' → (180, 1), '1:02:03' → 3723, '90' → 90, '1h30m', '2.5m'."""
    t = text.strip()
    if ":" in t:
        parts = t.split(":")
        if len(parts) > 3 or not all(p.replace(".", "", 1).isdigit() for p in parts):
            raise BadValue(f"{text!r} is not a duration (examples: 3:00, 1:02:03, 90, 1h30m)")
        seconds = 0.0
        for part in parts:
            seconds = seconds * 60 + float(part)
        return seconds, _precision_step(parts[-1])
    if _NUMBER.match(t):
        return float(t), _precision_step(t)
    matches = list(_DURATION_UNITS.finditer(t))
    if matches and "".join(m.group(0) for m in matches).replace(" ", "") == t.replace(" ", ""):
        mult = {"h": 3600, "m": 60, "s": 1}
        total = sum(float(m.group(1)) * mult[m.group(2).lower()] for m in matches)
        last = matches[-1]
        return total, _precision_step(last.group(1)) * mult[last.group(2).lower()]
    raise BadValue(f"{text!r} is not a duration (examples: 3:00, 1:02:03, 90, 1h30m)")


_BITRATE = re.compile(r"(\d+(?:\.\d*)?)\s*(k|kbps|kbit/s|kb/s)?$", re.IGNORECASE)


def bitrate(text: str) -> tuple[float, float]:
    """kbit/s: '192', '192k', '192kbps'."""
    m = _BITRATE.match(text.strip())
    if not m:
        raise BadValue(f"{text!r} is not a bitrate in kbit/s (examples: 192, 320k)")
    return float(m.group(1)), _precision_step(m.group(1))


def boolean(text: str) -> bool:
    t = text.strip().lower()
    if t in ("1", "true", "yes", "y", "on", "t"):
        return True
    if t in ("0", "false", "no", "n", "off", "f"):
        return False
    raise BadValue(f"{text!r} is not true or false")


# -- dates ---------------------------------------------------------------------------------

#: ISO 8601 at any precision, lower-cased first: the date and time apart by `t` or a space
_DATE = re.compile(
    r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2})(?:[t ](\d{1,2})(?::(\d{2})(?::(\d{2}))?)?)?)?)?$"
)
_RELATIVE = re.compile(r"([+-]?)(\d+)\s*([dwmy])$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class DateSpan:
    """A calendar span: its start and the start of the next span at the same precision."""

    start: dt.datetime  # naive, local time
    end: dt.datetime
    precision: int  # 1 year, 2 month, 3 day, 4 hour, 5 minute, 6 second


def _add_months(d: dt.datetime, months: int) -> dt.datetime:
    y, m = divmod(d.month - 1 + months, 12)
    return d.replace(year=d.year + y, month=m + 1)


def date_span(text: str, *, now: dt.datetime | None = None) -> DateSpan:
    """'2026', '2026-01', '2026-01-15', '2026-01-15T10:30' (or `t`, or a space, between the
    date and the time), 'today', 'yesterday', '-2w'."""
    t = text.strip().lower()
    now = now or dt.datetime.now()
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if t in ("today", "now"):
        return DateSpan(today, today + dt.timedelta(days=1), 3)
    if t == "yesterday":
        return DateSpan(today - dt.timedelta(days=1), today, 3)
    rel = _RELATIVE.match(t)
    if rel:
        n = int(rel.group(2)) * (-1 if rel.group(1) == "-" else 1)
        unit = rel.group(3)
        if unit == "d":
            start = today + dt.timedelta(days=n)
        elif unit == "w":
            start = today + dt.timedelta(weeks=n)
        elif unit == "m":
            start = _add_months(today, n)
        else:
            start = _add_months(today, 12 * n)
        return DateSpan(start, start + dt.timedelta(days=1), 3)
    m = _DATE.match(t)
    if not m:
        raise BadValue(
            f"{text!r} is not a date "
            "(examples: 2026, 2026-01, 2026-01-15, 2026-01-15T10:30, today, -2w)"
        )
    parts = [int(g) for g in m.groups() if g is not None]
    y, mo, d, h, mi, sec = parts + [1, 1, 1, 0, 0, 0][len(parts) :]
    try:
        start = dt.datetime(y, mo, d, h, mi, sec)
    except ValueError as e:
        raise BadValue(f"{text!r} is not a valid date ({e})") from None
    precision = len(parts)
    if precision == 1:
        end = _add_months(start, 12)
    elif precision == 2:
        end = _add_months(start, 1)
    else:
        end = (
            start
            + [
                dt.timedelta(days=1),
                dt.timedelta(hours=1),
                dt.timedelta(minutes=1),
                dt.timedelta(seconds=1),
            ][precision - 3]
        )
    return DateSpan(start, end, precision)


def to_ns(d: dt.datetime) -> int:
    """A naive local datetime as nanoseconds since the epoch."""
    return math.floor(d.timestamp()) * 1_000_000_000


_TEXT_FORMATS: Final = (
    "%Y",
    "%Y-%m",
    "%Y-%m-%d",
    "%Y-%m-%dT%H",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S",
)


def to_text(d: dt.datetime, precision: int) -> str:
    """The ISO 8601 prefix of a date at a precision, for comparing ISO text columns."""
    return d.strftime(_TEXT_FORMATS[precision - 1])
