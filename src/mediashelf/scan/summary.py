"""What a scan did: counts per class, sizes, phase times, peak memory and failures."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from mediashelf.errors import EXIT_FAILURES, EXIT_INTERRUPTED, EXIT_OK
from mediashelf.model import Failure, display_path
from mediashelf.scan.guard import Held

CLASSES = ("added", "changed", "unchanged", "missing", "moved", "failed", "other")


@dataclass
class ScanSummary:
    scan_id: int
    roots: list[str]
    counts: Counter[str] = field(default_factory=Counter)
    files: int = 0
    bytes: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    peak_rss_mb: dict[str, float] = field(default_factory=dict)
    interrupted: bool = False
    failures: list[Failure] = field(default_factory=list)  # the first few, for the report
    failure_count: int = 0
    known_failures: int = 0  # unchanged files whose earlier failure still stands
    skipped: int = 0
    #: roots (or files under them) the mount guard kept from being marked missing
    held: list[Held] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return EXIT_INTERRUPTED
        return EXIT_FAILURES if self.failure_count or self.held else EXIT_OK

    @property
    def files_per_second(self) -> float:
        total = self.seconds.get("total", 0.0)
        return self.files / total if total > 0 else 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "scan_id": self.scan_id,
            "roots": self.roots,
            "interrupted": self.interrupted,
            "exit_code": self.exit_code,
            "counts": {c: self.counts.get(c, 0) for c in CLASSES},
            "files": self.files,
            "bytes": self.bytes,
            "seconds": {k: round(v, 4) for k, v in self.seconds.items()},
            "files_per_second": round(self.files_per_second, 1),
            "peak_rss_mb": {k: round(v, 1) for k, v in self.peak_rss_mb.items()},
            "known_failures": self.known_failures,
            "skipped": self.skipped,
            "held": [
                {"root": display_path(h.root), "reason": h.reason, "files": h.files}
                for h in self.held
            ],
            "failures": [
                {
                    "path": display_path(f.path),
                    "stage": f.stage,
                    "kind": f.kind,
                    "message": f.message,
                }
                for f in self.failures
            ],
        }
