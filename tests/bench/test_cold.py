"""The cold scenario: the library's files evicted from the page cache before each run."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from mediashelf.bench.cold import evict


def test_evict_counts_every_file(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    for name in ("x.mp3", "a/y.flac", "a/b/z.jpg"):
        (tmp_path / name).write_bytes(b"data" * 1000)
    assert evict(tmp_path) == 3
    assert (tmp_path / "a/b/z.jpg").read_bytes() == b"data" * 1000  # nothing else changes


def test_cold_run_reports_files_per_second_beside_its_baseline(tmp_path: Path) -> None:
    pytest.importorskip("av")
    from mediashelf.bench.run import run_bench

    out, log = io.StringIO(), io.StringIO()
    results = run_bench([30], 1, ["first", "cold"], tmp_path / "work", 2, None, out=out, log=log)
    cold = next(r for r in results if r.scenario == "cold")
    first = next(r for r in results if r.scenario == "first")
    assert cold.value.median > 0 and cold.baseline is not None and cold.baseline.median > 0
    assert cold.met is None and "evicted from the page cache" in cold.note
    assert first.limit == ">= 3.0x"
    assert "cold page cache" in out.getvalue()
