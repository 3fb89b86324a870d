"""Run a command and measure it: wall time, exit code, output, peak RSS of its process tree.

Commands are started by a small launcher process, not by the benchmark itself.
On Linux a process's `ru_maxrss` survives `execve`: a child forked (or vforked)
from a large parent starts with the parent's resident size as its high-water
mark.  The benchmark process holds the library plan, PyAV and mutagen, so its
children would report its memory as theirs.  The launcher is a bare Python that
stays a few MB, so `ru_maxrss` of what it starts measures the command itself.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from mediashelf.bench import BenchError

# Runs with -I -S: standard library only, nothing imported that is not needed.
_LAUNCHER = r"""
import json, os, sys, time
for line in sys.stdin:
    req = json.loads(line)
    fds = [os.open(os.devnull, os.O_RDONLY),
           os.open(req["out"] or os.devnull, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
           os.open(req["err"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)]
    acts = [(os.POSIX_SPAWN_DUP2, fd, i) for i, fd in enumerate(fds)]
    try:
        t0 = time.perf_counter()
        pid = os.posix_spawnp(req["cmd"][0], req["cmd"], os.environ, file_actions=acts)
        _, status, ru = os.wait4(pid, 0)
        wall = time.perf_counter() - t0
        reply = {"wall": wall, "rc": os.waitstatus_to_exitcode(status), "maxrss_kb": ru.ru_maxrss,
                 "cpu": ru.ru_utime + ru.ru_stime}
    except OSError as e:
        reply = {"error": str(e)}
    for fd in fds:
        os.close(fd)
    sys.stdout.write(json.dumps(reply) + "\n")
    sys.stdout.flush()
"""


@dataclass(frozen=True, slots=True)
class Timed:
    wall: float
    returncode: int
    stdout: str
    stderr: str
    #: largest resident set of the process and of any child it waited for, in MB
    max_rss_mb: float
    #: CPU seconds (user and system) of the process and of the children it waited for
    cpu: float = 0.0


class Runner:
    """Starts commands through the launcher; use as a context manager."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        #: the environment the commands run in
        self.env: dict[str, str] = dict(os.environ if env is None else env)
        self._dir = tempfile.TemporaryDirectory(prefix="mediashelf-bench-run-")
        self._proc: subprocess.Popen[str] = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", _LAUNCHER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=None if env is None else dict(env),
        )

    def run(self, cmd: Sequence[str], *, stdout: bool = True) -> Timed:
        """Run `cmd` to completion; the clock covers spawn to exit, nothing else."""
        out = Path(self._dir.name, "stdout")
        err = Path(self._dir.name, "stderr")
        request = {"cmd": list(cmd), "out": str(out) if stdout else None, "err": str(err)}
        pipe_in: IO[str] | None = self._proc.stdin
        pipe_out: IO[str] | None = self._proc.stdout
        assert pipe_in is not None and pipe_out is not None
        pipe_in.write(json.dumps(request) + "\n")
        pipe_in.flush()
        line = pipe_out.readline()
        if not line:
            raise BenchError("the command launcher stopped unexpectedly")
        reply: dict[str, Any] = json.loads(line)
        if "error" in reply:
            raise BenchError(f"cannot run {cmd[0]}: {reply['error']}")
        return Timed(
            wall=float(reply["wall"]),
            returncode=int(reply["rc"]),
            stdout=out.read_text(errors="replace") if stdout else "",
            stderr=err.read_text(errors="replace"),
            max_rss_mb=int(reply["maxrss_kb"]) / 1024,  # Linux reports KiB
            cpu=float(reply["cpu"]),
        )

    def close(self) -> None:
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        self._proc.wait()
        if self._proc.stdout is not None:
            self._proc.stdout.close()
        self._dir.cleanup()

    def __enter__(self) -> Runner:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def self_check() -> float:
    """The launcher's own floor: ru_maxrss (MB) of a trivial command started through it."""
    with Runner() as runner:
        return runner.run(["true"]).max_rss_mb


@dataclass(frozen=True, slots=True)
class Stat:
    median: float
    min: float
    max: float
    n: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Stat:
        if not values:
            raise ValueError("no values")
        return cls(statistics.median(values), min(values), max(values), len(values))


def cpu_note(records: list[dict[str, Any]]) -> str:
    """Median CPU per file of a first index (every process of the scan, start-up to exit)
    and of the mutagen loop (the loop alone): the work done, whatever else the machine
    runs at the time."""
    ours = Stat.of([r["cpu_us_per_file"]["mediashelf"] for r in records]).median
    base = Stat.of([r["cpu_us_per_file"]["mutagen_loop"] for r in records]).median
    return f"CPU per file: scan {ours:.0f} µs (all processes), mutagen loop {base:.0f} µs"
