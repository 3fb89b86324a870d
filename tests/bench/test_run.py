"""Pieces of the timing harness: the launcher's measurements, summary parsing, the table."""

from __future__ import annotations

import sys

import pytest

from mediashelf.bench.measure import Runner, Stat
from mediashelf.bench.run import parse_summary
from mediashelf.bench.table import Result, format_table


def test_runner_times_and_captures() -> None:
    with Runner() as runner:
        timed = runner.run([sys.executable, "-c", "import sys; print('out'); sys.exit(3)"])
        assert timed.returncode == 3 and timed.stdout == "out\n" and timed.wall > 0
        quiet = runner.run([sys.executable, "-c", "print('x')"], stdout=False)
        assert quiet.returncode == 0 and quiet.stdout == ""


def test_runner_rss_is_the_commands_own() -> None:
    ballast = bytearray(300 * 1024 * 1024)  # this process is large ...
    ballast[::4096] = b"\x01" * len(ballast[::4096])
    with Runner() as runner:
        small = runner.run(["true"])
        big = runner.run([sys.executable, "-c", "b = bytearray(120 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096])"])  # fmt: skip
    del ballast
    assert small.max_rss_mb < 60  # ... but its children do not inherit its high-water mark
    assert 120 <= big.max_rss_mb < 250


def test_runner_reports_missing_command() -> None:
    from mediashelf.bench import BenchError

    with Runner() as runner, pytest.raises(BenchError):
        runner.run(["no-such-command-for-the-bench"])


def test_parse_summary() -> None:
    assert parse_summary('{"files": 3}') == {"files": 3}
    assert parse_summary('scanning...\n{"files": 3, "counts": {}}\n') == {"files": 3, "counts": {}}
    with pytest.raises(ValueError):
        parse_summary("Traceback ...")


def test_table() -> None:
    results = [
        Result(
            "first",
            10000,
            "files/s",
            Stat.of([2000.0, 2100.0, 1900.0]),
            baseline=Stat.of([1000.0]),
            baseline_label="mutagen loop",
            ratio=2.0,
            limit=">= 1.8x",
            met=True,
        ),
        Result("noop", 10000, "s", Stat.of([0.4]), ratio=3.0, limit="<= 1.5x", met=False),
        Result("delta", 10000, "s", Stat.of([0.5]), note="needs first and noop"),
    ]
    plain = format_table(results)
    assert "2,000 files/s (1,900-2,100)" in plain and "yes" in plain and "NO" in plain
    assert "n/a" in plain and "needs first and noop" in plain
    markdown = format_table(results, markdown=True)
    lines = markdown.splitlines()
    assert lines[0].startswith("| target") and lines[1].startswith("|---")
    assert all(line.count("|") == 8 for line in lines[:5])
