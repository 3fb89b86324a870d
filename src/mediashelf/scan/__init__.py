"""The scan flow: walk → diff → extract → write, wired and timed by `driver.run_scan`."""

from __future__ import annotations

from mediashelf.scan.driver import run_scan
from mediashelf.scan.summary import CLASSES, ScanSummary

__all__ = ["CLASSES", "ScanSummary", "run_scan"]
