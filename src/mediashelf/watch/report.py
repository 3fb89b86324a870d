"""One line per batch for a log, or one JSON object per batch for scripts."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from mediashelf.app.inbox import Filed
from mediashelf.model import display_path
from mediashelf.scan import CLASSES, ScanSummary

#: the classes a batch line shows (unchanged files are not news)
_SHOWN = ("added", "changed", "moved", "missing", "failed")
#: failures and files left listed per batch, at most
_LISTED = 20


@dataclass
class Batch:
    """What one batch did: the folders rescanned, and the inbox run if any."""

    number: int
    reason: str  # changes, start, reconcile, overflow, resumed
    folders: int
    summary: ScanSummary
    seconds: float
    #: seconds from the first change the batch took in to its end
    latency: float
    filed: Filed | None = None
    at: float = field(default_factory=time.time)

    @property
    def news(self) -> bool:
        """Anything to tell (a batch that found every file unchanged is not)."""
        c = self.summary.counts
        return bool(
            any(c.get(k) for k in _SHOWN)
            or self.summary.failure_count
            or self.summary.held
            or (self.filed is not None and (self.filed.run_id or self.filed.left))
            or self.reason not in ("changes",)
        )

    def line(self) -> str:
        c = self.summary.counts
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.at))
        text = (
            f"{stamp} batch {self.number} ({self.reason}): {self.folders:,} folder(s), "
            + " ".join(f"{k} {c.get(k, 0):,}" for k in _SHOWN)
            + f" in {self.seconds:.2f} s, {self.latency:.1f} s after the first change"
        )
        f = self.filed
        if f is not None and f.run_id is not None:
            done = sum(v for k, v in f.counts.items() if k not in ("failed", "skipped"))
            text += f"; organized {done:,} file(s) as run {f.run_id}"
            if f.status != "done":
                text += f" ({f.status})"
        if f is not None and (f.left or f.unmatched):
            text += f"; left in the inbox: {len(f.left) + f.unmatched:,}"
        lines = [text]
        for h in self.summary.held:
            lines.append(f"  held: {display_path(h.root)} {h.reason}")
        for fl in self.summary.failures[:_LISTED]:
            lines.append(f"  ! {fl.kind}: {display_path(fl.path)}: {fl.message}")
        if f is not None:
            for path, why in f.left[:_LISTED]:
                lines.append(f"  left: {display_path(path)}: {why}")
        return "\n".join(lines)

    def as_json(self) -> dict[str, Any]:
        s = self.summary
        out: dict[str, Any] = {
            "batch": self.number,
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(self.at)),
            "reason": self.reason,
            "folders": self.folders,
            "counts": {k: s.counts.get(k, 0) for k in CLASSES},
            "seconds": round(self.seconds, 4),
            "latency": round(self.latency, 3),
            "interrupted": s.interrupted,
            "failures": [
                {"path": display_path(f.path), "kind": f.kind, "message": f.message}
                for f in s.failures
            ],
            "held": [
                {"root": display_path(h.root), "reason": h.reason, "files": h.files} for h in s.held
            ],
        }
        if self.filed is not None:
            f = self.filed
            out["organized"] = {
                "run": f.run_id,
                "status": f.status,
                "counts": f.counts,
                "left": [{"path": display_path(p), "reason": r} for p, r in f.left],
                "unmatched": f.unmatched,
            }
        return out
