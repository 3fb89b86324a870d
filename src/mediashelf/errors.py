"""One exception hierarchy for the whole program.

Per-file problems (MediaError and subclasses) never escape a run: they are turned
into `Failure` values at the edge of the extract stage.  Only catalog and
configuration problems abort a run.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILURES = 1
EXIT_USAGE = 2
EXIT_FATAL = 3
EXIT_INTERRUPTED = 130


class ShelfError(Exception):
    """Root of every error mediashelf raises on purpose."""

    exit_code = EXIT_FATAL


class ConfigError(ShelfError):
    """A bad argument, settings file or environment variable (exit 2)."""

    exit_code = EXIT_USAGE


class QueryError(ConfigError):
    """A malformed query or template: unknown field, bad value, bad regex (exit 2)."""


class CatalogError(ShelfError):
    """The catalog cannot be opened, migrated, locked or written (exit 3)."""

    exit_code = EXIT_FATAL


class CatalogBusy(CatalogError):
    """Another process holds the catalog's scan lock."""


class PlanError(ShelfError):
    """An organize plan cannot be made: an unusable destination (exit 2)."""

    exit_code = EXIT_USAGE


class PathEscape(PlanError):
    """A destination would resolve outside the destination root."""


class MediaError(ShelfError):
    """A problem with one file.  `kind` is the short name stored in the failures table."""

    kind = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Unreadable(MediaError):
    """The file cannot be opened or read (permission, I/O error)."""

    kind = "unreadable"


class Vanished(MediaError):
    """The file disappeared between listing and reading."""

    kind = "vanished"


class Corrupt(MediaError):
    """The file claims a format but its content is broken or truncated."""

    kind = "corrupt"


class Unsupported(MediaError):
    """The content is not a format we can read."""

    kind = "unsupported"


class TimedOut(MediaError):
    """Reading the file took longer than the per-file time limit."""

    kind = "timeout"


class TooLarge(MediaError):
    """Reading the file needed more memory than the worker's ceiling."""

    kind = "memory"


class InjectedCrash(BaseException):
    """Raised by `--fail-after` (crash-safety tests): the run stops as if the process
    had been killed.  Not a ShelfError, so no handler treats it as a normal failure."""
