"""Crash safety of organize: a failure injected after every step, and real SIGKILLs.

After any crash, `recover` must leave every file whole at its source or at its
destination (never lost, never half-written, never doubled by a move), the catalog
in agreement with the disk, and the journal with nothing left open; running the
command again must finish the job, and undo must give back the original tree.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mediashelf import journal
from mediashelf.catalog import open_catalog
from mediashelf.config import OrganizeSettings
from mediashelf.errors import InjectedCrash
from mediashelf.journal import recover, undo
from mediashelf.organize.plan import Request, make_plan, plan_steps
from tests.conftest import Shelf, scan_in_process
from tests.media import make_tree
from tests.organize.lib import MESSY, catalog_agrees, contents, copy_state, leftovers, tree


def _apply(db: Path, lib: Path, dest: Path, mode: str, fail_after: int | None) -> int:
    """Plan and apply in this process; return the number of steps it took (or failed at)."""
    catalog = open_catalog(db)
    try:
        catalog.acquire_lease()
        plan = make_plan(catalog, Request((), os.fsencode(dest), mode), OrganizeSettings())  # type: ignore[arg-type]
        run_id = journal.start_run(catalog, "test", mode, plan.dest)
        sources = sorted({os.path.dirname(op.src) for op in plan.ops})
        outcome = journal.execute(
            catalog, run_id, plan_steps(plan), fail_after=fail_after,
            prune_from=(lambda: sources) if mode == "move" else None,
            stop_at=frozenset({os.fsencode(lib), plan.dest}), dest=plan.dest,
        )  # fmt: skip
        journal.finish_run(catalog, run_id, outcome.status, outcome.counts)
        assert not outcome.failures, outcome.failures
        return sum(outcome.counts.values())
    finally:
        catalog.close()


def _recover(db: Path) -> list[object]:
    catalog = open_catalog(db)
    try:
        catalog.acquire_lease()
        found = recover(catalog)
        assert not journal.unfinished(catalog)
        assert not journal.ops_of(catalog, 1, "intended")
        return list(found)
    finally:
        catalog.close()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    base = tmp_path_factory.mktemp("crash")
    work = base / "work"
    make_tree(work / "lib", MESSY)
    scan_in_process(work / "cat.db", [work / "lib"])
    copy_state(work, base / "template")
    yield base


def _dests(base: Path) -> Iterator[tuple[str, Path]]:
    yield "same filesystem", base / "work" / "tidy"
    shm = Path("/dev/shm")
    if shm.is_dir() and os.stat(shm).st_dev != os.stat(base).st_dev:
        other = Path(tempfile.mkdtemp(dir=shm))
        yield "across filesystems", other / "tidy"


@pytest.mark.parametrize("mode", ["move", "copy"])
def test_a_failure_after_every_step_is_recovered(template: Path, mode: str) -> None:
    base = template
    work = base / "work"
    lib, db = work / "lib", work / "cat.db"
    original_tree = tree(base / "template" / "lib")
    original = contents(base / "template" / "lib")
    for where, dest in _dests(base):
        n = 0
        while True:
            copy_state(base / "template", work)
            if dest.exists():
                copy_state(base / "template" / "lib", dest)  # clear it ...
                for p in sorted(dest.rglob("*"), reverse=True):
                    p.unlink() if p.is_file() or p.is_symlink() else p.rmdir()
                dest.rmdir()
            try:
                _apply(db, lib, dest, mode, fail_after=n)
                break  # n is past the last step: the run finished
            except InjectedCrash:
                pass
            label = f"{mode} {where}, crash after step {n}"
            _recover(db)
            assert not leftovers(lib, dest), label
            if mode == "move":
                assert contents(lib, dest) == original, label
            else:
                assert contents(lib) == original, label
                assert set(contents(dest)) <= set(original), label
            catalog_agrees(db, lib, dest)
            # the same command again finishes the job ...
            _apply(db, lib, dest, mode, fail_after=None)
            assert contents(lib, dest) == original if mode == "move" else contents(lib) == original
            catalog_agrees(db, lib, dest)
            # ... and undoing both runs gives back the original tree
            catalog = open_catalog(db)
            try:
                catalog.acquire_lease()
                for run in journal.runs(catalog):
                    if run.mode != "undo" and run.undone_by is None:
                        undo(catalog, run.id, force=False, command="test undo")
            finally:
                catalog.close()
            assert tree(lib) == original_tree, label
            n += 1
        assert n > 20, f"only {n} steps: the test did not exercise much"


# -- a real process, killed ------------------------------------------------------------------


#: seeds whose kill landed while the run was in progress
_HIT: set[int] = set()


def _shelf(shelf: Shelf, db: Path, *args: object) -> list[str | bytes]:
    argv = shelf.argv(*args)  # type: ignore[arg-type]
    argv[argv.index("--db") + 1] = str(db)
    return argv


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A library of a few hundred files, scanned, kept as a template."""
    from mediashelf.bench.generate import generate_library

    base = tmp_path_factory.mktemp("kill")
    work = base / "work"
    generate_library(work / "lib", 300, 7, 2)
    os.unlink(work / "lib" / ".mediashelf-bench.json") if (
        work / "lib" / ".mediashelf-bench.json"
    ).exists() else None
    scan_in_process(work / "cat.db", [work / "lib"], jobs=2)
    copy_state(work, base / "template")
    yield base


