"""Benchmark results and the table that says which targets are met."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from mediashelf.bench.measure import Stat

#: What each scenario is held to, as printed in the table.
TARGETS = {
    "first": "first index >= 3x serial mutagen files/s",
    "cold": "first index, cold page cache (a figure, no target)",
    "noop": "no-op rescan <= 1.5x find",
    "delta": "1% delta <= noop + 1.2 x changed / first-index rate",
    "rss": "peak RSS <= 120 MB (main process)",
    "version": "shelf --version <= 100 ms",
    "find": "find artist:X <= 150 ms, process start included",
    "list": "full listing to /dev/null <= 1.5 s",
    "stats": "shelf stats <= 1 s",
    "organize": "organize (move) <= 3x an os.rename loop over the same plan",
    "plan": "planning the organize run <= 2 s",
    "pg-first": "first index on PostgreSQL >= 0.8x SQLite files/s",
    "pg-noop": "no-op rescan on PostgreSQL <= 1.5x SQLite's",
    "pg-find": "find artist:X on PostgreSQL <= 150 ms, process start included",
    "pg-stats": "shelf stats on PostgreSQL <= 1 s",
    "pg-agents": "two agents on two halves at once <= one after the other",
}


@dataclass(slots=True)
class Result:
    scenario: str  # first | noop | delta | rss | version | find | list | stats
    size: int | None  # library size in tracks
    unit: str  # files/s | s | MB | ms
    value: Stat
    files: int | None = None  # files the scan saw
    baseline: Stat | None = None
    baseline_label: str = ""
    ratio: float | None = None
    limit: str = ""  # the bound, readable: ">= 1.8x", "<= 0.61 s"
    met: bool | None = None  # None: the target could not be evaluated
    note: str = ""
    runs: list[dict[str, Any]] = field(default_factory=list)

    @property
    def target(self) -> str:
        return TARGETS[self.scenario]

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "target": self.target}


def _num(value: float, unit: str) -> str:
    if unit == "files/s":
        return f"{value:,.0f}"
    if unit == "s":
        return f"{value:.3f}" if value < 10 else f"{value:.1f}"
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}"


def fmt_stat(stat: Stat | None, unit: str) -> str:
    if stat is None:
        return "-"
    if stat.n == 1:
        return f"{_num(stat.median, unit)} {unit}"
    return f"{_num(stat.median, unit)} {unit} ({_num(stat.min, unit)}-{_num(stat.max, unit)})"


_HEAD = ("target", "size", "mediashelf median (min-max)", "baseline", "ratio", "limit", "met")


def _rows(results: Sequence[Result]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for r in results:
        baseline = fmt_stat(r.baseline, r.unit)
        if r.baseline is not None and r.baseline_label:
            baseline = f"{r.baseline_label} {baseline}"
        rows.append(
            (
                r.target,
                f"{r.size:,}" if r.size is not None else "-",
                fmt_stat(r.value, r.unit),
                baseline,
                f"{r.ratio:.2f}x" if r.ratio is not None else "-",
                r.limit or "-",
                {True: "yes", False: "NO", None: "n/a"}[r.met],
            )
        )
    return rows


def format_table(results: Sequence[Result], *, markdown: bool = False) -> str:
    rows = _rows(results)
    notes = [f"{r.scenario} {r.size or ''}: {r.note}".replace("  ", " ") for r in results if r.note]
    if markdown:
        lines = ["| " + " | ".join(_HEAD) + " |", "|" + "---|" * len(_HEAD)]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        if notes:
            lines += ["", *(f"- {n}" for n in notes)]
        return "\n".join(lines)
    widths = [max(len(row[i]) for row in [_HEAD, *rows]) for i in range(len(_HEAD))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in [_HEAD, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    if notes:
        lines += ["", *notes]
    return "\n".join(lines)
