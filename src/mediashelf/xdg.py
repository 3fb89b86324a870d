"""The XDG base directories, read in one place.

As the XDG Base Directory specification says, a `$XDG_*_HOME` that is empty or not an
absolute path is ignored and the default is used instead.
"""

from __future__ import annotations

import os
from pathlib import Path


def _base(variable: str, *default: str) -> Path:
    value = os.environ.get(variable, "")
    if value and os.path.isabs(value):
        return Path(value)
    return Path(os.path.expanduser("~"), *default)


def data_home() -> Path:
    """`$XDG_DATA_HOME`, else `~/.local/share`."""
    return _base("XDG_DATA_HOME", ".local", "share")


def config_home() -> Path:
    """`$XDG_CONFIG_HOME`, else `~/.config`."""
    return _base("XDG_CONFIG_HOME", ".config")


def cache_home() -> Path:
    """`$XDG_CACHE_HOME`, else `~/.cache`."""
    return _base("XDG_CACHE_HOME", ".cache")


def state_home() -> Path:
    """`$XDG_STATE_HOME`, else `~/.local/state`."""
    return _base("XDG_STATE_HOME", ".local", "state")
