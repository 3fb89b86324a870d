"""What the journal reports: the outcome of a run, and what recovery found."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Outcome:
    """A run as it ended: `status` done or interrupted, counts by action (and
    `failed`, `changed`, …), the files not done with the reason, and notes."""

    run_id: int
    status: str = "done"
    counts: dict[str, int] = field(default_factory=dict)
    failures: list[tuple[bytes, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n


@dataclass(slots=True)
class Recovered:
    """A run a crash had left unfinished, settled: what was kept and what was not."""

    run_id: int
    command: str
    kept: int = 0
    not_done: int = 0
    partial_removed: int = 0
    odd: list[str] = field(default_factory=list)

    def message(self) -> str:
        text = (
            f"run {self.run_id} (`{self.command}`) was interrupted; recovered: "
            f"{self.kept:,} operation(s) had completed and are kept, "
            f"{self.not_done:,} had not been done"
        )
        if self.partial_removed:
            text += f", {self.partial_removed:,} half-written copie(s) removed"
        text += f". Run the command again to finish, or `shelf undo {self.run_id}` to reverse it."
        return text
