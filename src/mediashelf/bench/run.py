"""Timing scenarios: first index, no-op rescan, 1% delta rescan, start-up.

Everything is timed in one run of this script, mediashelf and its baselines
interleaved run by run, so both see the same machine state (warm page cache:
each library is read once before its first timing).  `shelf scan` runs as a
subprocess and the wall time is taken around it; its `--json` summary and the
peak RSS of its process tree are recorded with every run.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from mediashelf.bench import BenchError
from mediashelf.bench.delta import Delta, plan_changes
from mediashelf.bench.generate import GenerateReport, generate_library
from mediashelf.bench.measure import Runner, Stat, Timed, cpu_note
from mediashelf.bench.table import Result, format_table

FIRST_MIN_RATIO = 3.0
NOOP_MAX_RATIO = 1.5
DELTA_FACTOR = 1.2
RSS_LIMIT_MB = 120.0
VERSION_LIMIT_MS = 100.0
VERSION_RUNS = 20


def parse_summary(stdout: str) -> dict[str, Any]:
    """The one JSON object `shelf scan --json` prints (the last one, if there are more lines)."""
    text = stdout.strip()
    candidates = [text, *reversed(text.splitlines())]
    for candidate in candidates:
        if candidate.startswith("{"):
            try:
                data = json.loads(candidate)
            except ValueError:
                continue
            if isinstance(data, dict):
                return data
    raise ValueError("no JSON object in the output")


@dataclass(slots=True)
class _Size:
    """What the scenarios of one library size share."""

    size: int
    root: Path
    report: GenerateReport
    catalog: Path | None = None
    first_rate: float | None = None
    noop_seconds: float | None = None
    rss: list[dict[str, float]] = field(default_factory=list)


class Bench:
    def __init__(
        self,
        runner: Runner,
        shelf: Sequence[str],
        tmp: Path,
        runs: int,
        jobs: int | None,
        log: TextIO,
    ) -> None:
        self.runner = runner
        self.shelf = list(shelf)
        self.tmp = tmp
        self.runs = runs
        self.jobs = jobs
        self.log = log

    def say(self, text: str) -> None:
        print(text, file=self.log, flush=True)

    # -- commands --------------------------------------------------------------------------

    def scan(self, root: Path, db: Path) -> tuple[Timed, dict[str, Any]]:
        cmd = [*self.shelf, "scan", str(root), "--json", "--db", str(db)]
        if self.jobs:
            cmd += ["--jobs", str(self.jobs)]
        timed = self.runner.run(cmd)
        try:
            summary = parse_summary(timed.stdout)
        except ValueError:
            summary = {}
        if timed.returncode not in (0, 1) or not summary:
            tail = " / ".join(timed.stderr.strip().splitlines()[-2:]) or "no JSON summary"
            raise BenchError(f"`{' '.join(cmd)}` exited {timed.returncode}: {tail}")
        return timed, summary

    def mutagen_loop(self, root: Path) -> dict[str, Any]:
        timed = self.runner.run([sys.executable, "-m", "mediashelf.bench.baseline", str(root)])
        if timed.returncode != 0:
            raise BenchError(f"the mutagen baseline failed: {timed.stderr.strip()[-200:]}")
        return parse_summary(timed.stdout)

    def find(self, root: Path) -> float:
        timed = self.runner.run(["find", str(root), "-printf", "%p %s %T@\n"], stdout=False)
        if timed.returncode != 0:
            raise BenchError(f"find failed: {timed.stderr.strip()[-200:]}")
        return timed.wall

    @staticmethod
    def record(timed: Timed, summary: dict[str, Any], **extra: Any) -> dict[str, Any]:
        return {
            "wall_seconds": round(timed.wall, 4),
            "tree_max_rss_mb": round(timed.max_rss_mb, 1),
            "summary": summary,
            **extra,
        }

    def note_rss(self, s: _Size, timed: Timed, summary: dict[str, Any]) -> None:
        peak = summary.get("peak_rss_mb") or {}
        s.rss.append(
            {
                "main": float(peak.get("main", timed.max_rss_mb)),
                "workers": float(peak.get("workers", 0.0)),
                "tree": timed.max_rss_mb,
            }
        )

    # -- scenarios -------------------------------------------------------------------------

    def first_index(
        self, s: _Size, i: int, db: Path, label: str, prepare: Callable[[], object] = tuple
    ) -> tuple[float, float, dict[str, Any]]:
        """Run `i` of a first index and the mutagen loop, interleaved (which goes first
        alternates), `prepare()` before each: (files/s, the loop's files/s, record)."""
        base: dict[str, Any] = {}
        if i % 2:
            prepare()
            base = self.mutagen_loop(s.root)
        prepare()
        timed, summary = self.scan(s.root, db)
        if not i % 2:
            prepare()
            base = self.mutagen_loop(s.root)
        files = int(summary.get("files", s.report.files))
        rate = files / timed.wall
        base_rate = float(base["files_per_second"])
        cpu = {
            "mediashelf": timed.cpu / files * 1e6,
            "mutagen_loop": float(base.get("cpu_seconds", 0.0)) / max(1, base["files"]) * 1e6,
        }
        self.note_rss(s, timed, summary)
        self.say(
            f"  {label} {i + 1}/{self.runs}: {timed.wall:.2f} s, {rate:,.0f} files/s; "
            f"mutagen loop {base_rate:,.0f} files/s; CPU µs/file {cpu['mediashelf']:.0f} "
            f"(every process) vs {cpu['mutagen_loop']:.0f}"
        )
        record = self.record(timed, summary, files_per_second=rate, baseline=base)
        return rate, base_rate, {**record, "cpu_us_per_file": cpu}

    def first(self, s: _Size) -> Result:
        rates, base_rates, records = [], [], []
        for i in range(self.runs):
            run_dir = Path(tempfile.mkdtemp(prefix="first-", dir=self.tmp))
            rate, base_rate, record = self.first_index(s, i, run_dir / "catalog.db", "first")
            rates.append(rate)
            base_rates.append(base_rate)
            records.append(record)
            if s.catalog is not None:
                shutil.rmtree(s.catalog.parent, ignore_errors=True)
            s.catalog = run_dir / "catalog.db"
        value, baseline = Stat.of(rates), Stat.of(base_rates)
        ratio = value.median / baseline.median
        s.first_rate = value.median
        return Result(
            "first", s.size, "files/s", value, files=int(records[-1]["summary"].get("files", 0)),
            baseline=baseline, baseline_label="mutagen loop", ratio=ratio,
            limit=f">= {FIRST_MIN_RATIO}x", met=ratio >= FIRST_MIN_RATIO, runs=records,
            note=cpu_note(records),
        )  # fmt: skip

    def ensure_catalog(self, s: _Size) -> Path:
        if s.catalog is None:
            run_dir = Path(tempfile.mkdtemp(prefix="catalog-", dir=self.tmp))
            self.say("  building a catalog (untimed first index)")
            self.scan(s.root, run_dir / "catalog.db")
            s.catalog = run_dir / "catalog.db"
        return s.catalog

    def noop(self, s: _Size) -> Result:
        db = self.ensure_catalog(s)
        walls, finds, records, changed = [], [], [], 0
        for i in range(self.runs):
            if i % 2:
                finds.append(self.find(s.root))
            timed, summary = self.scan(s.root, db)
            if not i % 2:
                finds.append(self.find(s.root))
            walls.append(timed.wall)
            counts = summary.get("counts", {})
            changed = max(changed, sum(v for k, v in counts.items() if k != "unchanged"))
            self.note_rss(s, timed, summary)
            records.append(self.record(timed, summary, find_seconds=finds[-1]))
            self.say(f"  noop {i + 1}/{self.runs}: {timed.wall:.3f} s; find {finds[-1]:.3f} s")
        value, baseline = Stat.of(walls), Stat.of(finds)
        ratio = value.median / baseline.median
        s.noop_seconds = value.median
        return Result(
            "noop", s.size, "s", value, files=int(records[-1]["summary"].get("files", 0)),
            baseline=baseline, baseline_label="find", ratio=ratio,
            limit=f"<= {NOOP_MAX_RATIO}x", met=ratio <= NOOP_MAX_RATIO, runs=records,
            note=f"a no-op rescan reported {changed} non-unchanged files" if changed else "",
        )  # fmt: skip

    def delta(self, s: _Size) -> Result:
        db = self.ensure_catalog(s)
        walls, changed, records, off = [], [], [], []
        for i in range(self.runs):
            plan = plan_changes(s.root, seed=i + 1)
            delta = Delta(s.root, plan, seed=i + 1)
            delta.apply()
            try:
                timed, summary = self.scan(s.root, db)
            finally:
                delta.revert()
            self.scan(s.root, db)  # back in step with the reverted library; not timed
            walls.append(timed.wall)
            changed.append(plan.changed)
            counts = summary.get("counts", {})
            expected = plan.expected()
            if any(counts.get(k) != v for k, v in expected.items()):
                off.append(i + 1)
            self.note_rss(s, timed, summary)
            records.append(self.record(timed, summary, changed=plan.changed, expected=expected))
            self.say(f"  delta {i + 1}/{self.runs}: {timed.wall:.3f} s for {plan.changed} changes")
        value = Stat.of(walls)
        n_changed = Stat.of(changed).median
        limit, met, note = "", None, ""
        if s.noop_seconds is not None and s.first_rate:
            bound = s.noop_seconds + DELTA_FACTOR * n_changed / s.first_rate
            limit, met = f"<= {bound:.3f} s", value.median <= bound
            note = f"{n_changed:.0f} changed files"
        else:
            note = "run with the first and noop scenarios to evaluate the target"
        if off:
            note += f"; counts differ from the change set in run(s) {off} (see --json)"
        return Result(
            "delta", s.size, "s", value, files=int(records[-1]["summary"].get("files", 0)),
            limit=limit, met=met, note=note, runs=records,
        )  # fmt: skip

    def rss(self, s: _Size) -> Result:
        """The highest peak over every scan of this size (the target is a ceiling)."""
        mains = [r["main"] for r in s.rss]
        peak = max(mains)
        workers = max(r["workers"] for r in s.rss)
        tree = max(r["tree"] for r in s.rss)
        note = (
            f"highest of {len(mains)} scans (median {Stat.of(mains).median:.0f} MB); "
            f"workers peak {workers:.0f} MB; largest process of the tree {tree:.0f} MB"
        )
        return Result(
            "rss", s.size, "MB", Stat.of([peak]), limit=f"<= {RSS_LIMIT_MB:.0f} MB",
            met=peak <= RSS_LIMIT_MB, note=note, runs=list(s.rss),
        )  # fmt: skip

    def version(self) -> Result:
        walls = []
        for _ in range(VERSION_RUNS):
            timed = self.runner.run([*self.shelf, "--version"])
            if timed.returncode != 0:
                raise BenchError(f"`shelf --version` exited {timed.returncode}")
            walls.append(timed.wall * 1000)
        value = Stat.of(walls)
        return Result(
            "version", None, "ms", value, limit=f"<= {VERSION_LIMIT_MS:.0f} ms",
            met=value.median <= VERSION_LIMIT_MS, runs=[{"wall_ms": w} for w in walls],
        )  # fmt: skip


def clean_env(tmp: Path) -> dict[str, str]:
    """The environment for timed commands: built-in settings, not the user's.

    SHELF_* variables are dropped and the settings folder points at an empty one.
    PYTHONDONTWRITEBYTECODE is dropped too: an installed program runs from cached
    bytecode, and compiling every module on every start is not what users time.
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SHELF_") and k != "PYTHONDONTWRITEBYTECODE"
    }
    env["XDG_CONFIG_HOME"] = str(tmp / "config")
    return env


def warm(root: Path) -> None:
    """Read every file once, so every timed run starts from the same warm page cache."""
    for top, _, files in os.walk(root):
        for name in files:
            with open(os.path.join(top, name), "rb") as f:
                while f.read(1 << 20):
                    pass


def _machine(runner: Runner, shelf: Sequence[str]) -> dict[str, Any]:
    version = runner.run([*shelf, "--version"]).stdout.strip()
    return {
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "shelf": " ".join(shelf),
        "shelf_version": version,
    }


def run_bench(
    sizes: list[int],
    runs: int,
    scenarios: list[str],
    workdir: Path,
    jobs: int | None,
    json_out: Path | None,
    *,
    seed: int = 1,
    markdown: bool = False,
    shelf_cmd: Sequence[str] | None = None,
    beets_cmd: Sequence[str] | None = None,
    postgres: str | None = None,
    out: TextIO | None = None,
    log: TextIO | None = None,
) -> list[Result]:
    """Run `scenarios` on libraries of `sizes` tracks, print the table, return the results."""
    if runs < 1:
        raise BenchError("--runs must be at least 1")
    out = out or sys.stdout
    log = log or sys.stderr
    shelf = list(shelf_cmd or [sys.executable, "-m", "mediashelf"])
    workdir.mkdir(parents=True, exist_ok=True)
    results: list[Result] = []
    with (
        tempfile.TemporaryDirectory(prefix="mediashelf-bench-") as tmp,
        Runner(clean_env(Path(tmp))) as runner,
    ):  # the launcher starts first, while this process is still small
        bench = Bench(runner, shelf, Path(tmp), runs, jobs, log)
        for size in sizes if set(scenarios) - {"version"} else []:
            root = workdir / f"library-{size}-seed{seed}"
            bench.say(f"library of {size:,} tracks: {root}")
            report = generate_library(root, size, seed, jobs)
            if not report.cached:
                bench.say(f"  generated in {report.seconds:.1f} s")
            warm(root)
            s = _Size(size, root, report)
            for name in ("first", "noop", "delta"):
                if name in scenarios:
                    results.append(getattr(bench, name)(s))
            if "query" in scenarios:
                from mediashelf.bench.query import query_results

                results.extend(query_results(bench, s, beets_cmd))
            if "organize" in scenarios:
                from mediashelf.bench.organize import organize_results

                results.extend(organize_results(bench, s))
            if "postgres" in scenarios:
                from mediashelf.bench.postgres import postgres_results

                results.extend(postgres_results(bench, s, postgres))
            if "cold" in scenarios:  # last: it leaves the library out of the page cache
                from mediashelf.bench.cold import cold_result

                results.append(cold_result(bench, s))
            if s.rss:
                results.append(bench.rss(s))
            if s.catalog is not None:
                shutil.rmtree(s.catalog.parent, ignore_errors=True)
        if "version" in scenarios:
            results.append(bench.version())
        machine = _machine(runner, shelf)
    print(format_table(results, markdown=markdown), file=out)
    if json_out is not None:
        payload = {"machine": machine, "results": [r.to_json() for r in results]}
        json_out.write_text(json.dumps(payload, indent=1, ensure_ascii=False))
    return results