@pytest.fixture(scope="module")
def full_run_seconds(big: Path, tmp_path_factory: pytest.TempPathFactory) -> float:
    """How long the applying part of an uninterrupted run takes here."""
    base = big
    work = base / "work"
    copy_state(base / "template", work)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHELF_")}
    env["XDG_CONFIG_HOME"] = str(tmp_path_factory.mktemp("cfg"))
    argv = [__import__("sys").executable, "-m", "mediashelf", "--db", str(work / "cat.db")]
    start = time.monotonic()
    subprocess.run(
        [*argv, "organize", "--into", str(work / "tidy"), "--yes"],
        env=env,
        check=True,
        capture_output=True,
    )
    return time.monotonic() - start


@pytest.mark.parametrize("seed", range(20))
def test_sigkill_at_a_random_moment(
    big: Path, shelf: Shelf, seed: int, full_run_seconds: float
) -> None:
    base = big
    work = base / "work"
    copy_state(base / "template", work)
    lib, db, dest = work / "lib", work / "cat.db", work / "tidy"
    original = contents(lib)
    rng = random.Random(seed)
    proc = subprocess.Popen(
        _shelf(shelf, db, "organize", "--into", dest, "--yes", "--json"),
        env=shelf.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    _wait_for_a_running_run(db, proc)
    time.sleep(rng.uniform(0.0, 0.25) * full_run_seconds)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()
    r = subprocess.run(_shelf(shelf, db, "recover"), env=shelf.env, capture_output=True)
    assert r.returncode == 0, r.stderr
    if b"was interrupted" in r.stdout:
        _HIT.add(seed)
    assert not leftovers(lib, dest)
    assert contents(lib, dest) == original, f"seed {seed}: files lost or doubled"
    catalog_agrees(db, lib, dest)
    r = subprocess.run(
        _shelf(shelf, db, "organize", "--into", dest, "--yes"), env=shelf.env, capture_output=True
    )
    assert r.returncode == 0, r.stderr
    assert contents(lib, dest) == original
    catalog_agrees(db, lib, dest)


def _wait_for_a_running_run(db: Path, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.05)
            try:
                if con.execute("SELECT 1 FROM runs WHERE status = 'running'").fetchone():
                    return
            finally:
                con.close()
        except sqlite3.OperationalError:
            pass  # the table is not there yet, or the catalog is busy
        time.sleep(0.002)


def test_the_kills_landed_during_runs() -> None:
    """Most of the kills above must have interrupted a run in progress to mean anything."""
    assert len(_HIT) >= 10, f"only seeds {sorted(_HIT)} interrupted a run"
