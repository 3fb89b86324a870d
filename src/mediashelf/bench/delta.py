"""A deterministic 1% change set applied to a generated library, and its exact revert.

A quarter each: files added (an existing track's audio with new tags), files edited
(a tag rewritten in place, so size or mtime change), files deleted, files moved or
renamed, one of them a whole album folder renamed.  Every step pushes its undo;
`revert()` replays them backwards so the library returns to its seed state
(same bytes, same mtimes, same inodes for what was edited or deleted).
"""

from __future__ import annotations

import os
import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mediashelf.bench.baseline import list_files
from mediashelf.bench.generate import dirty_flag, write_file
from mediashelf.bench.library import DUMP_FOLDER
from mediashelf.bench.names import Names, new_uuid
from mediashelf.bench.specs import TrackTags
from mediashelf.bench.tagging import tagged

AUDIO_KINDS = {".mp3": "mp3", ".flac": "flac", ".m4a": "aac", ".ogg": "vorbis", ".opus": "opus"}
_FRACTION = 0.01


@dataclass(slots=True)
class ChangePlan:
    adds: list[tuple[str, str]] = field(default_factory=list)  # (source, new path)
    edits: list[str] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)
    moves: list[tuple[str, str]] = field(default_factory=list)
    folder: tuple[str, str] | None = None
    folder_files: int = 0

    @property
    def changed(self) -> int:
        """Files the rescan has to notice."""
        return (
            len(self.adds)
            + len(self.edits)
            + len(self.deletes)
            + len(self.moves)
            + self.folder_files
        )

    def expected(self) -> dict[str, int]:
        """The scan summary counts this change set should produce."""
        return {
            "added": len(self.adds),
            "changed": len(self.edits),
            "missing": len(self.deletes),
            "moved": len(self.moves) + self.folder_files,
        }


def plan_changes(root: Path, seed: int, fraction: float = _FRACTION) -> ChangePlan:
    """Pick the files to change: same library and seed, same plan."""
    rng = random.Random(f"mediashelf-delta:{seed}")
    audio = [
        os.path.relpath(p, root)
        for p in list_files(str(root))
        if os.path.splitext(p)[1].lower() in AUDIO_KINDS
    ]
    quarter = max(1, round(len(audio) * fraction / 4))
    plan = ChangePlan()
    by_dir: dict[str, list[str]] = {}
    for rel in audio:
        by_dir.setdefault(os.path.dirname(rel), []).append(rel)
    albums = sorted(d for d, files in by_dir.items() if d and d != DUMP_FOLDER and len(files) <= 30)
    inside = ""
    if albums:
        folder = rng.choice(albums)
        plan.folder = (folder, f"{folder} (renamed)")
        # every file below the folder moves with it, sidecars included
        plan.folder_files = len(list_files(os.path.join(root, folder)))
        inside = folder + os.sep
    pool = [rel for rel in audio if not inside or not rel.startswith(inside)]
    n_moves = max(0, quarter - plan.folder_files)
    picked = rng.sample(pool, min(len(pool), 2 * quarter + n_moves))
    plan.edits = picked[:quarter]
    plan.deletes = picked[quarter : 2 * quarter]
    names = Names(rng)
    targets = [d for d in albums if not inside or not (d + os.sep).startswith(inside)] or [""]
    for k, rel in enumerate(picked[2 * quarter :]):
        stem, ext = os.path.splitext(os.path.basename(rel))
        if rng.random() < 0.5:
            new = os.path.join(os.path.dirname(rel), f"{stem} (renamed {k}){ext}")
        else:
            new = os.path.join(rng.choice(targets), f"{stem} (moved {k}){ext}")
        plan.moves.append((rel, new))
    new_album = f"{names.artist().replace('/', '_')}/{names.album().replace('/', '_')} (2025)"
    for i in range(quarter):
        source = rng.choice(pool)
        ext = os.path.splitext(source)[1]
        folder = new_album if i % 2 else rng.choice(targets)
        plan.adds.append((source, os.path.join(folder, f"{90 + i % 10:02d} New {i}{ext}")))
    return plan


class Delta:
    """Apply a ChangePlan to the library at `root`; `revert()` undoes every step."""

    def __init__(self, root: Path, plan: ChangePlan, seed: int) -> None:
        self.root = root
        self.plan = plan
        self.seed = seed
        self.backup = root.with_name(root.name + ".delta-backup")
        self._undo: list[Callable[[], None]] = []

    def _abs(self, rel: str) -> str:
        return os.path.join(self.root, rel)

    def apply(self) -> None:
        dirty_flag(self.root).touch()
        if self.backup.exists():
            shutil.rmtree(self.backup)
        self.backup.mkdir()
        try:
            self._apply()
        except BaseException:
            self.revert()
            raise

    def _apply(self) -> None:
        rng = random.Random(f"mediashelf-delta-tags:{self.seed}")
        names = Names(rng)
        for source, rel in self.plan.adds:
            self._add(source, rel, names, rng)
        for i, rel in enumerate(self.plan.edits):
            self._edit(rel, i)
        for i, rel in enumerate(self.plan.deletes):
            keep = str(self.backup / f"deleted-{i}")
            self._rename(self._abs(rel), keep)
        for src, dst in self.plan.moves:
            self._rename(self._abs(src), self._abs(dst))
        if self.plan.folder is not None:
            src, dst = self.plan.folder
            self._rename(self._abs(src), self._abs(dst))

    def _rename(self, src: str, dst: str) -> None:
        os.rename(src, dst)
        self._undo.append(lambda: os.rename(dst, src))

    def _add(self, source: str, rel: str, names: Names, rng: random.Random) -> None:
        path = self._abs(rel)
        parent = os.path.dirname(path)
        created = [] if os.path.isdir(parent) else [parent]
        if created and not os.path.isdir(os.path.dirname(parent)):
            created.append(os.path.dirname(parent))
        kind = AUDIO_KINDS[os.path.splitext(source)[1].lower()]
        title = names.title()
        tags = TrackTags(
            title=title,
            artist=names.artist(),
            album="Added Album",
            track=int(os.path.basename(rel)[:2]),
            date="2025",
            mb_recordingid=new_uuid(rng),
        )
        with open(self._abs(source), "rb") as f:
            data = f.read()
        mtime = int(os.stat(self._abs(source)).st_mtime)
        write_file(path, tagged(data, kind, tags, []), mtime)

        def undo() -> None:
            os.unlink(path)
            for d in created:
                os.rmdir(d)

        self._undo.append(undo)

    def _edit(self, rel: str, i: int) -> None:
        import mutagen

        path = self._abs(rel)
        keep = self.backup / f"edited-{i}"
        st = os.stat(path)
        shutil.copyfile(path, keep)

        def undo() -> None:
            with open(path, "r+b") as f:
                data = keep.read_bytes()
                f.write(data)
                f.truncate(len(data))
            os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))

        self._undo.append(undo)
        audio: Any = mutagen.File(path, easy=True)
        if audio.tags is None:
            audio.add_tags()
        old = audio.tags.get("title") or ["Untitled"]
        audio.tags["title"] = [f"{old[0]} (edited, take {i})"]
        audio.save()

    def revert(self) -> None:
        while self._undo:
            self._undo.pop()()
        shutil.rmtree(self.backup, ignore_errors=True)
        dirty_flag(self.root).unlink(missing_ok=True)
