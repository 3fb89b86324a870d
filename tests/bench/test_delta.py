"""The delta scenario's change set: applied as planned, reverted to the exact seed state."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest.importorskip("av")

from mediashelf.bench.delta import Delta, plan_changes
from mediashelf.bench.generate import MARKER, dirty_flag, generate_library


def snapshot(root: Path) -> dict[str, tuple[bytes, int, int]]:
    """Every file's bytes, mtime and inode; every folder as an empty entry."""
    out: dict[str, tuple[bytes, int, int]] = {}
    for top, dirs, names in os.walk(root):
        for name in dirs:
            out[os.path.relpath(os.path.join(top, name), root) + "/"] = (b"", 0, 0)
        for name in names:
            path = Path(top, name)
            st = path.stat()
            out[os.path.relpath(path, root)] = (path.read_bytes(), st.st_mtime_ns, st.st_ino)
    return out


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("delta") / "library"
    generate_library(root, 300, seed=5, jobs=2)
    return root


def test_plan_is_deterministic(root: Path) -> None:
    assert plan_changes(root, seed=1) == plan_changes(root, seed=1)
    assert plan_changes(root, seed=1) != plan_changes(root, seed=2)


def test_apply_then_revert_restores_the_library(root: Path) -> None:
    before = snapshot(root)
    plan = plan_changes(root, seed=3, fraction=0.08)
    quarter = len(plan.adds)
    assert quarter == 6 and len(plan.edits) == len(plan.deletes) == quarter
    assert plan.folder is not None
    assert plan.folder_files == sum(
        1 for k in before if k.startswith(plan.folder[0] + "/") and not k.endswith("/")
    )
    assert plan.changed == 3 * quarter + len(plan.moves) + plan.folder_files

    delta = Delta(root, plan, seed=3)
    delta.apply()
    during = snapshot(root)
    assert dirty_flag(root).exists()
    for _, rel in plan.adds:
        assert rel in during and rel not in before
    for rel in plan.deletes:
        assert rel not in during
    for rel in plan.edits:
        assert during[rel][0] != before[rel][0] and during[rel][1] != before[rel][1]
        assert during[rel][2] == before[rel][2]  # edited in place
    for src, dst in plan.moves:
        assert src not in during and during[dst][0] == before[src][0]
    old_dir, new_dir = plan.folder
    assert not (root / old_dir).exists() and (root / new_dir).is_dir()
    assert during[MARKER] == before[MARKER]

    delta.revert()
    assert snapshot(root) == before
    assert not dirty_flag(root).exists()
    assert not root.with_name(root.name + ".delta-backup").exists()


def test_failed_apply_is_reverted(root: Path) -> None:
    before = snapshot(root)
    plan = plan_changes(root, seed=4, fraction=0.08)
    plan.moves.append(("no such file.mp3", "anywhere.mp3"))
    with pytest.raises(FileNotFoundError):
        Delta(root, plan, seed=4).apply()
    assert snapshot(root) == before
    assert not dirty_flag(root).exists()
