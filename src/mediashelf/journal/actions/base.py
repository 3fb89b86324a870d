"""The base of the journal's actions: what every action knows, and the registry."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import ClassVar, Final

from mediashelf.catalog.journal import Effect, Step
from mediashelf.journal import fileops
from mediashelf.journal.results import Outcome, Recovered

#: why undo leaves a file whose result is gone
GONE: Final = "no longer there"


@dataclass(slots=True)
class Reversal:
    """The undo of a run being planned: the steps that reverse it, and what blocks them."""

    force: bool  # undo what can be, leaving changed files (else refuse if any changed)
    steps: list[Step] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    created: list[bytes] = field(default_factory=list)  # folders the run made
    returning: list[bytes] = field(default_factory=list)  # places files go back to
    vacated: set[bytes] = field(default_factory=set)  # places an earlier reverse step frees


class Action:
    """One kind of journaled file operation (the registry holds one instance of each)."""

    name: ClassVar[str]
    effect: ClassVar[Effect] = "none"
    #: what it makes must be inside DEST (checked again just before it is done)
    inside_dest: ClassVar[bool] = True
    #: it writes `dst` under a temporary name first, which recovery deletes
    temporary: ClassVar[bool] = False
    #: a done one cannot be undone (a deletion)
    final: ClassVar[bool] = False

    def perform(self, step: Step, outcome: Outcome) -> None:
        """Do it on disk.  Raises OSError when it could not be done."""
        raise NotImplementedError

    def settle(self, step: Step, rec: Recovered) -> bool:
        """Whether an operation a crash interrupted was done (True) or not (False)."""
        return False

    def changed(self, step: Step) -> str | None:
        """Why the result of a done `step` can no longer be undone safely, or None."""
        now = fileops.stat_after(step.dst)
        if now is None:
            return GONE
        before = step.after or {}
        if any(now.get(k) != before.get(k) for k in ("size", "mtime_ns", "ino")):
            return "changed since (size, time or identity)"
        return None

    def plan_undo(self, step: Step, rev: Reversal) -> None:
        """Add what reverses a done `step` to `rev` (nothing: it needs no reversing)."""

    def undid(self, step: Step) -> bytes | None:
        """For a step of an undo run (a move back, an untrash, a remove, an unshare): the
        destination of the operation it reversed."""
        return None


ACTIONS: dict[str, Action] = {}


def register(cls: type[Action]) -> type[Action]:
    """Class decorator: the action is known to the journal by its `name`."""
    ACTIONS[cls.name] = cls()
    return cls


def settle_move(step: Step, rec: Recovered) -> bool:
    """Done when the file is at its destination and gone from its source."""
    src, dst = step.src, step.dst
    assert src is not None
    has_dst, has_src = os.path.lexists(dst), os.path.lexists(src)
    if has_dst and not has_src:
        return True
    if has_dst and has_src:
        # a move across filesystems stopped between placing the copy and removing
        # the original: the copy is complete (it is renamed into place only once
        # verified), so finishing means removing the original
        if fileops.same_bytes(src, dst):
            os.unlink(src)
            return True
        rec.odd.append(f"{os.fsdecode(dst)}: another file is there; both left alone")
    elif not has_src:
        rec.odd.append(f"{os.fsdecode(src)}: found neither at its source nor its destination")
    return False


def one_file(a: bytes | None, b: bytes) -> bool | None:
    """Whether two paths name the same file; None when either cannot be looked at."""
    assert a is not None
    try:
        return os.path.samefile(a, b)
    except OSError:
        return None
