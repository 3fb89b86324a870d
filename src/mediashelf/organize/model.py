"""The values of organizing: what was asked (Request), and the plan that answers it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

Mode = Literal["move", "copy", "hardlink", "symlink", "reflink"]
MODES: Final = ("move", "copy", "hardlink", "symlink", "reflink")
Strategy = Literal["skip", "replace", "rename", "keep-both"]
STRATEGIES: Final = ("skip", "replace", "rename", "keep-both")


@dataclass(frozen=True, slots=True)
class Request:
    query: Sequence[str]
    dest: bytes
    mode: Mode = "move"
    on_conflict: Strategy = "skip"
    skip_identical: bool = False
    template: str | None = None  # overrides the template set
    preset: str | None = None  # a named template set instead of the settings' one
    sidecars: bool = True
    #: only files in these folders or below them (none: wherever they are)
    within: tuple[bytes, ...] = ()
    #: leave files whose metadata could not be read where they are
    skip_failed: bool = False


@dataclass(frozen=True, slots=True)
class Op:
    """One file operation.  `aside`: where an existing file at `dst` is moved first."""

    action: Mode
    src: bytes
    dst: bytes
    size: int
    mtime_ns: int
    item_id: int | None
    sidecar: bool = False
    aside: bytes | None = None


@dataclass(frozen=True, slots=True)
class Conflict:
    src: bytes
    dst: bytes
    reason: str


@dataclass(slots=True)
class Plan:
    dest: bytes
    mode: Mode
    ops: list[Op] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    in_place: int = 0
    identical: int = 0
    unmatched: int = 0  # matching items no template applies to
    dirs: list[bytes] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {
            "operations": len(self.ops),
            "files": sum(1 for op in self.ops if not op.sidecar),
            "sidecars": sum(1 for op in self.ops if op.sidecar),
            "replaced": sum(1 for op in self.ops if op.aside),
            "conflicts": len(self.conflicts),
            "in_place": self.in_place,
            "identical": self.identical,
            "unmatched": self.unmatched,
            "folders": len(self.dirs),
            "bytes": sum(op.size for op in self.ops),
        }
